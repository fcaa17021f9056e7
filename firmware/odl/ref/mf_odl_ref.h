/* Common to the portable reference (ref/) on-device-learning templates.
 *
 * Each mf_odl_<op>_<suffix>.c defines
 *     T    the storage type (float or mf_odl_f16)
 *     ACC  the type products and sums are computed in (conv2d, depthwise, linear only):
 *          float for _f32 and _f16_acc32, mf_odl_f16 for _f16
 *     S    the suffix (f32, f16, f16_acc32)
 * and includes its op's template, which writes every loop nest once.
 *
 * Rounding, the same on every target (the host's clang, Cortex-M, RISC-V):
 *  - Every product and every sum is its own statement assigned to a variable of type ACC or T,
 *    and floating-point contraction is off below: no multiply-add is fused into one rounding
 *    (clang contracts `acc += a * b` within one expression by default: into VFMA.F32 on
 *    Cortex-M55 and fmadd.s on RISC-V, but not on the host's x86-64 baseline, so the fp32
 *    results would differ between the host and the MCU targets). An ISA variant therefore
 *    multiplies and adds separately (VMUL + VADD, vfmul + vfadd), never VFMA / vfmacc.
 *  - For _Float16, clang computes in float where the core has no fp16 arithmetic (the host,
 *    Cortex-M4/M7) and keeps that excess precision within an expression; an assignment or cast
 *    rounds it to fp16. With one operation per statement every product and sum is rounded to
 *    fp16 on its own, and a single fp16 add, multiply or divide computed in float and then
 *    rounded is the correctly rounded fp16 result (float has more than 2 * 11 + 2 bits): the
 *    same bits as the cores that have fp16 arithmetic (Cortex-M55, Zfh). */
#ifndef MF_ODL_REF_H
#define MF_ODL_REF_H

#include "mf_odl.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MF_ODL_CAT_(a, b) a##b
#define MF_ODL_CAT(a, b) MF_ODL_CAT_(a, b)
/* MF_ODL_FN(mf_odl_conv2d_fw_) -> mf_odl_conv2d_fw_f32 (the suffix S) */
#define MF_ODL_FN(prefix) MF_ODL_CAT(prefix, S)

/* Window index arithmetic of conv2d, depthwise and pooling, one axis at a time (rows: o = oy,
 * i = iy, k = ky with stride_h, pad_top, k_h; columns: ox, ix, kx with stride_w, pad_left, k_w).
 * Output o's window reads input i = o * stride - pad + k through its taps k in [0, taps); a tap
 * whose i lies outside [0, size) is in the zero padding and is skipped, not added as a zero.
 * The helpers give the bounds of the loops that visit exactly the taps (or outputs) inside, in
 * the same ascending order as testing every index in turn would: no sum changes order. */

typedef struct {
    int lo, hi; /* [lo, hi); empty when hi <= lo */
} mf_odl_range;

/* The j in [0, n) with base + j * step inside [0, size), step > 0 (as mf_tap_range in
 * firmware/kernels/mf_kernels_float.h). */
static inline mf_odl_range mf_odl_inside(int base, int step, int n, int size) {
    const int last = size - 1 - base; /* the largest j * step inside */
    mf_odl_range r;
    r.lo = base < 0 ? (-base + step - 1) / step : 0;
    r.hi = last < 0 ? 0 : (last / step + 1 < n ? last / step + 1 : n);
    return r;
}

typedef struct {
    int i0;     /* the input index under tap 0: o * stride - pad (in the padding when < 0) */
    int k0, k1; /* the taps inside the input, [k0, k1); tap k reads i0 + k */
} mf_odl_window;

/* Output o's window (the sums over taps of the forward passes). */
static inline mf_odl_window mf_odl_window_at(int o, int stride, int pad, int taps, int size) {
    const int i0 = o * stride - pad;
    const mf_odl_range k = mf_odl_inside(i0, 1, taps, size);
    const mf_odl_window w = {i0, k.lo, k.hi};
    return w;
}

/* The outputs whose tap k lies inside the input (the sums over outputs of bw_param_grads);
 * output o's tap k reads o * stride - pad + k. */
static inline mf_odl_range mf_odl_outputs_of_tap(int k, int stride, int pad, int out, int size) {
    return mf_odl_inside(k - pad, stride, out, size);
}

/* The taps through which some output reads input index i (the sums of bw_input_grads): the k
 * in [0, taps) with i + pad - k = o * stride for an output o in [0, out). They are lo,
 * lo + stride, lo + 2 * stride, ... below hi: ascending k, descending o; tap k's output is
 * o = (i + pad - k) / stride. */
static inline mf_odl_range mf_odl_taps_reading(int i, int stride, int pad, int taps, int out) {
    const int t = i + pad; /* o * stride + k */
    mf_odl_range r = {0, 0};
    if (t < 0) return r;
    const int o_max = t / stride < out - 1 ? t / stride : out - 1; /* the output of the first tap */
    r.lo = t - o_max * stride;
    r.hi = t + 1 < taps ? t + 1 : taps; /* k <= t: o >= 0 */
    return r;
}

#endif
