/* Element-wise helpers of the RVV (Zve32f + Zvfh) act, pool and sgd variants (fp32 and fp16
 * storage, MFR_F32 and MFR_F16 only), on top of mf_odl_rvv.h: LMUL=8 vectors of the element
 * type (mfe_v: 32 fp32 or 64 fp16 lanes at VLEN 128: less loop overhead per element than the
 * LMUL=2 operands of the layer primitives), a tail a shorter vl. Comparisons are IEEE (VMFLT / VMFGT: false with a NaN operand), as
 * ref's C comparisons, so every merge picks what ref picks. */
#ifndef MF_ODL_EW_RVV_H
#define MF_ODL_EW_RVV_H

#include "mf_odl_rvv.h"

#if MFR_MODE == MFR_F32
typedef vfloat32m8_t mfe_v;
typedef vbool4_t mfe_m;
MFR_INLINE size_t mfe_vsetvl(int n) { return __riscv_vsetvl_e32m8((size_t)n); }
MFR_INLINE mfe_v mfe_ld(const mfr_t *p, size_t vl) { return __riscv_vle32_v_f32m8(p, vl); }
MFR_INLINE void mfe_st(mfr_t *p, mfe_v v, size_t vl) { __riscv_vse32_v_f32m8(p, v, vl); }
MFR_INLINE mfe_v mfe_zero(size_t vl) { return __riscv_vfmv_v_f_f32m8(0.0f, vl); }
MFR_INLINE mfe_v mfe_add(mfe_v a, mfe_v b, size_t vl) { return __riscv_vfadd_vv_f32m8(a, b, vl); }
MFR_INLINE mfe_v mfe_mul_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vfmul_vf_f32m8(v, s, vl); }
MFR_INLINE mfe_m mfe_lt_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vmflt_vf_f32m8_b4(v, s, vl); }
MFR_INLINE mfe_m mfe_gt_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vmfgt_vf_f32m8_b4(v, s, vl); }
MFR_INLINE mfe_m mfe_gt(mfe_v a, mfe_v b, size_t vl) { return __riscv_vmflt_vv_f32m8_b4(b, a, vl); }
/* m ? a : b */
MFR_INLINE mfe_v mfe_sel(mfe_v a, mfe_v b, mfe_m m, size_t vl) { return __riscv_vmerge_vvm_f32m8(b, a, m, vl); }
/* m ? s : b */
MFR_INLINE mfe_v mfe_sel_s(mfr_s s, mfe_v b, mfe_m m, size_t vl) { return __riscv_vfmerge_vfm_f32m8(b, s, m, vl); }
/* a tap number per lane */
typedef vuint32m8_t mfe_idx;
MFR_INLINE mfe_idx mfe_idx_dup(int t, size_t vl) { return __riscv_vmv_v_x_u32m8((uint32_t)t, vl); }
MFR_INLINE mfe_idx mfe_idx_sel(int t, mfe_idx b, mfe_m m, size_t vl) { return __riscv_vmerge_vxm_u32m8(b, (uint32_t)t, m, vl); }
MFR_INLINE mfe_m mfe_idx_eq(mfe_idx a, int t, size_t vl) { return __riscv_vmseq_vx_u32m8_b4(a, (uint32_t)t, vl); }
MFR_INLINE mfe_v mfe_ld_m(mfe_m m, const mfr_t *p, size_t vl) { return __riscv_vle32_v_f32m8_m(m, p, vl); }
MFR_INLINE void mfe_st_m(mfe_m m, mfr_t *p, mfe_v v, size_t vl) { __riscv_vse32_v_f32m8_m(m, p, v, vl); }
MFR_INLINE mfe_m mfe_and(mfe_m a, mfe_m b, size_t vl) { return __riscv_vmand_mm_b4(a, b, vl); }
/* mask registers as bytes: bit l % 8 of byte l / 8 is lane l (VSM / VLM) */
MFR_INLINE void mfe_sm(uint8_t *p, mfe_m m, size_t vl) { __riscv_vsm_v_b4(p, m, vl); }
MFR_INLINE mfe_m mfe_lm(const uint8_t *p, size_t vl) { return __riscv_vlm_v_b4(p, vl); }
#elif MFR_MODE == MFR_F16
typedef vfloat16m8_t mfe_v;
typedef vbool2_t mfe_m;
MFR_INLINE size_t mfe_vsetvl(int n) { return __riscv_vsetvl_e16m8((size_t)n); }
MFR_INLINE mfe_v mfe_ld(const mfr_t *p, size_t vl) { return __riscv_vle16_v_f16m8(p, vl); }
MFR_INLINE void mfe_st(mfr_t *p, mfe_v v, size_t vl) { __riscv_vse16_v_f16m8(p, v, vl); }
MFR_INLINE mfe_v mfe_zero(size_t vl) { return __riscv_vfmv_v_f_f16m8((_Float16)0.0f, vl); }
MFR_INLINE mfe_v mfe_add(mfe_v a, mfe_v b, size_t vl) { return __riscv_vfadd_vv_f16m8(a, b, vl); }
MFR_INLINE mfe_v mfe_mul_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vfmul_vf_f16m8(v, s, vl); }
MFR_INLINE mfe_m mfe_lt_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vmflt_vf_f16m8_b2(v, s, vl); }
MFR_INLINE mfe_m mfe_gt_s(mfe_v v, mfr_s s, size_t vl) { return __riscv_vmfgt_vf_f16m8_b2(v, s, vl); }
MFR_INLINE mfe_m mfe_gt(mfe_v a, mfe_v b, size_t vl) { return __riscv_vmflt_vv_f16m8_b2(b, a, vl); }
MFR_INLINE mfe_v mfe_sel(mfe_v a, mfe_v b, mfe_m m, size_t vl) { return __riscv_vmerge_vvm_f16m8(b, a, m, vl); }
MFR_INLINE mfe_v mfe_sel_s(mfr_s s, mfe_v b, mfe_m m, size_t vl) { return __riscv_vfmerge_vfm_f16m8(b, s, m, vl); }
typedef vuint16m8_t mfe_idx;
MFR_INLINE mfe_idx mfe_idx_dup(int t, size_t vl) { return __riscv_vmv_v_x_u16m8((uint16_t)t, vl); }
MFR_INLINE mfe_idx mfe_idx_sel(int t, mfe_idx b, mfe_m m, size_t vl) { return __riscv_vmerge_vxm_u16m8(b, (uint16_t)t, m, vl); }
MFR_INLINE mfe_m mfe_idx_eq(mfe_idx a, int t, size_t vl) { return __riscv_vmseq_vx_u16m8_b2(a, (uint16_t)t, vl); }
MFR_INLINE mfe_v mfe_ld_m(mfe_m m, const mfr_t *p, size_t vl) { return __riscv_vle16_v_f16m8_m(m, p, vl); }
MFR_INLINE void mfe_st_m(mfe_m m, mfr_t *p, mfe_v v, size_t vl) { __riscv_vse16_v_f16m8_m(m, p, v, vl); }
MFR_INLINE mfe_m mfe_and(mfe_m a, mfe_m b, size_t vl) { return __riscv_vmand_mm_b2(a, b, vl); }
MFR_INLINE void mfe_sm(uint8_t *p, mfe_m m, size_t vl) { __riscv_vsm_v_b2(p, m, vl); }
MFR_INLINE mfe_m mfe_lm(const uint8_t *p, size_t vl) { return __riscv_vlm_v_b2(p, vl); }
#else
#error "the element-wise variants have fp32 and fp16 modes only"
#endif

/* for (i = 0; i < n; i += vl) with vl the group's lanes */
#define MFR_EACH_GROUP(i, n, vl) \
    for (int32_t i = 0, vl = 0; i < (n); i += (int32_t)vl) \
        if ((vl = (int32_t)mfe_vsetvl((int)((n) - i))), 1)

#endif
