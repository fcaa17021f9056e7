/* Common to the RVV (Zve32f + Zvfh) on-device-learning variants: mf_odl_{conv2d,depthwise,
 * linear}_{f32,f16,f16_acc32}.c define MFR_MODE and include their op's nest header
 * (mf_odl_<op>_rvv.h), which writes the three primitives once for every mode.
 *
 * Bit-exactness with ref/ (its templates mf_odl_<op>_ref.h state the order of every sum): a
 * vector's lanes hold DIFFERENT output elements, and each lane adds its own products in ref's
 * order, so no sum is reassociated. Products and sums are rounded as ref rounds them:
 *  - MFR_F32, MFR_F16: VFMUL then VFADD, each rounded to the element type (ref rounds the
 *    product before adding it), never VFMACC.
 *  - MFR_ACC32 (fp16 storage, fp32 sums): VFWMACC (fp16 x fp16 widened, added to an fp32
 *    accumulator, rounded once): the product of two fp16 values is exact in fp32 (11 + 11
 *    significant bits, exponents far inside fp32's range), so this is exactly ref's
 *    (acc + (float)a * (float)b) with the product rounded first: the rounding of the product is
 *    no rounding. Starting values are widened (VFWCVT, exact), sums of fp16 values added
 *    widened (VFWADD.WV: acc + (float)g rounded once, as ref), and each result is rounded to
 *    fp16 once (VFNCVT).
 *
 * A vector (mfr_v, the operands) is one LMUL=2 group of the element type (fp32: 8 lanes, fp16:
 * 16 lanes at VLEN 128), so the scalar loads of vector x scalar products are shared by more
 * lanes; with fp32 sums (MFR_ACC32) the operands are LMUL=1 fp16 (8 lanes) and the accumulators
 * (mfr_a) LMUL=2 fp32, everything under the one vtype e16,m1 (widening instructions count
 * 2 x LMUL in the LMUL-weighted figure: 2). A channel tail is a shorter vl. */
#ifndef MF_ODL_RVV_H
#define MF_ODL_RVV_H

#include <riscv_vector.h>
#include <stddef.h>
#include <stdint.h>

#include "mf_odl.h"
#include "mf_odl_window.h"

#if !defined(__riscv_vector)
#error "rvv on-device-learning primitives need the V extension or Zve32f (-march=..._zve32f)"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MFR_F32 1
#define MFR_F16 2
#define MFR_ACC32 3

#define MFR_INLINE static inline __attribute__((always_inline))
/* Hides how a pointer was computed from the compiler, so that it keeps one pointer per pixel,
 * loads at immediate offsets from it, instead of adding a common index to each for each load. */
#define MFR_OPAQUE(ptr) __asm__("" : "+r"(ptr))
#define MFR_CAT_(a, b) a##b
#define MFR_CAT(a, b) MFR_CAT_(a, b)
/* MFR_FN(mf_odl_conv2d_fw_) -> mf_odl_conv2d_fw_f32 (the suffix S) */
#define MFR_FN(prefix) MFR_CAT(prefix, S)

#if MFR_MODE == MFR_F32
#define S f32
typedef float mfr_t;         /* the storage type */
typedef float mfr_s;         /* a scalar operand */
typedef vfloat32m2_t mfr_v;  /* an operand vector */
typedef vfloat32m2_t mfr_a;  /* an accumulator */
MFR_INLINE size_t mfr_vsetvl(int n) { return __riscv_vsetvl_e32m2((size_t)n); }
MFR_INLINE size_t mfr_vlmax(void) { return __riscv_vsetvlmax_e32m2(); }
MFR_INLINE mfr_v mfr_ld(const mfr_t *p, size_t vl) { return __riscv_vle32_v_f32m2(p, vl); }
/* lanes `stride` bytes apart */
MFR_INLINE mfr_v mfr_lds(const mfr_t *p, ptrdiff_t stride, size_t vl) { return __riscv_vlse32_v_f32m2(p, stride, vl); }
MFR_INLINE mfr_a mfr_acc_ld(const mfr_t *p, size_t vl) { return __riscv_vle32_v_f32m2(p, vl); }
MFR_INLINE void mfr_acc_st(mfr_t *p, mfr_a v, size_t vl) { __riscv_vse32_v_f32m2(p, v, vl); }
MFR_INLINE mfr_a mfr_zero(size_t vl) { return __riscv_vfmv_v_f_f32m2(0.0f, vl); }
/* acc + v * s, the product rounded first */
MFR_INLINE mfr_a mfr_mac_s(mfr_a acc, mfr_v v, mfr_s s, size_t vl) {
    return __riscv_vfadd_vv_f32m2(acc, __riscv_vfmul_vf_f32m2(v, s, vl), vl);
}
MFR_INLINE mfr_a mfr_mac(mfr_a acc, mfr_v a, mfr_v b, size_t vl) {
    return __riscv_vfadd_vv_f32m2(acc, __riscv_vfmul_vv_f32m2(a, b, vl), vl);
}
/* acc + v (a gradient added to a sum) */
MFR_INLINE mfr_a mfr_add(mfr_a acc, mfr_v v, size_t vl) { return __riscv_vfadd_vv_f32m2(acc, v, vl); }

#elif MFR_MODE == MFR_F16
#if !defined(__riscv_zvfh)
#error "rvv fp16 on-device-learning primitives need Zvfh (-march=..._zvfh)"
#endif
#define S f16
typedef mf_odl_f16 mfr_t;
typedef _Float16 mfr_s;
typedef vfloat16m2_t mfr_v;
typedef vfloat16m2_t mfr_a;
MFR_INLINE size_t mfr_vsetvl(int n) { return __riscv_vsetvl_e16m2((size_t)n); }
MFR_INLINE size_t mfr_vlmax(void) { return __riscv_vsetvlmax_e16m2(); }
MFR_INLINE mfr_v mfr_ld(const mfr_t *p, size_t vl) { return __riscv_vle16_v_f16m2(p, vl); }
MFR_INLINE mfr_v mfr_lds(const mfr_t *p, ptrdiff_t stride, size_t vl) { return __riscv_vlse16_v_f16m2(p, stride, vl); }
MFR_INLINE mfr_a mfr_acc_ld(const mfr_t *p, size_t vl) { return __riscv_vle16_v_f16m2(p, vl); }
MFR_INLINE void mfr_acc_st(mfr_t *p, mfr_a v, size_t vl) { __riscv_vse16_v_f16m2(p, v, vl); }
MFR_INLINE mfr_a mfr_zero(size_t vl) { return __riscv_vfmv_v_f_f16m2((_Float16)0.0f, vl); }
MFR_INLINE mfr_a mfr_mac_s(mfr_a acc, mfr_v v, mfr_s s, size_t vl) {
    return __riscv_vfadd_vv_f16m2(acc, __riscv_vfmul_vf_f16m2(v, s, vl), vl);
}
MFR_INLINE mfr_a mfr_mac(mfr_a acc, mfr_v a, mfr_v b, size_t vl) {
    return __riscv_vfadd_vv_f16m2(acc, __riscv_vfmul_vv_f16m2(a, b, vl), vl);
}
MFR_INLINE mfr_a mfr_add(mfr_a acc, mfr_v v, size_t vl) { return __riscv_vfadd_vv_f16m2(acc, v, vl); }

#elif MFR_MODE == MFR_ACC32
#if !defined(__riscv_zvfh)
#error "rvv fp16 on-device-learning primitives need Zvfh (-march=..._zvfh)"
#endif
#define S f16_acc32
typedef mf_odl_f16 mfr_t;
typedef _Float16 mfr_s;
typedef vfloat16m1_t mfr_v;
typedef vfloat32m2_t mfr_a;
MFR_INLINE size_t mfr_vsetvl(int n) { return __riscv_vsetvl_e16m1((size_t)n); }
MFR_INLINE size_t mfr_vlmax(void) { return __riscv_vsetvlmax_e16m1(); }
MFR_INLINE mfr_v mfr_ld(const mfr_t *p, size_t vl) { return __riscv_vle16_v_f16m1(p, vl); }
MFR_INLINE mfr_v mfr_lds(const mfr_t *p, ptrdiff_t stride, size_t vl) { return __riscv_vlse16_v_f16m1(p, stride, vl); }
MFR_INLINE mfr_a mfr_acc_ld(const mfr_t *p, size_t vl) {
    return __riscv_vfwcvt_f_f_v_f32m2(__riscv_vle16_v_f16m1(p, vl), vl);
}
MFR_INLINE void mfr_acc_st(mfr_t *p, mfr_a v, size_t vl) {
    __riscv_vse16_v_f16m1(p, __riscv_vfncvt_f_f_w_f16m1(v, vl), vl);
}
MFR_INLINE mfr_a mfr_zero(size_t vl) { /* +0 (under the vtype e16, m1 of everything else) */
    return __riscv_vfwcvt_f_f_v_f32m2(__riscv_vfmv_v_f_f16m1((_Float16)0.0f, vl), vl);
}
/* acc + v * s in fp32: VFWMACC, exact as a product then a sum (the product is exact) */
MFR_INLINE mfr_a mfr_mac_s(mfr_a acc, mfr_v v, mfr_s s, size_t vl) { return __riscv_vfwmacc_vf_f32m2(acc, s, v, vl); }
MFR_INLINE mfr_a mfr_mac(mfr_a acc, mfr_v a, mfr_v b, size_t vl) { return __riscv_vfwmacc_vv_f32m2(acc, a, b, vl); }
MFR_INLINE mfr_a mfr_add(mfr_a acc, mfr_v v, size_t vl) { return __riscv_vfwadd_wv_f32m2(acc, v, vl); }

#else
#error "define MFR_MODE (MFR_F32, MFR_F16 or MFR_ACC32) before including mf_odl_rvv.h"
#endif

MFR_INLINE mfr_s mfr_scalar(const mfr_t *p) { return (mfr_s)*p; }

/* Window index arithmetic: mf_odl_window.h (shared with ref/); the variants' names for it. */
typedef mf_odl_range mfr_range;
#define mfr_inside mf_odl_inside
#define mfr_outputs_of_tap mf_odl_outputs_of_tap
#define mfr_taps_reading mf_odl_taps_reading

/* Output o's taps inside the input (tap k reads o * stride - pad + k). */
MFR_INLINE mfr_range mfr_window_taps(int o, int stride, int pad, int taps, int size) {
    return mf_odl_inside(o * stride - pad, 1, taps, size);
}

MFR_INLINE int mfr_same_range(mfr_range a, mfr_range b) {
    return a.lo == b.lo && a.hi == b.hi;
}

/* Pixel groups. The forward passes go through the output pixels, bw_input_grads through the
 * input pixels, a class at a time: the pixels whose windows have the same taps inside the input
 * (forward: rows whose window has the same taps, times columns likewise; backward: the same
 * taps reading them, so rows and columns `stride` apart). A class is a rectangle of pixels; its
 * pixels in row-major order go MFR_PIX at a time (the last group of a class repeats its last
 * pixel in the spare places, computed and not stored), so each tap's weights are loaded once
 * for a whole group, edges included. */

/* How many indices o, o + 1, ... (< out) have the same window taps as o. */
MFR_INLINE int mfr_fw_run(int o, int out, int stride, int pad, int taps, int size) {
    const mfr_range k = mfr_window_taps(o, stride, pad, taps, size);
    int n = 1;
    while (o + n < out && mfr_same_range(mfr_window_taps(o + n, stride, pad, taps, size), k)) n++;
    return n;
}

/* How many indices i, i + stride, ... (< in) are read through the same taps as i. */
MFR_INLINE int mfr_bw_run(int i, int in, int stride, int pad, int taps, int out) {
    const mfr_range k = mfr_taps_reading(i, stride, pad, taps, out);
    int n = 1;
    while (i + n * stride < in && mfr_same_range(mfr_taps_reading(i + n * stride, stride, pad, taps, out), k)) n++;
    return n;
}

/* Pixel j of the group starting at index r of a class of `count` pixels, nx a row, whose first
 * pixel is (y0, x0), pixels dy rows and dx columns apart: its coordinates; past the class's
 * last pixel, the last one. */
MFR_INLINE void mfr_group_pixel(int r, int j, int count, int y0, int x0, int nx, int dy, int dx, int *y, int *x) {
    const int rr = r + j < count ? r + j : count - 1;
    *y = y0 + rr / nx * dy;
    *x = x0 + rr % nx * dx;
}

/* A 1x1 convolution with stride 1 and no padding reads its input pixel for pixel: its rows are
 * one row of in_h * in_w pixels, so groups of pixels cross the row ends. */
MFR_INLINE mf_odl_conv_t mfr_flat(const mf_odl_conv_t *p) {
    mf_odl_conv_t q = *p;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0
        && p->out_h == p->in_h && p->out_w == p->in_w && p->in_h * p->in_w <= 32767) {
        q.in_w = q.out_w = (int16_t)(p->in_h * p->in_w);
        q.in_h = q.out_h = 1;
    }
    return q;
}

/* Eight accumulators (RVV register types cannot live in arrays): X(j) for j = 0..7, and the
 * declarations a0..a7 all set to `v`. */
#define MFR_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define MFR_DECL_ACC(v) mfr_a a0 = (v), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0

#endif
