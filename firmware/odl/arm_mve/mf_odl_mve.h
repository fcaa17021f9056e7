/* Common to the Helium (MVE-F) on-device-learning variants: mf_odl_{conv2d,depthwise,linear}_
 * {f32,f16,f16_acc32}.c define MFV_MODE and include their op's nest header
 * (mf_odl_<op>_mve.h), which writes the three primitives once for every mode.
 *
 * Bit-exactness with ref/ (its templates mf_odl_<op>_ref.h state the order of every sum): a
 * vector's lanes hold DIFFERENT output elements, and each lane adds its own products in ref's
 * order, so no sum is reassociated. Products and sums are rounded as ref rounds them:
 *  - MFV_F32, MFV_F16: VMUL then VADD, each rounded to the element type (ref rounds the product
 *    before adding it), never VFMA.
 *  - MFV_ACC32 (fp16 storage, fp32 sums): the operands are widened to fp32 (VCVTB/VCVTT), and
 *    the product of two fp16 values is exact in fp32 (11 + 11 significant bits, exponents far
 *    inside fp32's range), so VFMA.F32 (acc + a * b rounded once) gives exactly ref's
 *    (acc + (float)a * (float)b) with the product rounded first: the rounding of the product is
 *    no rounding. The sum is rounded to fp16 once per element (VCVTB/VCVTT.F16.F32), as ref.
 *  - MVE floating point honours FPSCR as the scalar code does (denormals kept, round to
 *    nearest), so a lane's operation gives the scalar operation's bits.
 *
 * A group (mfv_v) is MFV_LANES output elements: fp32 4 (one q register), fp16 8 (one q
 * register), fp16-with-fp32-sums 8 (two q registers of fp32: the even and the odd channels of a
 * q register of fp16, as VCVTB / VCVTT widen them and narrow them back). A channel tail is a
 * group with fewer lanes: its loads and stores are predicated (VCTP), or its gathers repeat the
 * last real lane, so no lane reads outside the arrays. */
#ifndef MF_ODL_MVE_H
#define MF_ODL_MVE_H

#include <arm_mve.h>
#include <stdint.h>

#include "mf_odl.h"
#include "mf_odl_window.h"

#if !(defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2))
#error "arm_mve on-device-learning primitives need Helium with floating point (MVE-F): -mcpu=cortex-m55"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MFV_F32 1
#define MFV_F16 2
#define MFV_ACC32 3

#define MFV_INLINE static inline __attribute__((always_inline))
/* Hides how a pointer was computed from the compiler, so that it keeps one post-incremented
 * pointer per pixel instead of indexing them all from one (an add per load). */
#define MFV_OPAQUE(ptr) __asm__("" : "+r"(ptr))
#define MFV_CAT_(a, b) a##b
#define MFV_CAT(a, b) MFV_CAT_(a, b)
/* MFV_FN(mf_odl_conv2d_fw_) -> mf_odl_conv2d_fw_f32 (the suffix S) */
#define MFV_FN(prefix) MFV_CAT(prefix, S)

#if MFV_MODE == MFV_F32
#define S f32
typedef float mfv_t;       /* the storage type */
typedef float mfv_s;       /* a scalar operand of vector x scalar */
typedef float32x4_t mfv_v; /* a group of MFV_LANES elements */
#define MFV_LANES 4

MFV_INLINE mve_pred16_t mfv_pred(int n) { return vctp32q((uint32_t)n); }
MFV_INLINE mfv_v mfv_zero(void) { return vdupq_n_f32(0.0f); }
MFV_INLINE mfv_v mfv_ld(const mfv_t *p) { return vld1q_f32(p); }
MFV_INLINE mfv_v mfv_ld_z(const mfv_t *p, mve_pred16_t m) { return vldrwq_z_f32(p, m); }
MFV_INLINE void mfv_st(mfv_t *p, mfv_v v) { vst1q_f32(p, v); }
MFV_INLINE void mfv_st_p(mfv_t *p, mfv_v v, mve_pred16_t m) { vstrwq_p_f32(p, v, m); }
MFV_INLINE mfv_s mfv_scalar(const mfv_t *p) { return *p; }
/* *a = (*p)[0], *b = (*p)[1], *p += 2: one LDRD with writeback (one 64-bit load; two float
 * loads come out as two LDRs, or an LDRD and an ADD) */
MFV_INLINE void mfv_scalar2(const mfv_t **p, mfv_s *a, mfv_s *b) {
    uint64_t u;
    __builtin_memcpy(&u, *p, sizeof u);
    *p += 2;
    const uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32);
    __builtin_memcpy(a, &lo, sizeof lo);
    __builtin_memcpy(b, &hi, sizeof hi);
}
MFV_INLINE mfv_v mfv_add(mfv_v a, mfv_v b) { return vaddq_f32(a, b); }
/* acc + v * s, the product rounded first */
MFV_INLINE mfv_v mfv_mac_s(mfv_v acc, mfv_v v, mfv_s s) { return vaddq_f32(acc, vmulq_n_f32(v, s)); }
MFV_INLINE mfv_v mfv_mac(mfv_v acc, mfv_v a, mfv_v b) { return vaddq_f32(acc, vmulq_f32(a, b)); }

/* Gathers: lane l reads row min(l, n - 1) of rows `stride` elements apart, one element further
 * each call (VLDRW.U32 gather with writeback: one instruction). */
typedef uint32x4_t mfv_lane_off; /* byte offsets of the lanes' rows */
typedef struct {
    uint32x4_t a; /* the lanes' addresses, one element before the next read */
} mfv_gather;
MFV_INLINE mfv_lane_off mfv_lane_offsets(int stride, int n) {
    const uint32x4_t lane = vminq_u32(vidupq_n_u32(0, 1), vdupq_n_u32((uint32_t)(n - 1)));
    return vmulq_n_u32(lane, (uint32_t)(stride * (int)sizeof(mfv_t)));
}
MFV_INLINE mfv_gather mfv_gather_at(mfv_lane_off off, const mfv_t *p) {
    const mfv_gather g = {vaddq_n_u32(off, (uint32_t)(uintptr_t)p - sizeof(mfv_t))};
    return g;
}
MFV_INLINE mfv_v mfv_gather_next(mfv_gather *g) { return vldrwq_gather_base_wb_f32(&g->a, 4); }

/* Loads at byte offsets: a group of contiguous elements at base + offset, the offset one vector
 * (its lanes 4 bytes apart) shared by loads from several bases and moved by one VADD. */
typedef uint32x4_t mfv_boff;
#define MFV_BOFF_MAX 0x7fffffff
MFV_INLINE mfv_boff mfv_lane_bytes(void) { return vidupq_n_u32(0, 4); }
MFV_INLINE mfv_boff mfv_boff_add(mfv_boff o, int bytes) { return vaddq_n_u32(o, (uint32_t)bytes); }
MFV_INLINE mfv_v mfv_ld_off(const mfv_t *base, mfv_boff o, mve_pred16_t m, int tail) {
    return tail ? vldrwq_gather_offset_z_f32(base, o, m) : vldrwq_gather_offset_f32(base, o);
}

#elif MFV_MODE == MFV_F16
#define S f16
typedef mf_odl_f16 mfv_t;
typedef float16_t mfv_s;
typedef float16x8_t mfv_v;
#define MFV_LANES 8

MFV_INLINE mve_pred16_t mfv_pred(int n) { return vctp16q((uint32_t)n); }
MFV_INLINE mfv_v mfv_zero(void) { return vdupq_n_f16(0.0f); }
MFV_INLINE mfv_v mfv_ld(const mfv_t *p) { return vld1q_f16((const float16_t *)p); }
MFV_INLINE mfv_v mfv_ld_z(const mfv_t *p, mve_pred16_t m) { return vldrhq_z_f16((const float16_t *)p, m); }
MFV_INLINE void mfv_st(mfv_t *p, mfv_v v) { vst1q_f16((float16_t *)p, v); }
MFV_INLINE void mfv_st_p(mfv_t *p, mfv_v v, mve_pred16_t m) { vstrhq_p_f16((float16_t *)p, v, m); }
MFV_INLINE mfv_s mfv_scalar(const mfv_t *p) { return (mfv_s)*p; }
MFV_INLINE void mfv_scalar2(const mfv_t **p, mfv_s *a, mfv_s *b) {
    *a = (mfv_s)(*p)[0], *b = (mfv_s)(*p)[1];
    *p += 2;
}
/* s[k] = (*p)[k] for k < 4, *p += 4: one VLDRH.U32 (4 halfwords into 32-bit lanes) and the lanes
 * moved out in pairs (VMOV of a d register to two core registers), each scalar in the low half of
 * its register as VMUL.F16 by a scalar reads it: 3 instructions for 4 scalars, not 4 LDRHs. The
 * volatile asm moves them out at once (else clang keeps the q register and runs out of them, or
 * moves lanes one at a time); in a loop it costs the loop its LE (a SUBS, CMP and branch). */
MFV_INLINE void mfv_scalar4(const mfv_t **p, mfv_s *s) {
    const uint32x4_t u = vldrhq_u32((const uint16_t *)*p);
    *p += 4;
    uint32_t w[4] = {vgetq_lane_u32(u, 0), vgetq_lane_u32(u, 1), vgetq_lane_u32(u, 2), vgetq_lane_u32(u, 3)};
    for (int k = 0; k < 4; k++) {
        __asm__ volatile("" : "+r"(w[k])); /* in a core register, now: the vector not kept */
        const uint16_t h = (uint16_t)w[k];
        __builtin_memcpy(&s[k], &h, sizeof h);
    }
}
MFV_INLINE mfv_v mfv_add(mfv_v a, mfv_v b) { return vaddq_f16(a, b); }
MFV_INLINE mfv_v mfv_mac_s(mfv_v acc, mfv_v v, mfv_s s) { return vaddq_f16(acc, vmulq_n_f16(v, s)); }
MFV_INLINE mfv_v mfv_mac(mfv_v acc, mfv_v a, mfv_v b) { return vaddq_f16(acc, vmulq_f16(a, b)); }

/* Gathers of 8 halfwords: 16-bit element offsets from a base that moves one element a call
 * (VLDRH.U16 gather, shifted offsets). The offsets of the last lane must fit 16 bits:
 * MFV_GATHER_MAX_STRIDE. */
#define MFV_GATHER_MAX_STRIDE (65535 / (MFV_LANES - 1))
typedef uint16x8_t mfv_lane_off; /* element offsets of the lanes' rows */
typedef struct {
    const mfv_t *p;
    uint16x8_t off;
} mfv_gather;
MFV_INLINE mfv_lane_off mfv_lane_offsets(int stride, int n) {
    const uint16x8_t lane = vminq_u16(vidupq_n_u16(0, 1), vdupq_n_u16((uint16_t)(n - 1)));
    return vmulq_n_u16(lane, (uint16_t)stride);
}
MFV_INLINE mfv_gather mfv_gather_at(mfv_lane_off off, const mfv_t *p) {
    const mfv_gather g = {p, off};
    return g;
}
MFV_INLINE mfv_v mfv_gather_next(mfv_gather *g) {
    const mfv_v v = vldrhq_gather_shifted_offset_f16((const float16_t *)g->p, g->off);
    g->p++;
    return v;
}

/* Loads at byte offsets (16 bits: the last lane's below MFV_BOFF_MAX + 14) */
typedef uint16x8_t mfv_boff;
#define MFV_BOFF_MAX (65535 - 14)
MFV_INLINE mfv_boff mfv_lane_bytes(void) { return vidupq_n_u16(0, 2); }
MFV_INLINE mfv_boff mfv_boff_add(mfv_boff o, int bytes) { return vaddq_n_u16(o, (uint16_t)bytes); }
MFV_INLINE mfv_v mfv_ld_off(const mfv_t *base, mfv_boff o, mve_pred16_t m, int tail) {
    return tail ? vldrhq_gather_offset_z_f16((const float16_t *)base, o, m)
                : vldrhq_gather_offset_f16((const float16_t *)base, o);
}

#elif MFV_MODE == MFV_ACC32
#define S f16_acc32
typedef mf_odl_f16 mfv_t;
typedef float mfv_s;
typedef struct {
    float32x4_t e, o; /* channels 0, 2, 4, 6 and 1, 3, 5, 7 of the group, in fp32 */
} mfv_v;
#define MFV_LANES 8

MFV_INLINE mfv_v mfv_widen(float16x8_t h) {
    const mfv_v v = {vcvtbq_f32_f16(h), vcvttq_f32_f16(h)};
    return v;
}
MFV_INLINE float16x8_t mfv_narrow(mfv_v v) {
    return vcvttq_f16_f32(vcvtbq_f16_f32(vuninitializedq_f16(), v.e), v.o);
}
MFV_INLINE mve_pred16_t mfv_pred(int n) { return vctp16q((uint32_t)n); }
MFV_INLINE mfv_v mfv_zero(void) {
    const mfv_v v = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    return v;
}
MFV_INLINE mfv_v mfv_ld(const mfv_t *p) { return mfv_widen(vld1q_f16((const float16_t *)p)); }
MFV_INLINE mfv_v mfv_ld_z(const mfv_t *p, mve_pred16_t m) { return mfv_widen(vldrhq_z_f16((const float16_t *)p, m)); }
MFV_INLINE void mfv_st(mfv_t *p, mfv_v v) { vst1q_f16((float16_t *)p, mfv_narrow(v)); }
MFV_INLINE void mfv_st_p(mfv_t *p, mfv_v v, mve_pred16_t m) { vstrhq_p_f16((float16_t *)p, mfv_narrow(v), m); }
MFV_INLINE mfv_s mfv_scalar(const mfv_t *p) { return (float)*p; }
MFV_INLINE void mfv_scalar2(const mfv_t **p, mfv_s *a, mfv_s *b) {
    *a = (float)(*p)[0], *b = (float)(*p)[1];
    *p += 2;
}
/* s[k] = (float)(*p)[k] for k < 4, *p += 4: one VLDRH.U32 (4 halfwords into 32-bit lanes), one
 * VCVTB.F32.F16 and the lanes moved out in pairs (scalar, each would be a VLDR.16, a VCVTB and a
 * VMOV) */
MFV_INLINE void mfv_scalar4(const mfv_t **p, mfv_s *s) {
    const float32x4_t f = vcvtbq_f32_f16(vreinterpretq_f16_u32(vldrhq_u32((const uint16_t *)*p)));
    *p += 4;
    s[0] = vgetq_lane_f32(f, 0), s[1] = vgetq_lane_f32(f, 1), s[2] = vgetq_lane_f32(f, 2), s[3] = vgetq_lane_f32(f, 3);
}
MFV_INLINE mfv_v mfv_add(mfv_v a, mfv_v b) {
    const mfv_v v = {vaddq_f32(a.e, b.e), vaddq_f32(a.o, b.o)};
    return v;
}
/* acc + v * s: VFMA, exact as VMUL then VADD, for the product of two fp16 is exact in fp32 */
MFV_INLINE mfv_v mfv_mac_s(mfv_v acc, mfv_v v, mfv_s s) {
    const mfv_v r = {vfmaq_n_f32(acc.e, v.e, s), vfmaq_n_f32(acc.o, v.o, s)};
    return r;
}
MFV_INLINE mfv_v mfv_mac(mfv_v acc, mfv_v a, mfv_v b) {
    const mfv_v r = {vfmaq_f32(acc.e, a.e, b.e), vfmaq_f32(acc.o, a.o, b.o)};
    return r;
}

#define MFV_GATHER_MAX_STRIDE (65535 / (MFV_LANES - 1))
typedef uint16x8_t mfv_lane_off;
typedef struct {
    const mfv_t *p;
    uint16x8_t off;
} mfv_gather;
MFV_INLINE mfv_lane_off mfv_lane_offsets(int stride, int n) {
    const uint16x8_t lane = vminq_u16(vidupq_n_u16(0, 1), vdupq_n_u16((uint16_t)(n - 1)));
    return vmulq_n_u16(lane, (uint16_t)stride);
}
MFV_INLINE mfv_gather mfv_gather_at(mfv_lane_off off, const mfv_t *p) {
    const mfv_gather g = {p, off};
    return g;
}
MFV_INLINE mfv_v mfv_gather_next(mfv_gather *g) {
    const float16x8_t h = vldrhq_gather_shifted_offset_f16((const float16_t *)g->p, g->off);
    g->p++;
    return mfv_widen(h);
}

typedef uint16x8_t mfv_boff;
#define MFV_BOFF_MAX (65535 - 14)
MFV_INLINE mfv_boff mfv_lane_bytes(void) { return vidupq_n_u16(0, 2); }
MFV_INLINE mfv_boff mfv_boff_add(mfv_boff o, int bytes) { return vaddq_n_u16(o, (uint16_t)bytes); }
MFV_INLINE mfv_v mfv_ld_off(const mfv_t *base, mfv_boff o, mve_pred16_t m, int tail) {
    return mfv_widen(tail ? vldrhq_gather_offset_z_f16((const float16_t *)base, o, m)
                          : vldrhq_gather_offset_f16((const float16_t *)base, o));
}

#else
#error "define MFV_MODE (MFV_F32, MFV_F16 or MFV_ACC32) before including mf_odl_mve.h"
#endif

#ifndef MFV_GATHER_MAX_STRIDE
#define MFV_GATHER_MAX_STRIDE 0x7fffffff /* 32-bit addresses: any stride */
#endif

/* A load of a group: predicated (lanes past n read as zero, nothing read there) when `tail`, a
 * constant after inlining. */
MFV_INLINE mfv_v mfv_load(const mfv_t *p, mve_pred16_t m, int tail) { return tail ? mfv_ld_z(p, m) : mfv_ld(p); }
MFV_INLINE void mfv_store(mfv_t *p, mfv_v v, mve_pred16_t m, int tail) {
    if (tail)
        mfv_st_p(p, v, m);
    else
        mfv_st(p, v);
}

/* Window index arithmetic: mf_odl_window.h (shared with ref/); the variants' names for it. */
typedef mf_odl_range mfv_range;
#define mfv_inside mf_odl_inside
#define mfv_outputs_of_tap mf_odl_outputs_of_tap
#define mfv_taps_reading mf_odl_taps_reading

/* Output o's taps inside the input, [k.lo, k.hi); tap k reads i0 + k. */
typedef struct {
    int i0;
    mfv_range k;
} mfv_window;
MFV_INLINE mfv_window mfv_window_at(int o, int stride, int pad, int taps, int size) {
    const mf_odl_window w = mf_odl_window_at(o, stride, pad, taps, size);
    const mfv_window v = {w.i0, {w.k0, w.k1}};
    return v;
}

MFV_INLINE int mfv_same_range(mfv_range a, mfv_range b) {
    return a.lo == b.lo && a.hi == b.hi;
}

/* Pixel groups. The forward passes go through the output pixels, bw_input_grads through the
 * input pixels, a class at a time: the pixels whose windows have the same taps inside the input
 * (forward: rows whose window has the same taps [ky0, ky1), times columns likewise; backward:
 * the same taps reading them, so rows and columns `stride` apart). A class is a rectangle of
 * pixels; its pixels in row-major order go MFV_PIX at a time (the last group of a class
 * repeats its last pixel in the spare places, computed and not stored), so each tap's weights
 * are loaded once for a whole group, edges included. */

/* How many indices o, o + 1, ... (< out) have the same window taps as o. */
MFV_INLINE int mfv_fw_run(int o, int out, int stride, int pad, int taps, int size) {
    const mfv_range k = mfv_window_at(o, stride, pad, taps, size).k;
    int n = 1;
    while (o + n < out && mfv_same_range(mfv_window_at(o + n, stride, pad, taps, size).k, k)) n++;
    return n;
}

/* How many indices i, i + stride, ... (< in) are read through the same taps as i. */
MFV_INLINE int mfv_bw_run(int i, int in, int stride, int pad, int taps, int out) {
    const mfv_range k = mfv_taps_reading(i, stride, pad, taps, out);
    int n = 1;
    while (i + n * stride < in && mfv_same_range(mfv_taps_reading(i + n * stride, stride, pad, taps, out), k)) n++;
    return n;
}

/* Pixel j of the group starting at index r of a ny x nx class whose first pixel is (y0, x0),
 * pixels dy rows and dx columns apart: its coordinates (*y, *x); past the class's last pixel,
 * the last one. */
MFV_INLINE void mfv_group_pixel(int r, int j, int count, int y0, int x0, int nx, int dy, int dx, int *y, int *x) {
    const int rr = r + j < count ? r + j : count - 1;
    *y = y0 + rr / nx * dy;
    *x = x0 + rr % nx * dx;
}

/* A 1x1 convolution with stride 1 and no padding reads its input pixel for pixel: its rows are
 * one row of in_h * in_w pixels, so runs of pixels cross the row ends. */
MFV_INLINE mf_odl_conv_t mfv_flat(const mf_odl_conv_t *p) {
    mf_odl_conv_t q = *p;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0
        && p->out_h == p->in_h && p->out_w == p->in_w && p->in_h * p->in_w <= 32767) {
        q.in_w = q.out_w = (int16_t)(p->in_h * p->in_w);
        q.in_h = q.out_h = 1;
    }
    return q;
}

#endif
