/* int8 x int4 fully connected: weights two per byte (low nibble first), rows byte-aligned. */
#include "mf_fc_s8_common.h"

static int32_t dot(const int8_t *x, const uint8_t *w, const mf_fc_params_s8 *p) {
    int32_t acc = 0;
    for (int d = 0; d < p->depth; d++) {
        int32_t nibble = (w[d >> 1] >> ((d & 1) * 4)) & 0xF;
        acc += (x[d] + p->input_offset) * (nibble > 7 ? nibble - 16 : nibble);
    }
    return acc;
}

mf_status mf_fully_connected_s4(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    MF_FC_S8_LOOPS(p, in, out, dot(x, (const uint8_t *)p->weights + u * ((p->depth + 1) / 2), p))
    return MF_OK;
}
