/* Window index arithmetic of conv2d, depthwise and pooling, shared by ref/ and every ISA variant
 * (plain C, no ISA code; the compiler copies it next to mf_odl.h into the build folder). */
#ifndef MF_ODL_WINDOW_H
#define MF_ODL_WINDOW_H

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
