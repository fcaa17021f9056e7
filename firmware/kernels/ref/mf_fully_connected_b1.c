/* int8 x binary fully connected: weights +-1 eight per byte (bit set = +1, LSB first), rows
 * byte-aligned; the per-channel scale lives in the requantization multiplier. */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_fully_connected_b1(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    const int32_t row_bytes = (p->depth + 7) / 8;
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            const uint8_t *w = (const uint8_t *)p->weights + u * row_bytes;
            int32_t acc = 0;
            for (int d = 0; d < p->depth; d++) {
                int32_t v = x[d] + p->input_offset;
                acc += ((w[d >> 3] >> (d & 7)) & 1) ? v : -v;
            }
            acc = mf_requantize(acc + p->bias[u], p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
