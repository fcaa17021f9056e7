/* Element-wise helpers of the Helium (MVE-F) act, pool and sgd variants (fp32 and fp16 storage,
 * MFV_F32 and MFV_F16 only), on top of mf_odl_mve.h. A lane is one element; a tail is a
 * predicated group (VCTP). Comparisons are IEEE (VCMP: false with a NaN operand), as ref's C
 * comparisons, so every select picks what ref picks. */
#ifndef MF_ODL_EW_MVE_H
#define MF_ODL_EW_MVE_H

#include "mf_odl_mve.h"

#if MFV_MODE == MFV_F32
MFV_INLINE mfv_v mfv_dup(mfv_s s) { return vdupq_n_f32(s); }
MFV_INLINE mfv_v mfv_mul_s(mfv_v v, mfv_s s) { return vmulq_n_f32(v, s); }
MFV_INLINE mve_pred16_t mfv_lt_s(mfv_v v, mfv_s s) { return vcmpltq_n_f32(v, s); }
MFV_INLINE mve_pred16_t mfv_gt_s(mfv_v v, mfv_s s) { return vcmpgtq_n_f32(v, s); }
MFV_INLINE mve_pred16_t mfv_gt(mfv_v a, mfv_v b) { return vcmpgtq_f32(a, b); }
MFV_INLINE mfv_v mfv_sel(mfv_v a, mfv_v b, mve_pred16_t p) { return vpselq_f32(a, b, p); }
/* a tap number per lane */
typedef uint32x4_t mfv_idx;
MFV_INLINE mfv_idx mfv_idx_dup(int t) { return vdupq_n_u32((uint32_t)t); }
MFV_INLINE mfv_idx mfv_idx_sel(int t, mfv_idx b, mve_pred16_t p) { return vpselq_u32(vdupq_n_u32((uint32_t)t), b, p); }
/* the lanes of m whose tap number is t */
MFV_INLINE mve_pred16_t mfv_idx_eq(mfv_idx a, int t, mve_pred16_t m) { return vcmpeqq_m_n_u32(a, (uint32_t)t, m); }
/* lane l's bit: 1 << (shift + l) */
MFV_INLINE uint32x4_t mfv_lane_bit(int shift) {
    return vshlq_u32(vdupq_n_u32(1u << shift), vreinterpretq_s32_u32(vidupq_n_u32(0, 1)));
}
/* the bits (1 << (shift + l)) of the lanes l in p, or-ed (VADDV of distinct bits) */
MFV_INLINE uint32_t mfv_bits(mve_pred16_t p, int shift) { return vaddvq_p_u32(mfv_lane_bit(shift), p); }
/* the lanes l whose bit shift + l is set in bits */
MFV_INLINE mve_pred16_t mfv_from_bits(uint32_t bits, int shift) {
    return vcmpneq_n_u32(vandq_u32(vdupq_n_u32(bits), mfv_lane_bit(shift)), 0);
}
#elif MFV_MODE == MFV_F16
MFV_INLINE mfv_v mfv_dup(mfv_s s) { return vdupq_n_f16(s); }
MFV_INLINE mfv_v mfv_mul_s(mfv_v v, mfv_s s) { return vmulq_n_f16(v, s); }
MFV_INLINE mve_pred16_t mfv_lt_s(mfv_v v, mfv_s s) { return vcmpltq_n_f16(v, s); }
MFV_INLINE mve_pred16_t mfv_gt_s(mfv_v v, mfv_s s) { return vcmpgtq_n_f16(v, s); }
MFV_INLINE mve_pred16_t mfv_gt(mfv_v a, mfv_v b) { return vcmpgtq_f16(a, b); }
MFV_INLINE mfv_v mfv_sel(mfv_v a, mfv_v b, mve_pred16_t p) { return vpselq_f16(a, b, p); }
typedef uint16x8_t mfv_idx;
MFV_INLINE mfv_idx mfv_idx_dup(int t) { return vdupq_n_u16((uint16_t)t); }
MFV_INLINE mfv_idx mfv_idx_sel(int t, mfv_idx b, mve_pred16_t p) { return vpselq_u16(vdupq_n_u16((uint16_t)t), b, p); }
MFV_INLINE mve_pred16_t mfv_idx_eq(mfv_idx a, int t, mve_pred16_t m) { return vcmpeqq_m_n_u16(a, (uint16_t)t, m); }
MFV_INLINE uint16x8_t mfv_lane_bit(int shift) {
    return vshlq_u16(vdupq_n_u16((uint16_t)(1u << shift)), vreinterpretq_s16_u16(vidupq_n_u16(0, 1)));
}
MFV_INLINE uint32_t mfv_bits(mve_pred16_t p, int shift) { return vaddvq_p_u16(mfv_lane_bit(shift), p); }
MFV_INLINE mve_pred16_t mfv_from_bits(uint32_t bits, int shift) {
    return vcmpneq_n_u16(vandq_u16(vdupq_n_u16((uint16_t)bits), mfv_lane_bit(shift)), 0);
}
#else
#error "the element-wise variants have fp32 and fp16 modes only"
#endif

/* for (i = 0; i < n; i += MFV_LANES) with m the predicate of the group's lanes (loops whose
 * body is long: the sums of pooling and bias gradients) */
#define MFV_EACH_GROUP(i, n, m) \
    for (int32_t i = 0; i < (n); i += MFV_LANES) \
        for (mve_pred16_t m = mfv_pred((int)((n) - i)), once_ = 1; once_; once_ = 0)

/* BODY(i, m, tail) for the groups of n elements: the whole groups unpredicated (tail 0, m all
 * lanes; mfv_load / mfv_store then are plain VLDR / VSTR and P0 is free for the selects), then
 * the tail once, predicated (tail 1). Unrolled twice: a loop end (LE) per two groups. */
#define MFV_GROUPS(n, BODY)                                                       \
    do {                                                                          \
        const int32_t full_ = (n) > 0 ? (n) & ~(int32_t)(MFV_LANES - 1) : 0;     \
        _Pragma("clang loop unroll_count(2)")                                    \
        for (int32_t i_ = 0; i_ < full_; i_ += MFV_LANES) BODY(i_, (mve_pred16_t)0xffff, 0); \
        if (full_ < (n)) BODY(full_, mfv_pred((int)((n) - full_)), 1);           \
    } while (0)

#endif
