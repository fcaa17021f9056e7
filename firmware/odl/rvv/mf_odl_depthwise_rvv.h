/* RVV depthwise conv2d (depth multiplier 1), forward and backward, for every mode of
 * mf_odl_rvv.h: the body of mf_odl_depthwise_{f32,f16,f16_acc32}.c, bit for bit what
 * ref/mf_odl_depthwise_ref.h specifies. Lanes over channels throughout (activations, weights and
 * gradients are all contiguous in c), the channel tail a shorter vl.
 *
 * fw: a group of MFR_PIX output pixels with the same taps shares each tap's weight load; each
 * pixel loads its input, multiplies (VFMUL) and adds (VFADD), taps in (ky, kx) order.
 * bw_input_grads: likewise over a group of input pixels read through the same taps, each
 * loading its grad_out element.
 * bw_param_grads: the taps of one filter column (3 at a time) read the same output columns and
 * share each grad_out load: the output rows that all of them read go together, the few at the
 * top and the bottom that only some read go tap by tap, before and after; each tap still adds
 * its positions in ref's order (oy, then ox ascending). grad_b: the sum over positions. */
#include "mf_odl_rvv.h"

#define MFR_PIX 8 /* pixels sharing a weight load: a0..a7 */
#define MFR_X0(p, oy, ox, ky, kx, c_n) /* the input read by tap (ky, kx) of output (oy, ox) */ \
    ((((oy) * (p)->stride_h - (p)->pad_top + (ky)) * (p)->in_w + (ox) * (p)->stride_w - (p)->pad_left + (kx)) * (c_n))

/* ---- fw ---- */

/* Channels [c, c + vl) of a group of output pixels with the taps ky x kx: x[j] is pixel j's
 * input under tap (ky.lo, kx.lo), o[j] its output; ns of the np are stored. */
MFR_INLINE void mfr_fw_channels(const mf_odl_conv_t *p, const mfr_t *const *x, mfr_t *const *o, int np, int ns,
                                const mfr_t *w, const mfr_t *b, mfr_range ky, mfr_range kx, int c, size_t vl) {
    const int c_n = p->in_c, taps = kx.hi - kx.lo;
    MFR_DECL_ACC(b ? mfr_acc_ld(b + c, vl) : mfr_zero(vl));
    for (int k = ky.lo; k < ky.hi; k++) {
        const int d = (k - ky.lo) * p->in_w * c_n + c;
#define MFR_PTR(j) const mfr_t *x##j = x[j] + d;
        MFR_EACH(MFR_PTR)
#undef MFR_PTR
        const mfr_t *wk = w + (k * p->k_w + kx.lo) * c_n + c;
        for (int t = 0; t < taps; t++, wk += c_n) {
            const mfr_v wv = mfr_ld(wk, vl);
#define MFR_STEP(j)                                          \
    if (np > j) {                                            \
        a##j = mfr_mac(a##j, mfr_ld(x##j, vl), wv, vl);      \
        x##j += c_n;                                         \
    }
            MFR_EACH(MFR_STEP)
#undef MFR_STEP
        }
    }
#define MFR_STORE(j) \
    if (ns > j) mfr_acc_st(o[j] + c, a##j, vl);
    MFR_EACH(MFR_STORE)
#undef MFR_STORE
}

MFR_INLINE void mfr_fw_group(const mf_odl_conv_t *p, const mfr_t *const *x, mfr_t *const *o, int np, int ns,
                             const mfr_t *w, const mfr_t *b, mfr_range ky, mfr_range kx) {
    for (int c = 0, vl; c < p->in_c; c += vl) {
        vl = (int)mfr_vsetvl(p->in_c - c);
        mfr_fw_channels(p, x, o, np, ns, w, b, ky, kx, c, vl);
    }
}

void MFR_FN(mf_odl_depthwise_fw_)(const mf_odl_conv_t *p0, const mfr_t *in, const mfr_t *w, const mfr_t *b,
                                  mfr_t *out) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int c_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
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
                    x[j] = in + ((y * sh - p->pad_top + ky.lo) * p->in_w + xx * sw - p->pad_left + kx.lo) * c_n;
                    o[j] = out + (y * p->out_w + xx) * c_n;
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

/* acc += grad_out[oy][ox][c..] * in[iy][ix][c..] for the output rows oy in [from, to) and the
 * columns cols of tap (ky, kx). */
MFR_INLINE mfr_a mfr_bwp_tap(const mf_odl_conv_t *p, mfr_a acc, const mfr_t *in, const mfr_t *grad_out, int ky, int kx,
                             int from, int to, mfr_range cols, int c, size_t vl) {
    const int c_n = p->in_c, xs = p->stride_w * c_n;
    for (int oy = from; oy < to; oy++) {
        const mfr_t *g = grad_out + (oy * p->out_w + cols.lo) * c_n + c;
        const mfr_t *x = in + MFR_X0(p, oy, cols.lo, ky, kx, c_n) + c;
        for (int ox = cols.lo; ox < cols.hi; ox++, g += c_n, x += xs)
            acc = mfr_mac(acc, mfr_ld(g, vl), mfr_ld(x, vl), vl);
    }
    return acc;
}

/* grad_w[ky + t][kx][c..] for t < nt (<= 3): taps of one filter column, which read the same
 * output columns; the output rows that all of them read share each grad_out load, the rows
 * that only some read go tap by tap, before and after, so that each tap adds its positions in
 * ref's order. */
MFR_INLINE void mfr_bwp_taps(const mf_odl_conv_t *p, const mfr_t *in, const mfr_t *grad_out, mfr_t *grad_w, int ky,
                             int kx, int nt, int c, size_t vl) {
    const int c_n = p->in_c, xs = p->stride_w * c_n, row = p->stride_h * p->in_w * c_n;
    const mfr_range cols = mfr_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
    mfr_range rows[3];
    int lo = 0, hi = p->out_h; /* the rows every tap reads */
    for (int t = 0; t < nt; t++) {
        rows[t] = mfr_outputs_of_tap(ky + t, p->stride_h, p->pad_top, p->out_h, p->in_h);
        lo = rows[t].lo > lo ? rows[t].lo : lo;
        hi = rows[t].hi < hi ? rows[t].hi : hi;
    }
    mfr_t *gw0 = grad_w + (ky * p->k_w + kx) * c_n + c, *gw1 = gw0 + p->k_w * c_n, *gw2 = gw1 + p->k_w * c_n;
    mfr_a a0 = mfr_acc_ld(gw0, vl), a1 = a0, a2 = a0;
    if (nt > 1) a1 = mfr_acc_ld(gw1, vl);
    if (nt > 2) a2 = mfr_acc_ld(gw2, vl);
    if (cols.lo < cols.hi) {
        const int split = lo < hi; /* else no row in common: tap by tap */
        const int to0 = split ? lo : rows[0].hi, to1 = split ? lo : rows[1 % nt].hi, to2 = split ? lo : rows[2 % nt].hi;
        a0 = mfr_bwp_tap(p, a0, in, grad_out, ky, kx, rows[0].lo, to0, cols, c, vl);
        if (nt > 1) a1 = mfr_bwp_tap(p, a1, in, grad_out, ky + 1, kx, rows[1].lo, to1, cols, c, vl);
        if (nt > 2) a2 = mfr_bwp_tap(p, a2, in, grad_out, ky + 2, kx, rows[2].lo, to2, cols, c, vl);
        if (split) {
            const mfr_t *x0 = in + MFR_X0(p, lo, cols.lo, ky, kx, c_n) + c;
            for (int oy = lo; oy < hi; oy++, x0 += row) {
                const mfr_t *g = grad_out + (oy * p->out_w + cols.lo) * c_n + c;
                const mfr_t *x1 = x0 + p->in_w * c_n, *x2 = x1 + p->in_w * c_n, *xp = x0;
                for (int ox = cols.lo; ox < cols.hi; ox++, g += c_n, xp += xs, x1 += xs, x2 += xs) {
                    const mfr_v gv = mfr_ld(g, vl);
                    a0 = mfr_mac(a0, gv, mfr_ld(xp, vl), vl);
                    if (nt > 1) a1 = mfr_mac(a1, gv, mfr_ld(x1, vl), vl);
                    if (nt > 2) a2 = mfr_mac(a2, gv, mfr_ld(x2, vl), vl);
                }
            }
            a0 = mfr_bwp_tap(p, a0, in, grad_out, ky, kx, hi, rows[0].hi, cols, c, vl);
            if (nt > 1) a1 = mfr_bwp_tap(p, a1, in, grad_out, ky + 1, kx, hi, rows[1].hi, cols, c, vl);
            if (nt > 2) a2 = mfr_bwp_tap(p, a2, in, grad_out, ky + 2, kx, hi, rows[2].hi, cols, c, vl);
        }
    }
    mfr_acc_st(gw0, a0, vl);
    if (nt > 1) mfr_acc_st(gw1, a1, vl);
    if (nt > 2) mfr_acc_st(gw2, a2, vl);
}

void MFR_FN(mf_odl_depthwise_bw_param_grads_)(const mf_odl_conv_t *p0, const mfr_t *in, const mfr_t *grad_out,
                                              mfr_t *grad_w, mfr_t *grad_b) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int c_n = p->in_c;
    for (int c = 0, vl; c < c_n; c += vl) {
        vl = (int)mfr_vsetvl(c_n - c);
        for (int kx = 0; kx < p->k_w; kx++) {
            int ky = 0;
            for (; ky + 3 <= p->k_h; ky += 3) mfr_bwp_taps(p, in, grad_out, grad_w, ky, kx, 3, c, vl);
            for (; ky < p->k_h; ky++) mfr_bwp_taps(p, in, grad_out, grad_w, ky, kx, 1, c, vl);
        }
    }
    if (!grad_b) return;
    const int positions = p->out_h * p->out_w;
    for (int c = 0, vl; c < c_n; c += vl) {
        vl = (int)mfr_vsetvl(c_n - c);
        mfr_a acc = mfr_acc_ld(grad_b + c, vl);
        const mfr_t *g = grad_out + c;
        for (int o = 0; o < positions; o++, g += c_n) acc = mfr_add(acc, mfr_ld(g, vl), vl);
        mfr_acc_st(grad_b + c, acc, vl);
    }
}

/* ---- bw_input_grads ---- */

/* Channels [c, c + vl) of a group of input pixels read through the taps ky x kx: g[j] is
 * pixel j's grad_out under tap (ky.lo, kx.lo), gi[j] its gradient; ns of the np are stored. */
MFR_INLINE void mfr_bwi_channels(const mf_odl_conv_t *p, const mfr_t *const *g, mfr_t *const *gi, int np, int ns,
                                 const mfr_t *w, mfr_range ky, mfr_range kx, int c, size_t vl) {
    const int c_n = p->in_c;
    MFR_DECL_ACC(mfr_zero(vl));
    for (int a = 0, k = ky.lo; k < ky.hi; a++, k += p->stride_h) { /* output row oy - a */
        const int d = -a * p->out_w * c_n + c;
#define MFR_PTR(j) const mfr_t *g##j = g[j] + d;
        MFR_EACH(MFR_PTR)
#undef MFR_PTR
        const mfr_t *wk = w + (k * p->k_w + kx.lo) * c_n + c;
        for (int l = kx.lo; l < kx.hi; l += p->stride_w, wk += p->stride_w * c_n) { /* output column ox, ox - 1, ... */
            const mfr_v wv = mfr_ld(wk, vl);
#define MFR_STEP(j)                                          \
    if (np > j) {                                            \
        a##j = mfr_mac(a##j, mfr_ld(g##j, vl), wv, vl);      \
        g##j -= c_n;                                         \
    }
            MFR_EACH(MFR_STEP)
#undef MFR_STEP
        }
    }
#define MFR_STORE(j) \
    if (ns > j) mfr_acc_st(gi[j] + c, a##j, vl);
    MFR_EACH(MFR_STORE)
#undef MFR_STORE
}

MFR_INLINE void mfr_bwi_group(const mf_odl_conv_t *p, const mfr_t *const *g, mfr_t *const *gi, int np, int ns,
                              const mfr_t *w, mfr_range ky, mfr_range kx) {
    for (int c = 0, vl; c < p->in_c; c += vl) {
        vl = (int)mfr_vsetvl(p->in_c - c);
        mfr_bwi_channels(p, g, gi, np, ns, w, ky, kx, c, vl);
    }
}

void MFR_FN(mf_odl_depthwise_bw_input_grads_)(const mf_odl_conv_t *p0, const mfr_t *grad_out, const mfr_t *w,
                                              mfr_t *grad_in) {
    const mf_odl_conv_t q = mfr_flat(p0), *p = &q;
    const int c_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
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
                            const int oy = (y + p->pad_top - ky.lo) / sh, ox = (x + p->pad_left - kx.lo) / sw;
                            g[j] = grad_out + (oy * p->out_w + ox) * c_n;
                            gi[j] = grad_in + (y * p->in_w + x) * c_n;
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
