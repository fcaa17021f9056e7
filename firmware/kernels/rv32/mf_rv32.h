/* Scalar RISC-V (RV32IM): what the rv32 kernels share. The core multiplies (MUL, MULH) but has
 * no multiply-accumulate, no packed SIMD and no vector unit: every MAC is a byte load, a MUL and
 * an ADD, so the kernels win by loading each byte once for several MACs (register blocking), by
 * adding the input offset once per output through the host's filter sums, and by a short
 * requantization. */
#ifndef MF_RV32_H
#define MF_RV32_H

#include <stdint.h>

#include "mf_features.h"
#include "mf_fixedpoint.h"

#if !MF_HAVE_RISCV_MUL
#error "rv32 kernels need a RISC-V core with the M extension (-march=rv32im...)"
#endif

/* One signed byte (LB). Clang sign-extends some int8 loads in unrolled loops as LBU, SLLI, SRAI:
 * three instructions where one does. */
static inline int32_t mf_rv32_lb(const int8_t *p) {
    int32_t v;
    __asm__("lb %0, %1" : "=r"(v) : "m"(*p));
    return v;
}

/* One channel's requantization, its rounding constants computed once for all its outputs. */
typedef struct {
    int32_t multiplier, shift, right, half;
} mf_rv32_scale;

static inline mf_rv32_scale mf_rv32_scale_of(int32_t multiplier, int32_t shift) {
    mf_rv32_scale s;
    s.multiplier = multiplier, s.shift = shift;
    s.right = -shift; /* for shift <= 0, the only case that uses it */
    s.half = (int32_t)((1u << (s.right & 31)) >> 1);
    return s;
}

/* mf_requantize, bit-exact, for the usual case, a right shift (shift <= 0) of an accumulator in
 * [-2^30, 2^30): SaturatingRoundingDoublingHighMul is then the high word of 2x * multiplier
 * rounded by the low word's top bit (MUL, MULH, no saturation case, no 64-bit shift), and
 * RoundingDivideByPOT an add and a shift (|high| < 2^30: no overflow). Left shifts and larger
 * accumulators take the reference's path. */
/* The reference's path, out of line: inlined, its set-up was hoisted into the fast path. */
static __attribute__((noinline)) int32_t mf_rv32_requantize_ref(int32_t x, int32_t multiplier, int32_t shift) {
    return mf_requantize(x, multiplier, shift);
}

static inline int32_t mf_rv32_requantize(int32_t x, mf_rv32_scale s) {
    if (s.shift > 0 || (uint32_t)x + 0x40000000u >= 0x80000000u) return mf_rv32_requantize_ref(x, s.multiplier, s.shift);
    int32_t x2 = x * 2;
    uint32_t low = (uint32_t)x2 * (uint32_t)s.multiplier;
    int32_t high = (int32_t)(((int64_t)x2 * s.multiplier) >> 32) + (int32_t)(low >> 31);
    /* round half away from zero: add half, less one below zero when shifting (the sign of
     * high & shift, shift = -right) */
    return (high + s.half + ((high & s.shift) >> 31)) >> s.right;
}

/* Where the requantized outputs go: the output zero point and the activation range. */
typedef struct {
    int32_t offset, act_min, act_max;
} mf_rv32_out;

/* An output from its accumulator (which holds the bias and offset terms). */
static inline int8_t mf_rv32_output(int32_t acc, mf_rv32_scale s, mf_rv32_out o) {
    int32_t v = mf_rv32_requantize(acc, s) + o.offset;
    if (v < o.act_min) v = o.act_min;
    if (v > o.act_max) v = o.act_max;
    return (int8_t)v;
}

#endif
