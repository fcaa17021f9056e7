/* int8 x binary fully connected: weights +-1 eight per byte (bit set = +1, LSB first), rows
 * byte-aligned; the per-channel scale lives in the requantization multiplier. */
#include "mf_fc_s8_common.h"

static int32_t dot(const int8_t *x, const uint8_t *w, const mf_fc_params_s8 *p) {
    int32_t acc = 0;
    for (int d = 0; d < p->depth; d++) {
        int32_t v = x[d] + p->input_offset;
        acc += ((w[d >> 3] >> (d & 7)) & 1) ? v : -v;
    }
    return acc;
}

mf_status mf_fully_connected_b1(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    MF_FC_S8_LOOPS(p, in, out, dot(x, (const uint8_t *)p->weights + u * ((p->depth + 7) / 8), p))
    return MF_OK;
}
