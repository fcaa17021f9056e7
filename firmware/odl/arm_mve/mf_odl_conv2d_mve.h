/* Helium conv2d (groups 1, pointwise included), forward and backward, for every mode of
 * mf_odl_mve.h: the body of mf_odl_conv2d_{f32,f16,f16_acc32}.c, bit for bit what
 * ref/mf_odl_conv2d_ref.h specifies (the same sums, each in the same order).
 *
 * fw: lanes over output channels. Each lane's filter is strided (OHWI: k_h * k_w * in_c
 * elements from one output channel to the next), so a gather reads one element of every lane's
 * filter (fp32: VLDRW gather with writeback; fp16: VLDRH gather with 16-bit offsets, ref's loop
 * for longer filters). For a filter row ky, the taps inside the input [kx0, kx1) are one
 * contiguous run of (kx1 - kx0) * in_c elements of the input and of the filter, in ref's
 * (kx, ic) order; a group of MFV_PIX output pixels with the same taps (mf_odl_mve.h) shares each
 * gathered vector, each pixel multiplying it by its own input element (VMUL by a scalar: LDRD
 * loads two fp32 scalars, VLDRH.U32 + VCVTB widens four fp16 ones) and adding (VADD). fp16: two
 * elements an iteration, the second gathered through offsets one element further (one ADD moves
 * the gathers' base for both).
 * bw_input_grads: lanes over input channels: w[oc][ky][kx][ic..] is contiguous; per tap and
 * output channel, one weight load serves a group of MFV_PIX input pixels read through the same
 * taps, each multiplying it by its grad_out element. fp16: 16 input channels (two weight loads) for
 * each pair of the group's pixels, four of a pixel's grad_out scalars from one VLDRH.U32
 * (mfv_scalar4), each scalar multiplying both weight vectors.
 * bw_param_grads: lanes over input channels; 4 output channels at a time share each input load,
 * each multiplying it by its grad_out element; the sums run over the output positions of the
 * tap, oy then ox, starting from grad_w's value. grad_b: lanes over output channels. */
#include "mf_odl_mve.h"

#define MFV_PIX (MFV_MODE == MFV_ACC32 ? 2 : 4) /* output pixels sharing a weight vector */
#define MFV_OCS 4                               /* bw_param_grads: output channels per input load */

#if MFV_MODE == MFV_F16
typedef mf_odl_f16 mfv_acc_t; /* the scalar fallback's sums */
#else
typedef float mfv_acc_t;
#endif

/* ---- fw ---- */

/* acc[j] += x[j][d + i] * (the gathered w[i]) for i in [0, n), j < np. */
MFV_INLINE void mfv_fw_dots(mfv_v *acc, int np, const mfv_t *const *x, int d, mfv_gather g, int n) {
    const mfv_t *xp[MFV_PIX];
    for (int j = 0; j < np; j++) {
        xp[j] = x[j] + d;
        MFV_OPAQUE(xp[j]); /* one post-incremented pointer per pixel, not an index into each */
    }
#if MFV_MODE == MFV_F32
    for (int i = n >> 1; i > 0; i--) { /* two elements an iteration: one LDRD per pixel */
        const mfv_v w0 = mfv_gather_next(&g), w1 = mfv_gather_next(&g);
        for (int j = 0; j < np; j++) {
            mfv_s s0, s1;
            mfv_scalar2(&xp[j], &s0, &s1);
            acc[j] = mfv_mac_s(mfv_mac_s(acc[j], w0, s0), w1, s1);
        }
    }
    if (!(n & 1)) return;
    n = 1;
#elif MFV_MODE == MFV_F16
    /* two elements an iteration, the second gathered through offsets one element further: one
     * ADD moves the base for both */
    const uint16x8_t off1 = vaddq_n_u16(g.off, 1);
    for (int i = n >> 1; i > 0; i--) {
        const mfv_v w0 = vldrhq_gather_shifted_offset_f16((const float16_t *)g.p, g.off);
        for (int j = 0; j < np; j++) acc[j] = mfv_mac_s(acc[j], w0, mfv_scalar(xp[j]));
        const mfv_v w1 = vldrhq_gather_shifted_offset_f16((const float16_t *)g.p, off1);
        g.p += 2;
        for (int j = 0; j < np; j++) {
            acc[j] = mfv_mac_s(acc[j], w1, mfv_scalar(xp[j] + 1));
            xp[j] += 2;
        }
    }
    if (!(n & 1)) return;
    n = 1;
#elif MFV_MODE == MFV_ACC32
    for (int i = n >> 2; i > 0; i--) { /* four elements an iteration: each pixel's widened at once */
        mfv_s s[MFV_PIX][4];
        for (int j = 0; j < np; j++) mfv_scalar4(&xp[j], s[j]);
        for (int k = 0; k < 4; k++) {
            const mfv_v wv = mfv_gather_next(&g);
            for (int j = 0; j < np; j++) acc[j] = mfv_mac_s(acc[j], wv, s[j][k]);
        }
    }
    n &= 3;
#endif
    for (int i = 0; i < n; i++) {
        const mfv_v wv = mfv_gather_next(&g);
        for (int j = 0; j < np; j++) acc[j] = mfv_mac_s(acc[j], wv, mfv_scalar(xp[j]++));
    }
}

/* A group of output pixels with the taps ky x kx: x[j] is pixel j's input under tap
 * (ky.lo, kx.lo), o[j] its output; ns of the np are stored. Every output channel. */
MFV_INLINE void mfv_fw_group(const mf_odl_conv_t *p, const mfv_t *const *x, mfv_t *const *o, int np, int ns,
                             const mfv_t *w, const mfv_t *b, mfv_range ky, mfv_range kx) {
    const int ic_n = p->in_c, oc_n = p->out_c, filter = p->k_h * p->k_w * ic_n;
    const int run = (kx.hi - kx.lo) * ic_n, row = p->in_w * ic_n; /* a filter row's taps inside: one run */
    for (int oc = 0; oc < oc_n; oc += MFV_LANES) {
        const int n = oc_n - oc < MFV_LANES ? oc_n - oc : MFV_LANES;
        const mve_pred16_t m = mfv_pred(n);
        const mfv_lane_off off = mfv_lane_offsets(filter, n);
        mfv_v acc[MFV_PIX];
        acc[0] = b ? mfv_ld_z(b + oc, m) : mfv_zero();
        for (int j = 1; j < np; j++) acc[j] = acc[0];
        if (run > 0) {
            for (int k = ky.lo; k < ky.hi; k++) {
                const mfv_gather g = mfv_gather_at(off, w + oc * filter + (k * p->k_w + kx.lo) * ic_n);
                mfv_fw_dots(acc, np, x, (k - ky.lo) * row, g, run);
            }
        }
        for (int j = 0; j < ns; j++) mfv_st_p(o[j] + oc, acc[j], m);
    }
}

/* ref's loop nest, for a filter too long for 16-bit gather offsets (fp16: > 9362 elements). */
static void mfv_fw_scalar(const mf_odl_conv_t *p, const mfv_t *in, const mfv_t *w, const mfv_t *b, mfv_t *out) {
    const int filter = p->k_h * p->k_w * p->in_c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mfv_window wy = mfv_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mfv_window wx = mfv_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            for (int oc = 0; oc < p->out_c; oc++) {
                mfv_acc_t acc = b ? (mfv_acc_t)b[oc] : (mfv_acc_t)0;
                for (int ky = wy.k.lo; ky < wy.k.hi; ky++) {
                    for (int kx = wx.k.lo; kx < wx.k.hi; kx++) {
                        const mfv_t *x = in + ((wy.i0 + ky) * p->in_w + wx.i0 + kx) * p->in_c;
                        const mfv_t *wk = w + oc * filter + (ky * p->k_w + kx) * p->in_c;
                        for (int ic = 0; ic < p->in_c; ic++) {
                            const mfv_acc_t prod = (mfv_acc_t)x[ic] * (mfv_acc_t)wk[ic];
                            acc = acc + prod;
                        }
                    }
                }
                out[(oy * p->out_w + ox) * p->out_c + oc] = (mfv_t)acc;
            }
        }
    }
}

void MFV_FN(mf_odl_conv2d_fw_)(const mf_odl_conv_t *p0, const mfv_t *in, const mfv_t *w, const mfv_t *b, mfv_t *out) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int ic_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
    if (p->k_h * p->k_w * ic_n > MFV_GATHER_MAX_STRIDE) {
        mfv_fw_scalar(p, in, w, b, out);
        return;
    }
    for (int oy = 0, ny; oy < p->out_h; oy += ny) {
        ny = mfv_fw_run(oy, p->out_h, sh, p->pad_top, p->k_h, p->in_h);
        const mfv_range ky = mfv_window_at(oy, sh, p->pad_top, p->k_h, p->in_h).k;
        for (int ox = 0, nx; ox < p->out_w; ox += nx) {
            nx = mfv_fw_run(ox, p->out_w, sw, p->pad_left, p->k_w, p->in_w);
            const mfv_range kx = mfv_window_at(ox, sw, p->pad_left, p->k_w, p->in_w).k;
            for (int r = 0, count = ny * nx; r < count; r += MFV_PIX) {
                const mfv_t *x[MFV_PIX];
                mfv_t *o[MFV_PIX];
                for (int j = 0; j < MFV_PIX; j++) {
                    int y, xx;
                    mfv_group_pixel(r, j, count, oy, ox, nx, 1, 1, &y, &xx);
                    x[j] = in + ((y * sh - p->pad_top + ky.lo) * p->in_w + xx * sw - p->pad_left + kx.lo) * ic_n;
                    o[j] = out + (y * p->out_w + xx) * p->out_c;
                }
                if (count - r == 1)
                    mfv_fw_group(p, x, o, 1, 1, w, b, ky, kx);
                else
                    mfv_fw_group(p, x, o, MFV_PIX, count - r < MFV_PIX ? count - r : MFV_PIX, w, b, ky, kx);
            }
        }
    }
}

/* ---- bw_param_grads ---- */

/* grad_w[oc + c][ky][kx][ic..] for c < nc: from its value, += grad_out[oy][ox][oc + c] * x over
 * the tap's output positions (oys x oxs), oy then ox. */
MFV_INLINE void mfv_bwp_block(const mf_odl_conv_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *gw, int filter,
                              int nc, int oc, int ky, int kx, mfv_range oys, mfv_range oxs, int ic, mve_pred16_t m,
                              int tail) {
    const int ic_n = p->in_c, oc_n = p->out_c, xs = p->stride_w * ic_n, cols = oxs.hi - oxs.lo;
    mfv_v acc[MFV_OCS];
    for (int c = 0; c < nc; c++) acc[c] = mfv_load(gw + c * filter, m, tail);
    for (int oy = oys.lo; oy < oys.hi; oy++) {
        const int iy = oy * p->stride_h - p->pad_top + ky;
        const mfv_t *x = in + (iy * p->in_w + oxs.lo * p->stride_w - p->pad_left + kx) * ic_n + ic;
        const mfv_t *g = grad_out + (oy * p->out_w + oxs.lo) * oc_n + oc;
        for (int i = 0; i < cols; i++, x += xs, g += oc_n) {
            const mfv_v xv = mfv_load(x, m, tail);
#if MFV_MODE == MFV_ACC32
            if (nc == 4) { /* the four widened at once */
                mfv_s s[4];
                const mfv_t *gg = g;
                mfv_scalar4(&gg, s);
                for (int c = 0; c < 4; c++) acc[c] = mfv_mac_s(acc[c], xv, s[c]);
                continue;
            }
#endif
            for (int c = 0; c < nc; c++) acc[c] = mfv_mac_s(acc[c], xv, mfv_scalar(g + c));
        }
    }
    for (int c = 0; c < nc; c++) mfv_store(gw + c * filter, acc[c], m, tail);
}

MFV_INLINE void mfv_bwp_channels(const mf_odl_conv_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *grad_w,
                                 int nc, int oc) {
    const int ic_n = p->in_c, filter = p->k_h * p->k_w * ic_n;
    for (int ky = 0; ky < p->k_h; ky++) {
        const mfv_range oys = mfv_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
        for (int kx = 0; kx < p->k_w; kx++) {
            const mfv_range oxs = mfv_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
            mfv_t *gw = grad_w + oc * filter + (ky * p->k_w + kx) * ic_n;
            int ic = 0;
            for (; ic + MFV_LANES <= ic_n; ic += MFV_LANES)
                mfv_bwp_block(p, in, grad_out, gw + ic, filter, nc, oc, ky, kx, oys, oxs, ic, mfv_pred(MFV_LANES), 0);
            if (ic < ic_n)
                mfv_bwp_block(p, in, grad_out, gw + ic, filter, nc, oc, ky, kx, oys, oxs, ic, mfv_pred(ic_n - ic), 1);
        }
    }
}

void MFV_FN(mf_odl_conv2d_bw_param_grads_)(const mf_odl_conv_t *p0, const mfv_t *in, const mfv_t *grad_out,
                                           mfv_t *grad_w, mfv_t *grad_b) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int oc_n = p->out_c;
    int oc = 0;
    for (; oc + MFV_OCS <= oc_n; oc += MFV_OCS) mfv_bwp_channels(p, in, grad_out, grad_w, MFV_OCS, oc);
    for (; oc < oc_n; oc++) mfv_bwp_channels(p, in, grad_out, grad_w, 1, oc);
    if (!grad_b) return;
    const int positions = p->out_h * p->out_w;
    for (int c = 0; c < oc_n; c += MFV_LANES) {
        const mve_pred16_t m = mfv_pred(oc_n - c);
        mfv_v acc = mfv_ld_z(grad_b + c, m);
        const mfv_t *g = grad_out + c;
        for (int o = 0; o < positions; o++, g += oc_n) acc = mfv_add(acc, mfv_ld_z(g, m));
        mfv_st_p(grad_b + c, acc, m);
    }
}

/* ---- bw_input_grads ---- */

/* acc[j] += g[j][d + oc] * w[oc * filter] for oc in [0, oc_n), j < np. */
MFV_INLINE void mfv_bwi_dots(mfv_v *acc, int np, const mfv_t *const *g, int d, const mfv_t *wk, int filter, int oc_n,
                             mve_pred16_t m, int tail) {
    const mfv_t *gp[MFV_PIX];
    for (int j = 0; j < np; j++) {
        gp[j] = g[j] + d;
        MFV_OPAQUE(gp[j]);
    }
#if MFV_MODE == MFV_F32
    for (int i = oc_n >> 1; i > 0; i--) { /* two channels an iteration: one LDRD per pixel */
        const mfv_v w0 = mfv_load(wk, m, tail), w1 = mfv_load(wk + filter, m, tail);
        wk += 2 * filter;
        for (int j = 0; j < np; j++) {
            mfv_s s0, s1;
            mfv_scalar2(&gp[j], &s0, &s1);
            acc[j] = mfv_mac_s(mfv_mac_s(acc[j], w0, s0), w1, s1);
        }
    }
    if (!(oc_n & 1)) return;
    oc_n = 1;
#elif MFV_MODE == MFV_ACC32
    for (int i = oc_n >> 2; i > 0; i--) { /* four channels an iteration: each pixel's widened at once */
        mfv_s s[MFV_PIX][4];
        for (int j = 0; j < np; j++) mfv_scalar4(&gp[j], s[j]);
        for (int k = 0; k < 4; k++, wk += filter) {
            const mfv_v wv = mfv_load(wk, m, tail);
            for (int j = 0; j < np; j++) acc[j] = mfv_mac_s(acc[j], wv, s[j][k]);
        }
    }
    oc_n &= 3;
#endif
    for (int oc = 0; oc < oc_n; oc++, wk += filter) {
        const mfv_v wv = mfv_load(wk, m, tail);
        for (int j = 0; j < np; j++) acc[j] = mfv_mac_s(acc[j], wv, mfv_scalar(gp[j]++));
    }
}

/* Input channels [ic, ic + lanes) of a group of input pixels read through the taps ky x kx:
 * g[j] is pixel j's grad_out under tap (ky.lo, kx.lo), gi[j] its gradient; ns of the np are
 * stored. */
MFV_INLINE void mfv_bwi_channels(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                                 const mfv_t *w, mfv_range ky, mfv_range kx, int ic, int tail) {
    const int oc_n = p->out_c, filter = p->k_h * p->k_w * p->in_c;
    const mve_pred16_t m = mfv_pred(p->in_c - ic);
    mfv_v acc[MFV_PIX];
    for (int j = 0; j < np; j++) acc[j] = mfv_zero();
    for (int a = 0, k = ky.lo; k < ky.hi; a++, k += p->stride_h) {     /* output row oy - a */
        for (int c = 0, l = kx.lo; l < kx.hi; c++, l += p->stride_w) { /* output column ox - c */
            mfv_bwi_dots(acc, np, g, -(a * p->out_w + c) * oc_n, w + (k * p->k_w + l) * p->in_c + ic, filter, oc_n, m,
                         tail);
        }
    }
    for (int j = 0; j < ns; j++) mfv_store(gi[j] + ic, acc[j], m, tail);
}

#if MFV_MODE == MFV_F16
/* fp16: two groups of lanes (16 input channels) for a pair of the pixels: each oc's scalar serves
 * two weight vectors, and four scalars of a pixel come with one VLDRH.U32 (mfv_scalar4).
 * acc[2 * j + h]: pixel j, channels [ic + 8 h, ic + 8 h + 8). */
MFV_INLINE void mfv_bwi_dots16(mfv_v *acc, int np, const mfv_t *const *g, int d, const mfv_t *wk, int filter,
                               int oc_n) {
    const mfv_t *gp[2];
    for (int j = 0; j < np; j++) {
        gp[j] = g[j] + d;
        MFV_OPAQUE(gp[j]);
    }
    for (int i = oc_n >> 2; i > 0; i--) {
        mfv_s s[2][4];
        for (int j = 0; j < np; j++) mfv_scalar4(&gp[j], s[j]);
        for (int k = 0; k < 4; k++) {
            const mfv_v w0 = mfv_ld(wk), w1 = mfv_ld(wk + MFV_LANES);
            wk += filter;
            MFV_OPAQUE(wk); /* one pointer, moved by one ADD */
            for (int j = 0; j < np; j++) {
                acc[2 * j] = mfv_mac_s(acc[2 * j], w0, s[j][k]);
                acc[2 * j + 1] = mfv_mac_s(acc[2 * j + 1], w1, s[j][k]);
            }
        }
    }
    for (int oc = oc_n & 3; oc > 0; oc--, wk += filter) {
        const mfv_v w0 = mfv_ld(wk), w1 = mfv_ld(wk + MFV_LANES);
        for (int j = 0; j < np; j++) {
            const mfv_s s = mfv_scalar(gp[j]++);
            acc[2 * j] = mfv_mac_s(acc[2 * j], w0, s);
            acc[2 * j + 1] = mfv_mac_s(acc[2 * j + 1], w1, s);
        }
    }
}

MFV_INLINE void mfv_bwi_channels16(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                                   const mfv_t *w, mfv_range ky, mfv_range kx, int ic) {
    const int oc_n = p->out_c, filter = p->k_h * p->k_w * p->in_c;
    mfv_v acc[4];
    for (int j = 0; j < 2 * np; j++) acc[j] = mfv_zero();
    for (int a = 0, k = ky.lo; k < ky.hi; a++, k += p->stride_h) {
        for (int c = 0, l = kx.lo; l < kx.hi; c++, l += p->stride_w) {
            mfv_bwi_dots16(acc, np, g, -(a * p->out_w + c) * oc_n, w + (k * p->k_w + l) * p->in_c + ic, filter, oc_n);
        }
    }
    for (int j = 0; j < ns; j++) {
        mfv_st(gi[j] + ic, acc[2 * j]);
        mfv_st(gi[j] + ic + MFV_LANES, acc[2 * j + 1]);
    }
}

/* Pixels [j0, j0 + 2) of the group (np of them, ns stored): channels [ic, ic + 16). */
MFV_INLINE void mfv_bwi_pair16(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                               const mfv_t *w, mfv_range ky, mfv_range kx, int ic, int j0) {
    const int n = np - j0 < 2 ? np - j0 : 2, m = ns - j0 < 0 ? 0 : ns - j0 < 2 ? ns - j0 : 2;
    if (n == 2)
        mfv_bwi_channels16(p, g + j0, gi + j0, 2, m, w, ky, kx, ic);
    else if (n == 1)
        mfv_bwi_channels16(p, g + j0, gi + j0, 1, m, w, ky, kx, ic);
}
#endif

MFV_INLINE void mfv_bwi_group(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                              const mfv_t *w, mfv_range ky, mfv_range kx) {
    int ic = 0;
#if MFV_MODE == MFV_F16
    for (; ic + 2 * MFV_LANES <= p->in_c; ic += 2 * MFV_LANES) {
        mfv_bwi_pair16(p, g, gi, np, ns, w, ky, kx, ic, 0);
        if (np > 2) mfv_bwi_pair16(p, g, gi, np, ns, w, ky, kx, ic, 2);
    }
#endif
    for (; ic + MFV_LANES <= p->in_c; ic += MFV_LANES) mfv_bwi_channels(p, g, gi, np, ns, w, ky, kx, ic, 0);
    if (ic < p->in_c) mfv_bwi_channels(p, g, gi, np, ns, w, ky, kx, ic, 1);
}

void MFV_FN(mf_odl_conv2d_bw_input_grads_)(const mf_odl_conv_t *p0, const mfv_t *grad_out, const mfv_t *w,
                                           mfv_t *grad_in) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int sh = p->stride_h, sw = p->stride_w;
    for (int ry = 0; ry < sh; ry++) {
        for (int iy = ry, ny; iy < p->in_h; iy += ny * sh) {
            ny = mfv_bw_run(iy, p->in_h, sh, p->pad_top, p->k_h, p->out_h);
            const mfv_range ky = mfv_taps_reading(iy, sh, p->pad_top, p->k_h, p->out_h);
            for (int rx = 0; rx < sw; rx++) {
                for (int ix = rx, nx; ix < p->in_w; ix += nx * sw) {
                    nx = mfv_bw_run(ix, p->in_w, sw, p->pad_left, p->k_w, p->out_w);
                    const mfv_range kx = mfv_taps_reading(ix, sw, p->pad_left, p->k_w, p->out_w);
                    for (int r = 0, count = ny * nx; r < count; r += MFV_PIX) {
                        const mfv_t *g[MFV_PIX];
                        mfv_t *gi[MFV_PIX];
                        for (int j = 0; j < MFV_PIX; j++) {
                            int y, x;
                            mfv_group_pixel(r, j, count, iy, ix, nx, sh, sw, &y, &x);
                            /* the output under the first tap (when there is one) */
                            const int oy = (y + p->pad_top - ky.lo) / sh, ox = (x + p->pad_left - kx.lo) / sw;
                            g[j] = grad_out + (oy * p->out_w + ox) * p->out_c;
                            gi[j] = grad_in + (y * p->in_w + x) * p->in_c;
                        }
                        if (count - r == 1)
                            mfv_bwi_group(p, g, gi, 1, 1, w, ky, kx);
                        else
                            mfv_bwi_group(p, g, gi, MFV_PIX, count - r < MFV_PIX ? count - r : MFV_PIX, w, ky, kx);
                    }
                }
            }
        }
    }
}
