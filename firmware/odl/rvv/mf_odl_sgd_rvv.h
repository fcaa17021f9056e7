/* RVV (Zve32f + Zvfh) SGD: bit for bit ref/mf_odl_sgd_ref.h. Every step in fp32 with ref's
 * rounding (VFMUL then VFADD / VFSUB, never VFMACC); fp16 storage is widened (VFWCVT, exact) and
 * m, w narrowed once each (VFNCVT, round to nearest even), an LMUL=4 fp16 group of 32 lanes
 * giving LMUL=8 fp32 vectors (fp32 storage: LMUL=8). m NULL: v = g, as ref. A NaN comes out as RISC-V's canonical NaN
 * (as ref's scalar conversions on RISC-V). */
#include "mf_odl_ew_rvv.h"

MFR_INLINE vfloat32m8_t mfr_sgd_step(vfloat32m8_t w, vfloat32m8_t *m, vfloat32m8_t g, float lr, float momentum,
                                     float weight_decay, int has_m, size_t vl) {
    const vfloat32m8_t decay = __riscv_vfmul_vf_f32m8(w, weight_decay, vl);
    const vfloat32m8_t gg = __riscv_vfadd_vv_f32m8(g, decay, vl);
    vfloat32m8_t v = gg;
    if (has_m) {
        const vfloat32m8_t mm = __riscv_vfmul_vf_f32m8(*m, momentum, vl);
        v = __riscv_vfadd_vv_f32m8(mm, gg, vl);
        *m = v;
    }
    const vfloat32m8_t step = __riscv_vfmul_vf_f32m8(v, lr, vl);
    return __riscv_vfsub_vv_f32m8(w, step, vl);
}

/* the loop, specialized for has_m constant */
MFR_INLINE void mfr_sgd_loop(int32_t n, float lr, float momentum, float weight_decay, mfr_t *w, mfr_t *m,
                             const mfr_t *grad, const int has_m) {
    for (int32_t i = 0; i < n;) {
#if MFR_MODE == MFR_F32
        const size_t vl = __riscv_vsetvl_e32m8((size_t)(n - i));
        vfloat32m8_t mv = has_m ? __riscv_vle32_v_f32m8(m + i, vl) : __riscv_vfmv_v_f_f32m8(0.0f, vl);
        const vfloat32m8_t wn = mfr_sgd_step(__riscv_vle32_v_f32m8(w + i, vl), &mv, __riscv_vle32_v_f32m8(grad + i, vl),
                                             lr, momentum, weight_decay, has_m, vl);
        if (has_m) __riscv_vse32_v_f32m8(m + i, mv, vl);
        __riscv_vse32_v_f32m8(w + i, wn, vl);
#else
        const size_t vl = __riscv_vsetvl_e16m4((size_t)(n - i));
#define MFR_WIDEN(p) __riscv_vfwcvt_f_f_v_f32m8(__riscv_vle16_v_f16m4((p), vl), vl)
        vfloat32m8_t mv = has_m ? MFR_WIDEN(m + i) : __riscv_vfwcvt_f_f_v_f32m8(__riscv_vfmv_v_f_f16m4((_Float16)0.0f, vl), vl);
        const vfloat32m8_t wn = mfr_sgd_step(MFR_WIDEN(w + i), &mv, MFR_WIDEN(grad + i), lr, momentum, weight_decay, has_m, vl);
#undef MFR_WIDEN
        if (has_m) __riscv_vse16_v_f16m4(m + i, __riscv_vfncvt_f_f_w_f16m4(mv, vl), vl);
        __riscv_vse16_v_f16m4(w + i, __riscv_vfncvt_f_f_w_f16m4(wn, vl), vl);
#endif
        i += (int32_t)vl;
    }
}

void MFR_FN(mf_odl_sgd_)(int32_t n, float lr, float momentum, float weight_decay, mfr_t *w, mfr_t *m,
                         const mfr_t *grad) {
    if (m)
        mfr_sgd_loop(n, lr, momentum, weight_decay, w, m, grad, 1);
    else
        mfr_sgd_loop(n, lr, momentum, weight_decay, w, m, grad, 0);
}
