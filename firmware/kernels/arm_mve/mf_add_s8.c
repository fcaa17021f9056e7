/* Helium int8 add: four elements per pass, widened to int32 by the loads (VLDRB.S32), TFLite's
 * rescaling of both inputs and of the sum on four lanes, tail-predicated. */
#include "mf_mve_dot.h"
#include "mf_kernels.h"

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    const int32x4_t m1 = vdupq_n_s32(p->input1_multiplier), s1 = vdupq_n_s32(p->input1_shift);
    const int32x4_t m2 = vdupq_n_s32(p->input2_multiplier), s2 = vdupq_n_s32(p->input2_shift);
    const int32x4_t mo = vdupq_n_s32(p->output_multiplier), so = vdupq_n_s32(p->output_shift);
    for (int32_t n = p->size; n > 0; n -= 4, a += 4, b += 4, out += 4) {
        mve_pred16_t pred = vctp32q((uint32_t)n);
        int32x4_t x1 = vaddq_n_s32(vldrbq_z_s32(a, pred), p->input1_offset);
        int32x4_t x2 = vaddq_n_s32(vldrbq_z_s32(b, pred), p->input2_offset);
        x1 = vshlq_s32(x1, vdupq_n_s32(p->left_shift));
        x2 = vshlq_s32(x2, vdupq_n_s32(p->left_shift));
        int32x4_t sum = vaddq_s32(mf_mve_mbqm(x1, m1, s1), mf_mve_mbqm(x2, m2, s2));
        vstrbq_p_s32(out, mf_mve_requantize(sum, mo, so, p->output_offset, p->act_min, p->act_max), pred);
    }
    return MF_OK;
}
