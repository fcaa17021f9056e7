/* Helium: snnTorch's default neuron (Leaky, subtract, reset_delay, one beta) four at a time in
 * int32 lanes: the int16 membranes widened on load, narrowed on store after saturation, the
 * spikes stored as bytes. Every other neuron takes the portable loop. */
#include <arm_mve.h>

#include "mf_features.h"
#include "mf_lif_common.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

MF_LIF_STEP(static, lif_scalar, int16_t, int32_t, INT16_MIN, INT16_MAX)

mf_status mf_lif_s16_step(const mf_lif_params *p, int16_t *mem, int16_t *syn, const int32_t *cur, int8_t *spk) {
    if (p->n < 0 || !MF_LIF_DEFAULT(p)) return lif_scalar(p, mem, syn, cur, spk);
    const int32_t theta = p->theta, beta = p->beta[0];
    const int32x4_t ones = vdupq_n_s32(1), zeros = vdupq_n_s32(0);
    for (int32_t i = 0; i < p->n; i += 4) {
        const mve_pred16_t in = vctp32q((uint32_t)(p->n - i));
        int32x4_t u = vldrhq_z_s32(mem + i, in);
        const mve_pred16_t r = vcmpgtq_n_s32(u, theta); /* from the previous membrane */
        u = vshrq_n_s32(vaddq_n_s32(vmulq_n_s32(u, beta), 1 << 14), 15);
        u = vaddq_s32(u, vldrwq_z_s32(cur + i, in));
        u = vsubq_m_n_s32(u, u, theta, r);
        vstrbq_p_s32(spk + i, vpselq_s32(ones, zeros, vcmpgtq_n_s32(u, theta)), in);
        u = vmaxq_s32(vminq_s32(u, vdupq_n_s32(INT16_MAX)), vdupq_n_s32(INT16_MIN));
        vstrhq_p_s32(mem + i, u, in);
    }
    return MF_OK;
}
