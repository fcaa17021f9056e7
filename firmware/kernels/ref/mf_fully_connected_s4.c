/* int8 x int4 fully connected: weights two per byte (low nibble first), rows byte-aligned. */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_fully_connected_s4(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    const int32_t row_bytes = (p->depth + 1) / 2;
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            const uint8_t *w = (const uint8_t *)p->weights + u * row_bytes;
            int32_t acc = 0;
            for (int d = 0; d < p->depth; d++) {
                int32_t nibble = (w[d >> 1] >> ((d & 1) * 4)) & 0xF;
                int32_t weight = nibble > 7 ? nibble - 16 : nibble;
                acc += (x[d] + p->input_offset) * weight;
            }
            acc = mf_requantize(acc + p->bias[u], p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
