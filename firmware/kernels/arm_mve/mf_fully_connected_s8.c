/* int8 fully connected on Helium: four units per pass over the input, each 16-byte input vector
 * loaded once for four VMLADAVA (tail-predicated), the block's four sums requantized together on
 * four lanes. The input offset enters once per unit through the host-computed filter sums
 * (symmetric weights only, as TFLite's int8 spec). */
#include "mf_mve_dot.h"
#include "mf_fc_s8_common.h"

#define BLOCK 4

static inline void block(const mf_fc_params_s8 *p, const int8_t *x, int u0, int n, int8_t *y) {
    const int8_t *w0 = mf_fc_row(p, u0, n, 0), *w1 = mf_fc_row(p, u0, n, 1), *w2 = mf_fc_row(p, u0, n, 2),
                 *w3 = mf_fc_row(p, u0, n, 3);
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t i = 0, left = p->depth; left > 0; left -= 16, i += 16) {
        mve_pred16_t pred = vctp8q((uint32_t)left);
        int8x16_t v = vld1q_z_s8(x + i, pred);
        a0 = vmladavaq_p_s8(a0, v, vld1q_z_s8(w0 + i, pred), pred);
        a1 = vmladavaq_p_s8(a1, v, vld1q_z_s8(w1 + i, pred), pred);
        a2 = vmladavaq_p_s8(a2, v, vld1q_z_s8(w2 + i, pred), pred);
        a3 = vmladavaq_p_s8(a3, v, vld1q_z_s8(w3 + i, pred), pred);
    }
    mve_pred16_t lanes = vctp32q((uint32_t)n);
    int32x4_t sums = vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2), 3);
    sums = vaddq_s32(sums, vldrwq_z_s32(p->bias_with_offset + u0, lanes));
    mf_mve_store4(y, sums, p->multiplier, p->shift, u0, n, p->output_offset, p->act_min, p->act_max);
}

/* out = requantized(in x weights^T + bias): BLOCK units a pass over each input row (block),
 * then the remaining units as one short block. Symmetric weights only (filter_offset 0), with
 * the host-computed bias_with_offset; else MF_ERR_ARG. */
mf_status mf_fully_connected_s8(const mf_fc_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_fc_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->filter_offset != 0 || !p->bias_with_offset) return MF_ERR_ARG;
    MF_FC_S8_UNIT_BLOCKS(p, in, out, BLOCK, block)
    return MF_OK;
}
