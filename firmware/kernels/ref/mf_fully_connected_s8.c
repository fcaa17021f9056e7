#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            const int8_t *w = p->weights + u * p->depth;
            int32_t acc = 0;
            for (int d = 0; d < p->depth; d++) acc += (x[d] + p->input_offset) * (w[d] + p->filter_offset);
            acc = mf_requantize(acc + p->bias[u], p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
