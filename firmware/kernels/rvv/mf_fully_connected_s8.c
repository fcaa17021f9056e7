/* int8 fully connected: each unit's dot product with the ISA's dot product; the input offset
 * enters once per unit through the host-computed filter sums (symmetric weights). */
#include "mf_rvv_dot.h"
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    if (p->filter_offset != 0) return MF_ERR_ARG; /* asymmetric weights: the reference kernel only */
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            int32_t acc = mf_rvv_dot_s8(p->bias[u], x, p->weights + u * p->depth, p->depth);
            acc += p->input_offset * p->filter_sums[u];
            acc = mf_requantize(acc, p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
