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

/* Four neurons: the membrane u and current c in, the spikes out; the new membrane returned,
 * saturated to int16. */
static inline int32x4_t lif4(int32x4_t u, int32x4_t c, int32_t theta, int32_t beta, int32x4_t *spikes) {
    const mve_pred16_t r = vcmpgtq_n_s32(u, theta); /* from the previous membrane */
    u = vaddq_s32(vshrq_n_s32(vaddq_n_s32(vmulq_n_s32(u, beta), 1 << 14), 15), c);
    u = vsubq_m_n_s32(u, u, theta, r);
    *spikes = vpselq_s32(vdupq_n_s32(1), vdupq_n_s32(0), vcmpgtq_n_s32(u, theta));
    return vmaxq_s32(vminq_s32(u, vdupq_n_s32(INT16_MAX)), vdupq_n_s32(INT16_MIN));
}

mf_status mf_lif_s16_step(const mf_lif_params *p, int16_t *mem, int16_t *syn, const int32_t *cur, int8_t *spk) {
    if (p->n < 0 || !MF_LIF_DEFAULT(p)) return lif_scalar(p, mem, syn, cur, spk);
    const int32_t theta = p->theta, beta = p->beta[0], n = p->n; /* locals: the stores may alias p */
    int32x4_t s;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) { /* whole vectors, unpredicated */
        vstrhq_s32(mem + i, lif4(vldrhq_s32(mem + i), vldrwq_s32(cur + i), theta, beta, &s));
        vstrbq_s32(spk + i, s);
    }
    if (i < n) { /* the last few, predicated */
        const mve_pred16_t in = vctp32q((uint32_t)(n - i));
        vstrhq_p_s32(mem + i, lif4(vldrhq_z_s32(mem + i, in), vldrwq_z_s32(cur + i, in), theta, beta, &s), in);
        vstrbq_p_s32(spk + i, s, in);
    }
    return MF_OK;
}
