/* Helium: int8 dot products with VMLADAVA.S8 (16 MACs per instruction), tail-predicated, and
 * TFLite's requantization on four lanes. */
#ifndef MF_MVE_DOT_H
#define MF_MVE_DOT_H

#include <arm_mve.h>
#include <stdint.h>

#include "mf_features.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

/* acc + sum(a[i] * b[i]) over n int8 elements. */
static inline int32_t mf_mve_dot_s8(int32_t acc, const int8_t *a, const int8_t *b, int32_t n) {
    for (; n > 0; n -= 16, a += 16, b += 16) {
        mve_pred16_t p = vctp8q((uint32_t)n);
        acc = vmladavaq_p_s8(acc, vld1q_z_s8(a, p), vld1q_z_s8(b, p), p);
    }
    return acc;
}

/* Byte moves for the im2col patch (mf_patch_copy, mf_patch_fill), tail-predicated. */
static inline void mf_mve_copy_s8(void *patch, int32_t at, const int8_t *src, int32_t n) {
    for (int8_t *dst = (int8_t *)patch + at; n > 0; n -= 16, src += 16, dst += 16) {
        mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vld1q_z_s8(src, p), p);
    }
}

static inline void mf_mve_fill_s8(void *patch, int32_t at, int8_t value, int32_t n) {
    for (int8_t *dst = (int8_t *)patch + at; n > 0; n -= 16, dst += 16) vstrbq_p_s8(dst, vdupq_n_s8(value), vctp8q((uint32_t)n));
}

/* mf_requantize on four lanes (VQRDMULH is SaturatingRoundingDoublingHighMul; the fixup makes
 * VRSHL's round-half-up round half away from zero, as RoundingDivideByPOT). */
static inline int32x4_t mf_mve_mbqm(int32x4_t x, int32x4_t multiplier, int32x4_t shift) {
    int32x4_t zero = vdupq_n_s32(0);
    int32x4_t right = vminq_s32(shift, zero); /* -(right shift) */
    x = vqrdmulhq_s32(vshlq_s32(x, vmaxq_s32(shift, zero)), multiplier);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    return vrshlq_s32(x, right);
}

/* mf_mve_mbqm, then the output offset and the clamp. */
static inline int32x4_t mf_mve_requantize(int32x4_t x, int32x4_t multiplier, int32x4_t shift, int32_t output_offset,
                                          int32_t act_min, int32_t act_max) {
    x = vaddq_n_s32(mf_mve_mbqm(x, multiplier, shift), output_offset);
    return vminq_s32(vmaxq_s32(x, vdupq_n_s32(act_min)), vdupq_n_s32(act_max));
}

/* Requantizes the accumulators of n (<= 4) channels from c and stores them as int8 at y + c. */
static inline void mf_mve_store4(int8_t *y, int32x4_t acc, const int32_t *multiplier, const int32_t *shift, int c,
                                 int n, int32_t output_offset, int32_t act_min, int32_t act_max) {
    mve_pred16_t pred = vctp32q((uint32_t)n);
    int32x4_t v = mf_mve_requantize(acc, vldrwq_z_s32(multiplier + c, pred), vldrwq_z_s32(shift + c, pred),
                                    output_offset, act_min, act_max);
    vstrbq_p_s32(y + c, v, pred);
}

#endif
