/* Helium fp16: VFMA.F16 on q registers (8 lanes), tail-predicated loads, lanes summed at the end. */
#include <arm_mve.h>

#include "mf_kernels.h"

#if !MF_HAVE_MVE_FP
#error "arm_mve fp16 kernels need Helium with floating point (MVE-F): -mcpu=cortex-m55"
#endif

mf_status mf_dot_f16(const mf_f16 *a, const mf_f16 *b, int32_t n, mf_f16 *out) {
    if (n < 0) return MF_ERR_ARG;
    float16x8_t acc = vdupq_n_f16(0);
    const float16_t *pa = (const float16_t *)a, *pb = (const float16_t *)b;
    for (; n > 0; n -= 8, pa += 8, pb += 8) {
        mve_pred16_t p = vctp16q((uint32_t)n);
        acc = vfmaq_m_f16(acc, vld1q_z_f16(pa, p), vld1q_z_f16(pb, p), p);
    }
    mf_f16 sum = 0;
    for (int lane = 0; lane < 8; lane++) sum += (mf_f16)acc[lane];
    *out = sum;
    return MF_OK;
}
