/* Cortex-M DSP: int8 dot product with SXTB16 + SMLAD, two MACs per SMLAD. */
#ifndef MF_DSP_DOT_H
#define MF_DSP_DOT_H

#include <arm_acle.h>
#include <stdint.h>

#include "mf_features.h"
#include "mf_fixedpoint.h"

#if !MF_HAVE_DSP
#error "arm_dsp kernels need the Arm DSP extension (-mcpu=cortex-m4/m7/m33/m55)"
#endif

/* The inner loops written in GNU assembly (conv2d, depthwise) need a dozen free registers, which
 * GCC without optimization (-O0: frame pointer, no register allocation to speak of) cannot give
 * them: there they are compiled from their C versions. */
#if defined(__OPTIMIZE__)
#define MF_DSP_ASM_LOOPS 1
#else
#define MF_DSP_ASM_LOOPS 0
#endif

/* Rotate right (ROR; clang folds it into SXTB16's rotation). Not ACLE's __ror, which GCC's
 * arm_acle.h lacks: PlatformIO builds these kernels with GCC. */
static inline int32_t mf_ror(int32_t v, unsigned r) {
    return (int32_t)(((uint32_t)v >> r) | ((uint32_t)v << (32u - r)));
}

static inline int32_t mf_dsp_load4(const int8_t *p) {
    int32_t v;
    __builtin_memcpy(&v, p, 4); /* one LDR; unaligned word loads are allowed on M4/M7/M55 */
    return v;
}

/* acc + sum(a[i] * b[i]) over n int8 elements. */
static inline int32_t mf_dsp_dot_s8(int32_t acc, const int8_t *a, const int8_t *b, int32_t n) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        int32_t va = mf_dsp_load4(a + i), vb = mf_dsp_load4(b + i);
        acc = __smlad(__sxtb16(va), __sxtb16(vb), acc);
        acc = __smlad(__sxtb16(mf_ror(va, 8)), __sxtb16(mf_ror(vb, 8)), acc);
    }
    for (; i < n; i++) acc += a[i] * b[i];
    return acc;
}

/* mf_requantize, bit-exact, in about ten instructions for the usual case, a right shift (shift
 * <= 0) of an accumulator in [-2^30, 2^30): then SaturatingRoundingDoublingHighMul is SMMULR of
 * the doubled accumulator (no saturation case, no 64-bit shift) and RoundingDivideByPOT an add
 * and a shift (|high| < 2^30 for TFLite's multipliers, 0 to 2^31 - 1: no overflow). Left shifts
 * and larger accumulators take the reference's path. */
static inline int32_t mf_dsp_requantize(int32_t x, int32_t multiplier, int32_t shift) {
    if (shift > 0 || (uint32_t)x + 0x40000000u >= 0x80000000u) return mf_requantize(x, multiplier, shift);
    int32_t high; /* (2x * multiplier + 2^31) >> 32; no ACLE intrinsic, and compilers do not find it */
    __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(x * 2), "r"(multiplier));
    /* round half away from zero: add half, less one below zero when shifting (the sign of
     * high & shift, shift = -right) */
    int right = -shift;
    return (high + (int32_t)((1u << right) >> 1) + ((high & shift) >> 31)) >> right;
}

/* Four int8 values (the low bytes of v0..v3, each already saturated to int8) clamped bytewise
 * to [lo, hi] with SSUB8 + SEL (lo4, hi4: the bounds in every byte), as one word. */
static inline int32_t mf_dsp_pack_clamp4(int32_t v0, int32_t v1, int32_t v2, int32_t v3, int32_t lo4, int32_t hi4) {
    uint32_t w = ((uint32_t)v0 & 0xFFu) | (((uint32_t)v1 & 0xFFu) << 8) | (((uint32_t)v2 & 0xFFu) << 16) |
                 ((uint32_t)v3 << 24);
    int32_t r, t;
    /* GE per byte where w >= lo: keep w, else lo; then where hi >= r: keep r, else hi */
    __asm__("ssub8 %[t], %[w], %[lo]\n\t"
            "sel %[r], %[w], %[lo]\n\t"
            "ssub8 %[t], %[hi], %[r]\n\t"
            "sel %[r], %[r], %[hi]"
            : [r] "=&r"(r), [t] "=&r"(t)
            : [w] "r"(w), [lo] "r"(lo4), [hi] "r"(hi4)
            : "cc");
    return r;
}

/* An int8 bound in every byte of a word. */
static inline int32_t mf_dsp_bytes4(int32_t v) {
    return (int32_t)(((uint32_t)v & 0xFFu) * 0x01010101u);
}

#endif
