/* Helium (MVE-F) SGD: bit for bit ref/mf_odl_sgd_ref.h. Every step in fp32 with ref's rounding
 * (VMUL then VADD / VSUB, never VFMA); fp16 storage is widened (VCVTB / VCVTT, exact: the even
 * and the odd elements of a group) and m, w narrowed once each (round to nearest even). m NULL:
 * v = g, as ref. NaN payloads are kept by the conversions as by ref's. */
#include "mf_odl_ew_mve.h"

/* one fp32 vector of elements: w, m (momentum), g (gradient) in; new w, new m out */
MFV_INLINE float32x4_t mfv_sgd_step(float32x4_t w, float32x4_t *m, float32x4_t g, float lr, float momentum,
                                    float weight_decay, int has_m) {
    const float32x4_t decay = vmulq_n_f32(w, weight_decay);
    const float32x4_t gg = vaddq_f32(g, decay);
    float32x4_t v = gg;
    if (has_m) {
        const float32x4_t mm = vmulq_n_f32(*m, momentum);
        v = vaddq_f32(mm, gg);
        *m = v;
    }
    const float32x4_t step = vmulq_n_f32(v, lr);
    return vsubq_f32(w, step);
}

#if MFV_MODE == MFV_F32
#define MFV_SGD(i, p, tail)                                                                           \
    {                                                                                                 \
        float32x4_t mv = has_m ? mfv_load(m + (i), p, tail) : vdupq_n_f32(0.0f);                      \
        const float32x4_t wn = mfv_sgd_step(mfv_load(w + (i), p, tail), &mv, mfv_load(grad + (i), p, tail), lr, \
                                            momentum, weight_decay, has_m);                           \
        if (has_m) mfv_store(m + (i), mv, p, tail);                                                   \
        mfv_store(w + (i), wn, p, tail);                                                              \
    }
#else
#define MFV_SGD(i, p, tail)                                                                           \
    {                                                                                                 \
        const float16x8_t wh = mfv_load(w + (i), p, tail), gh = mfv_load(grad + (i), p, tail);        \
        float32x4_t me = vdupq_n_f32(0.0f), mo = me;                                                  \
        if (has_m) {                                                                                  \
            const float16x8_t mh = mfv_load(m + (i), p, tail);                                        \
            me = vcvtbq_f32_f16(mh), mo = vcvttq_f32_f16(mh);                                         \
        }                                                                                             \
        const float32x4_t we = mfv_sgd_step(vcvtbq_f32_f16(wh), &me, vcvtbq_f32_f16(gh), lr, momentum, weight_decay, has_m); \
        const float32x4_t wo = mfv_sgd_step(vcvttq_f32_f16(wh), &mo, vcvttq_f32_f16(gh), lr, momentum, weight_decay, has_m); \
        if (has_m) mfv_store(m + (i), vcvttq_f16_f32(vcvtbq_f16_f32(vuninitializedq_f16(), me), mo), p, tail); \
        mfv_store(w + (i), vcvttq_f16_f32(vcvtbq_f16_f32(vuninitializedq_f16(), we), wo), p, tail);  \
    }
#endif

/* the loop, specialized for has_m constant */
MFV_INLINE void mfv_sgd_loop(int32_t n, float lr, float momentum, float weight_decay, mfv_t *w, mfv_t *m,
                             const mfv_t *grad, const int has_m) {
    MFV_GROUPS(n, MFV_SGD);
}

void MFV_FN(mf_odl_sgd_)(int32_t n, float lr, float momentum, float weight_decay, mfv_t *w, mfv_t *m,
                         const mfv_t *grad) {
    if (m)
        mfv_sgd_loop(n, lr, momentum, weight_decay, w, m, grad, 1);
    else
        mfv_sgd_loop(n, lr, momentum, weight_decay, w, m, grad, 0);
}
