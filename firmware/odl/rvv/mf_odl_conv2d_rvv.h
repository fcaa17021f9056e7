/* RVV conv2d (groups 1, pointwise included), forward and backward, for every mode of
 * mf_odl_rvv.h: the body of mf_odl_conv2d_{f32,f16,f16_acc32}.c, bit for bit what
 * ref/mf_odl_conv2d_ref.h specifies (the same sums, each in the same order).
 *
 * fw: lanes over output channels. Each lane's filter is strided (OHWI: k_h * k_w * in_c
 * elements from one output channel to the next): one strided load (VLSE) reads one element of
 * every lane's filter. For a filter row ky, the taps inside the input [kx0, kx1) are one
 * contiguous run of (kx1 - kx0) * in_c elements of the input and of the filter, in ref's
 * (kx, ic) order; a group of MFR_PIX output pixels with the same taps shares each loaded
 * vector, each pixel multiplying it by its own input element (VFMUL.VF) and adding (VFADD).
 * bw_input_grads: lanes over input channels: w[oc][ky][kx][ic..] is contiguous; per tap and
 * output channel, one weight load serves a group of MFR_PIX input pixels read through the same
 * taps, each multiplying it by its grad_out element.
 * bw_param_grads: lanes over input channels; MFR_OCS output channels share each input load,
 * each multiplying it by its grad_out element; the sums run over the output positions of the
 * tap, oy then ox, starting from grad_w's value. grad_b: lanes over output channels. */
#include "mf_odl_rvv.h"

#define MFR_PIX 8 /* pixels sharing a weight vector: a0..a7 */
#define MFR_OCS 8 /* bw_param_grads: output channels sharing an input load: a0..a7 */

#define MFR_ACC_PARAMS mfr_a *A0, mfr_a *A1, mfr_a *A2, mfr_a *A3, mfr_a *A4, mfr_a *A5, mfr_a *A6, mfr_a *A7
#define MFR_ACC_ARGS &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7
#define MFR_GET(j) mfr_a a##j = *A##j;
#define MFR_PUT(j) *A##j = a##j;

/* ---- fw ---- */

/* a_j += x[j][d + i] * (w[i], strided) for i in [0, n), j < np. */
MFR_INLINE void mfr_fw_dots(MFR_ACC_PARAMS, int np, const mfr_t *const *x, int d, const mfr_t *w, ptrdiff_t stride,
                            int n, size_t vl) {
    MFR_EACH(MFR_GET)
#define MFR_PTR(j) \
    const mfr_t *x##j = x[j] + d; \
    MFR_OPAQUE(x##j);
    MFR_EACH(MFR_PTR)
#undef MFR_PTR
    int i = 0;
    for (; i + 4 <= n; i += 4, w += 4) { /* four elements an iteration: loads at offsets 0..3 */
        const mfr_v w0 = mfr_lds(w, stride, vl), w1 = mfr_lds(w + 1, stride, vl);
        const mfr_v w2 = mfr_lds(w + 2, stride, vl), w3 = mfr_lds(w + 3, stride, vl);
#define MFR_STEP(j)                                                                                         \
    if (np > j) {                                                                                           \
        a##j = mfr_mac_s(mfr_mac_s(a##j, w0, mfr_scalar(x##j), vl), w1, mfr_scalar(x##j + 1), vl);          \
        a##j = mfr_mac_s(mfr_mac_s(a##j, w2, mfr_scalar(x##j + 2), vl), w3, mfr_scalar(x##j + 3), vl);      \
        x##j += 4;                                                                                          \
    }
        MFR_EACH(MFR_STEP)
#undef MFR_STEP
    }
    for (; i < n; i++, w++) {
        const mfr_v wv = mfr_lds(w, stride, vl);
#define MFR_STEP(j)                                        \
    if (np > j) {                                          \
        a##j = mfr_mac_s(a##j, wv, mfr_scalar(x##j), vl);  \
        x##j++;                                            \
    }
        MFR_EACH(MFR_STEP)
#undef MFR_STEP
    }
    MFR_EACH(MFR_PUT)
}

/* A group of output pixels with the taps ky x kx: x[j] is pixel j's input under tap
 * (ky.lo, kx.lo), o[j] its output; ns of the np are stored. Every output channel. */
MFR_INLINE void mfr_fw_group(const mf_odl_conv_t *p, const mfr_t *const *x, mfr_t *const *o, int np, int ns,
                             const mfr_t *w, const mfr_t *b, mfr_range ky, mfr_range kx) {
    const int ic_n = p->in_c, oc_n = p->out_c, filter = p->k_h * p->k_w * ic_n;
    const int run = (kx.hi - kx.lo) * ic_n, row = p->in_w * ic_n; /* a filter row's taps inside: one run */
    for (int oc = 0, vl; oc < oc_n; oc += vl) {
        vl = (int)mfr_vsetvl(oc_n - oc);
        MFR_DECL_ACC(b ? mfr_acc_ld(b + oc, vl) : mfr_zero(vl));
        if (run > 0)
            for (int k = ky.lo; k < ky.hi; k++)
                mfr_fw_dots(MFR_ACC_ARGS, np, x, (k - ky.lo) * row, w + oc * filter + (k * p->k_w + kx.lo) * ic_n,
                            filter * (ptrdiff_t)sizeof(mfr_t), run, vl);
#define MFR_STORE(j) \
    if (ns > j) mfr_acc_st(o[j] + oc, a##j, vl);
        MFR_EACH(MFR_STORE)
#undef MFR_STORE
    }
}

void MFR_FN(mf_odl_conv2d_fw_)(const mf_odl_conv_t *p0, const mfr_t *in, const mfr_t *w, const mfr_t *b, mfr_t *out) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int ic_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
    for (int oy = 0, ny; oy < p->out_h; oy += ny) {
        ny = mfr_fw_run(oy, p->out_h, sh, p->pad_top, p->k_h, p->in_h);
        const mfr_range ky = mfr_window_taps(oy, sh, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0, nx; ox < p->out_w; ox += nx) {
            nx = mfr_fw_run(ox, p->out_w, sw, p->pad_left, p->k_w, p->in_w);
            const mfr_range kx = mfr_window_taps(ox, sw, p->pad_left, p->k_w, p->in_w);
            for (int r = 0, count = ny * nx; r < count; r += MFR_PIX) {
                const mfr_t *x[MFR_PIX];
                mfr_t *o[MFR_PIX];
                for (int j = 0; j < MFR_PIX; j++) {
                    int y, xx;
                    mfr_group_pixel(r, j, count, oy, ox, nx, 1, 1, &y, &xx);
                    x[j] = in + ((y * sh - p->pad_top + ky.lo) * p->in_w + xx * sw - p->pad_left + kx.lo) * ic_n;
                    o[j] = out + (y * p->out_w + xx) * p->out_c;
                }
                if (count - r == 1)
                    mfr_fw_group(p, x, o, 1, 1, w, b, ky, kx);
                else
                    mfr_fw_group(p, x, o, MFR_PIX, count - r < MFR_PIX ? count - r : MFR_PIX, w, b, ky, kx);
            }
        }
    }
}

/* ---- bw_param_grads ---- */

/* grad_w[oc + c][ky][kx][ic..] for c < nc: from its value, += grad_out[oy][ox][oc + c] * x over
 * the tap's output positions (rows x cols), oy then ox. */
MFR_INLINE void mfr_bwp_block(const mf_odl_conv_t *p, const mfr_t *in, const mfr_t *grad_out, mfr_t *gw, int filter,
                              int nc, int oc, int ky, int kx, mfr_range rows, mfr_range cols, int ic, size_t vl) {
    const int ic_n = p->in_c, oc_n = p->out_c, xs = p->stride_w * ic_n;
    MFR_DECL_ACC(mfr_acc_ld(gw, vl));
#define MFR_LOAD(j) \
    if (j > 0 && nc > j) a##j = mfr_acc_ld(gw + j * filter, vl);
    MFR_EACH(MFR_LOAD)
#undef MFR_LOAD
    for (int oy = rows.lo; oy < rows.hi; oy++) {
        const int iy = oy * p->stride_h - p->pad_top + ky;
        const mfr_t *x = in + (iy * p->in_w + cols.lo * p->stride_w - p->pad_left + kx) * ic_n + ic;
        const mfr_t *g = grad_out + (oy * p->out_w + cols.lo) * oc_n + oc;
        for (int ox = cols.lo; ox < cols.hi; ox++, x += xs, g += oc_n) {
            const mfr_v xv = mfr_ld(x, vl);
#define MFR_STEP(j) \
    if (nc > j) a##j = mfr_mac_s(a##j, xv, mfr_scalar(g + j), vl);
            MFR_EACH(MFR_STEP)
#undef MFR_STEP
        }
    }
#define MFR_STORE(j) \
    if (nc > j) mfr_acc_st(gw + j * filter, a##j, vl);
    MFR_EACH(MFR_STORE)
#undef MFR_STORE
}

MFR_INLINE void mfr_bwp_channels(const mf_odl_conv_t *p, const mfr_t *in, const mfr_t *grad_out, mfr_t *grad_w, int nc,
                                 int oc) {
    const int ic_n = p->in_c, filter = p->k_h * p->k_w * ic_n;
    for (int ky = 0; ky < p->k_h; ky++) {
        const mfr_range rows = mfr_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
        for (int kx = 0; kx < p->k_w; kx++) {
            const mfr_range cols = mfr_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
            mfr_t *gw = grad_w + oc * filter + (ky * p->k_w + kx) * ic_n;
            for (int ic = 0, vl; ic < ic_n; ic += vl) {
                vl = (int)mfr_vsetvl(ic_n - ic);
                mfr_bwp_block(p, in, grad_out, gw + ic, filter, nc, oc, ky, kx, rows, cols, ic, vl);
            }
        }
    }
}

void MFR_FN(mf_odl_conv2d_bw_param_grads_)(const mf_odl_conv_t *p0, const mfr_t *in, const mfr_t *grad_out,
                                           mfr_t *grad_w, mfr_t *grad_b) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int oc_n = p->out_c;
    int oc = 0;
    for (; oc + MFR_OCS <= oc_n; oc += MFR_OCS) mfr_bwp_channels(p, in, grad_out, grad_w, MFR_OCS, oc);
    for (; oc < oc_n; oc++) mfr_bwp_channels(p, in, grad_out, grad_w, 1, oc);
    if (!grad_b) return;
    const int positions = p->out_h * p->out_w;
    for (int c = 0, vl; c < oc_n; c += vl) {
        vl = (int)mfr_vsetvl(oc_n - c);
        mfr_a acc = mfr_acc_ld(grad_b + c, vl);
        const mfr_t *g = grad_out + c;
        for (int o = 0; o < positions; o++, g += oc_n) acc = mfr_add(acc, mfr_ld(g, vl), vl);
        mfr_acc_st(grad_b + c, acc, vl);
    }
}

/* ---- bw_input_grads ---- */

/* a_j += g[j][d + oc] * w[oc * filter] for oc in [0, oc_n), j < np. */
MFR_INLINE void mfr_bwi_dots(MFR_ACC_PARAMS, int np, const mfr_t *const *g, int d, const mfr_t *wk, int filter,
                             int oc_n, size_t vl) {
    MFR_EACH(MFR_GET)
#define MFR_PTR(j) \
    const mfr_t *g##j = g[j] + d; \
    MFR_OPAQUE(g##j);
    MFR_EACH(MFR_PTR)
#undef MFR_PTR
    int oc = 0;
    for (; oc + 4 <= oc_n; oc += 4, wk += 4 * filter) { /* four channels an iteration: loads at offsets 0..3 */
        const mfr_v w0 = mfr_ld(wk, vl), w1 = mfr_ld(wk + filter, vl);
        const mfr_v w2 = mfr_ld(wk + 2 * filter, vl), w3 = mfr_ld(wk + 3 * filter, vl);
#define MFR_STEP(j)                                                                                         \
    if (np > j) {                                                                                           \
        a##j = mfr_mac_s(mfr_mac_s(a##j, w0, mfr_scalar(g##j), vl), w1, mfr_scalar(g##j + 1), vl);          \
        a##j = mfr_mac_s(mfr_mac_s(a##j, w2, mfr_scalar(g##j + 2), vl), w3, mfr_scalar(g##j + 3), vl);      \
        g##j += 4;                                                                                          \
    }
        MFR_EACH(MFR_STEP)
#undef MFR_STEP
    }
    for (; oc < oc_n; oc++, wk += filter) {
        const mfr_v wv = mfr_ld(wk, vl);
#define MFR_STEP(j)                                        \
    if (np > j) {                                          \
        a##j = mfr_mac_s(a##j, wv, mfr_scalar(g##j), vl);  \
        g##j++;                                            \
    }
        MFR_EACH(MFR_STEP)
#undef MFR_STEP
    }
    MFR_EACH(MFR_PUT)
}

/* Input channels [ic, ic + vl) of a group of input pixels read through the taps ky x kx: g[j]
 * is pixel j's grad_out under tap (ky.lo, kx.lo), gi[j] its gradient; ns of the np are
 * stored. */
MFR_INLINE void mfr_bwi_group(const mf_odl_conv_t *p, const mfr_t *const *g, mfr_t *const *gi, int np, int ns,
                              const mfr_t *w, mfr_range ky, mfr_range kx) {
    const int ic_n = p->in_c, oc_n = p->out_c, filter = p->k_h * p->k_w * ic_n;
    for (int ic = 0, vl; ic < ic_n; ic += vl) {
        vl = (int)mfr_vsetvl(ic_n - ic);
        MFR_DECL_ACC(mfr_zero(vl));
        for (int a = 0, k = ky.lo; k < ky.hi; a++, k += p->stride_h)     /* output row oy - a */
            for (int c = 0, l = kx.lo; l < kx.hi; c++, l += p->stride_w) /* output column ox - c */
                mfr_bwi_dots(MFR_ACC_ARGS, np, g, -(a * p->out_w + c) * oc_n, w + (k * p->k_w + l) * ic_n + ic, filter,
                             oc_n, vl);
#define MFR_STORE(j) \
    if (ns > j) mfr_acc_st(gi[j] + ic, a##j, vl);
        MFR_EACH(MFR_STORE)
#undef MFR_STORE
    }
}

void MFR_FN(mf_odl_conv2d_bw_input_grads_)(const mf_odl_conv_t *p0, const mfr_t *grad_out, const mfr_t *w,
                                           mfr_t *grad_in) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int sh = p->stride_h, sw = p->stride_w;
    for (int ry = 0; ry < sh; ry++) {
        for (int iy = ry, ny; iy < p->in_h; iy += ny * sh) {
            ny = mfr_bw_run(iy, p->in_h, sh, p->pad_top, p->k_h, p->out_h);
            const mfr_range ky = mfr_taps_reading(iy, sh, p->pad_top, p->k_h, p->out_h);
            for (int rx = 0; rx < sw; rx++) {
                for (int ix = rx, nx; ix < p->in_w; ix += nx * sw) {
                    nx = mfr_bw_run(ix, p->in_w, sw, p->pad_left, p->k_w, p->out_w);
                    const mfr_range kx = mfr_taps_reading(ix, sw, p->pad_left, p->k_w, p->out_w);
                    for (int r = 0, count = ny * nx; r < count; r += MFR_PIX) {
                        const mfr_t *g[MFR_PIX];
                        mfr_t *gi[MFR_PIX];
                        for (int j = 0; j < MFR_PIX; j++) {
                            int y, x;
                            mfr_group_pixel(r, j, count, iy, ix, nx, sh, sw, &y, &x);
                            /* the output under the first tap (when there is one) */
                            const int oy = (y + p->pad_top - ky.lo) / sh, ox = (x + p->pad_left - kx.lo) / sw;
                            g[j] = grad_out + (oy * p->out_w + ox) * p->out_c;
                            gi[j] = grad_in + (y * p->in_w + x) * p->in_c;
                        }
                        if (count - r == 1)
                            mfr_bwi_group(p, g, gi, 1, 1, w, ky, kx);
                        else
                            mfr_bwi_group(p, g, gi, MFR_PIX, count - r < MFR_PIX ? count - r : MFR_PIX, w, ky, kx);
                    }
                }
            }
        }
    }
}
