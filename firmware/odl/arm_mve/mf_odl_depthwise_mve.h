/* Helium depthwise conv2d (depth multiplier 1), forward and backward, for every mode of
 * mf_odl_mve.h: the body of mf_odl_depthwise_{f32,f16,f16_acc32}.c, bit for bit what
 * ref/mf_odl_depthwise_ref.h specifies. Lanes over channels throughout (activations, weights and
 * gradients are all contiguous in c), the channel tail predicated.
 *
 * fw: a group of MFV_PIX output pixels with the same taps (mf_odl_mve.h) shares each tap's
 * weight load; each pixel loads its input, multiplies (VMUL) and adds (VADD), taps in (ky, kx)
 * order. The pixels' inputs are loaded at their base + one vector of byte offsets (VLDRW /
 * VLDRH with vector offsets, here all contiguous), which one VADD moves to the next tap: the tap
 * step, in_c elements, is no immediate, so separate pointers would cost an ADD per load.
 * bw_input_grads: likewise over a group of input pixels read through the same taps, each
 * loading its grad_out element.
 * bw_param_grads: MFV_TAPS taps of one filter column read the same output columns and share
 * each grad_out load: the output rows that all of them read go together, the few at the top and
 * the bottom that only some read go tap by tap, before and after; each tap still adds its
 * positions in ref's order (oy, then ox ascending). grad_b: the sum over positions. */
#include "mf_odl_mve.h"

#define MFV_PIX (MFV_MODE == MFV_ACC32 ? 2 : 4)  /* pixels sharing a weight load */
#define MFV_TAPS (MFV_MODE == MFV_ACC32 ? 2 : 3) /* bw_param_grads: taps sharing a grad_out load */
#define MFV_X0(p, oy, ox, ky, kx, c_n) /* the input read by tap (ky, kx) of output (oy, ox) */ \
    ((((oy) * (p)->stride_h - (p)->pad_top + (ky)) * (p)->in_w + (ox) * (p)->stride_w - (p)->pad_left + (kx)) * (c_n))

/* ---- fw ---- */

/* Channels [c, c + lanes) of a group of output pixels with the taps ky x kx: x[j] is pixel j's
 * input under tap (ky.lo, kx.lo), o[j] its output; ns of the np are stored. */
MFV_INLINE void mfv_fw_channels(const mf_odl_conv_t *p, const mfv_t *const *x, mfv_t *const *o, int np, int ns,
                                const mfv_t *w, const mfv_t *b, mfv_range ky, mfv_range kx, int c, int tail) {
    const int c_n = p->in_c, taps = kx.hi - kx.lo;
    const mve_pred16_t m = mfv_pred(c_n - c);
    mfv_v acc[MFV_PIX];
    acc[0] = b ? mfv_load(b + c, m, tail) : mfv_zero();
    for (int j = 1; j < np; j++) acc[j] = acc[0];
    const int tap = c_n * (int)sizeof(mfv_t), span = ((ky.hi - ky.lo - 1) * p->in_w + taps) * tap;
    if (taps > 0 && span <= MFV_BOFF_MAX) {
        /* every pixel's input loaded at base + one offset vector, moved by one VADD a tap */
        const mfv_t *xb[MFV_PIX];
        for (int j = 0; j < np; j++) xb[j] = x[j] + c;
        mfv_boff off = mfv_lane_bytes();
        const mfv_t *wk = w + (ky.lo * p->k_w + kx.lo) * c_n + c;
        for (int k = ky.lo; k < ky.hi; k++) {
            for (int t = 0; t < taps; t++, wk += c_n) {
                const mfv_v wv = mfv_load(wk, m, tail);
                for (int j = 0; j < np; j++) acc[j] = mfv_mac(acc[j], mfv_ld_off(xb[j], off, m, tail), wv);
                off = mfv_boff_add(off, tap);
            }
            off = mfv_boff_add(off, (p->in_w - taps) * tap);
            wk += (p->k_w - taps) * c_n;
        }
        for (int j = 0; j < ns; j++) mfv_store(o[j] + c, acc[j], m, tail);
        return;
    }
    for (int k = ky.lo; k < ky.hi; k++) {
        const mfv_t *xp[MFV_PIX];
        for (int j = 0; j < np; j++) {
            xp[j] = x[j] + (k - ky.lo) * p->in_w * c_n + c;
            MFV_OPAQUE(xp[j]);
        }
        const mfv_t *wk = w + (k * p->k_w + kx.lo) * c_n + c;
        for (int t = 0; t < taps; t++, wk += c_n) {
            const mfv_v wv = mfv_load(wk, m, tail);
            for (int j = 0; j < np; j++) {
                acc[j] = mfv_mac(acc[j], mfv_load(xp[j], m, tail), wv);
                xp[j] += c_n;
            }
        }
    }
    for (int j = 0; j < ns; j++) mfv_store(o[j] + c, acc[j], m, tail);
}

MFV_INLINE void mfv_fw_group(const mf_odl_conv_t *p, const mfv_t *const *x, mfv_t *const *o, int np, int ns,
                             const mfv_t *w, const mfv_t *b, mfv_range ky, mfv_range kx) {
    int c = 0;
    for (; c + MFV_LANES <= p->in_c; c += MFV_LANES) mfv_fw_channels(p, x, o, np, ns, w, b, ky, kx, c, 0);
    if (c < p->in_c) mfv_fw_channels(p, x, o, np, ns, w, b, ky, kx, c, 1);
}

void MFV_FN(mf_odl_depthwise_fw_)(const mf_odl_conv_t *p0, const mfv_t *in, const mfv_t *w, const mfv_t *b,
                                  mfv_t *out) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int c_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
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
                    x[j] = in + ((y * sh - p->pad_top + ky.lo) * p->in_w + xx * sw - p->pad_left + kx.lo) * c_n;
                    o[j] = out + (y * p->out_w + xx) * c_n;
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

/* acc += grad_out[oy][ox][c..] * in[iy][ix][c..] for the output rows oy in [from, to) and the
 * columns cols of tap (ky, kx). */
MFV_INLINE mfv_v mfv_bwp_tap(const mf_odl_conv_t *p, mfv_v acc, const mfv_t *in, const mfv_t *grad_out, int ky, int kx,
                             int from, int to, mfv_range cols, int c, mve_pred16_t m, int tail) {
    const int c_n = p->in_c, xs = p->stride_w * c_n;
    for (int oy = from; oy < to; oy++) {
        const mfv_t *g = grad_out + (oy * p->out_w + cols.lo) * c_n + c;
        const mfv_t *x = in + MFV_X0(p, oy, cols.lo, ky, kx, c_n) + c;
        for (int ox = cols.lo; ox < cols.hi; ox++, g += c_n, x += xs)
            acc = mfv_mac(acc, mfv_load(g, m, tail), mfv_load(x, m, tail));
    }
    return acc;
}

/* grad_w[ky + t][kx][c..] for t < nt: taps of one filter column, which read the same output
 * columns; the output rows that all of them read share each grad_out load, the rows that only
 * some read (at the top and the bottom) go tap by tap, before and after, so that each tap adds
 * its positions in ref's order. */
MFV_INLINE void mfv_bwp_taps(const mf_odl_conv_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *grad_w, int ky,
                             int kx, int nt, int c, mve_pred16_t m, int tail) {
    const int c_n = p->in_c, xs = p->stride_w * c_n, row = p->stride_h * p->in_w * c_n;
    const mfv_range cols = mfv_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
    mfv_range rows[MFV_TAPS];
    mfv_v acc[MFV_TAPS];
    int lo = 0, hi = p->out_h; /* the rows every tap reads */
    for (int t = 0; t < nt; t++) {
        rows[t] = mfv_outputs_of_tap(ky + t, p->stride_h, p->pad_top, p->out_h, p->in_h);
        lo = rows[t].lo > lo ? rows[t].lo : lo;
        hi = rows[t].hi < hi ? rows[t].hi : hi;
        acc[t] = mfv_load(grad_w + ((ky + t) * p->k_w + kx) * c_n + c, m, tail);
    }
    if (cols.lo < cols.hi) {
        if (lo >= hi) { /* no row in common: tap by tap */
            for (int t = 0; t < nt; t++) {
                const mfv_range r = rows[t];
                acc[t] = mfv_bwp_tap(p, acc[t], in, grad_out, ky + t, kx, r.lo, r.hi, cols, c, m, tail);
            }
        } else {
            for (int t = 0; t < nt; t++)
                acc[t] = mfv_bwp_tap(p, acc[t], in, grad_out, ky + t, kx, rows[t].lo, lo, cols, c, m, tail);
            const mfv_t *x0 = in + MFV_X0(p, lo, cols.lo, ky, kx, c_n) + c;
            for (int oy = lo; oy < hi; oy++, x0 += row) {
                const mfv_t *g = grad_out + (oy * p->out_w + cols.lo) * c_n + c;
                const mfv_t *xp[MFV_TAPS];
                for (int t = 0; t < nt; t++) {
                    xp[t] = x0 + t * p->in_w * c_n;
                    MFV_OPAQUE(xp[t]);
                }
                for (int ox = cols.lo; ox < cols.hi; ox++, g += c_n) {
                    const mfv_v gv = mfv_load(g, m, tail);
                    for (int t = 0; t < nt; t++) {
                        acc[t] = mfv_mac(acc[t], gv, mfv_load(xp[t], m, tail));
                        xp[t] += xs;
                    }
                }
            }
            for (int t = 0; t < nt; t++)
                acc[t] = mfv_bwp_tap(p, acc[t], in, grad_out, ky + t, kx, hi, rows[t].hi, cols, c, m, tail);
        }
    }
    for (int t = 0; t < nt; t++) mfv_store(grad_w + ((ky + t) * p->k_w + kx) * c_n + c, acc[t], m, tail);
}

MFV_INLINE void mfv_bwp_channels(const mf_odl_conv_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *grad_w, int c,
                                 int tail) {
    const mve_pred16_t m = mfv_pred(p->in_c - c);
    for (int kx = 0; kx < p->k_w; kx++) {
        int ky = 0;
        for (; ky + MFV_TAPS <= p->k_h; ky += MFV_TAPS)
            mfv_bwp_taps(p, in, grad_out, grad_w, ky, kx, MFV_TAPS, c, m, tail);
        for (; ky < p->k_h; ky++) mfv_bwp_taps(p, in, grad_out, grad_w, ky, kx, 1, c, m, tail);
    }
}

void MFV_FN(mf_odl_depthwise_bw_param_grads_)(const mf_odl_conv_t *p0, const mfv_t *in, const mfv_t *grad_out,
                                              mfv_t *grad_w, mfv_t *grad_b) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int c_n = p->in_c;
    int c = 0;
    for (; c + MFV_LANES <= c_n; c += MFV_LANES) mfv_bwp_channels(p, in, grad_out, grad_w, c, 0);
    if (c < c_n) mfv_bwp_channels(p, in, grad_out, grad_w, c, 1);
    if (!grad_b) return;
    const int positions = p->out_h * p->out_w;
    for (c = 0; c < c_n; c += MFV_LANES) {
        const mve_pred16_t m = mfv_pred(c_n - c);
        mfv_v acc = mfv_ld_z(grad_b + c, m);
        const mfv_t *g = grad_out + c;
        for (int o = 0; o < positions; o++, g += c_n) acc = mfv_add(acc, mfv_ld_z(g, m));
        mfv_st_p(grad_b + c, acc, m);
    }
}

/* ---- bw_input_grads ---- */

/* Channels [c, c + lanes) of a group of input pixels read through the taps ky x kx: g[j] is
 * pixel j's grad_out under tap (ky.lo, kx.lo), gi[j] its gradient; ns of the np are stored. */
MFV_INLINE void mfv_bwi_channels(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                                 const mfv_t *w, mfv_range ky, mfv_range kx, int c, int tail) {
    const int c_n = p->in_c;
    const mve_pred16_t m = mfv_pred(c_n - c);
    mfv_v acc[MFV_PIX];
    for (int j = 0; j < np; j++) acc[j] = mfv_zero();
    const int na = ky.hi > ky.lo ? (ky.hi - ky.lo + p->stride_h - 1) / p->stride_h : 0; /* taps: rows, columns */
    const int nb = kx.hi > kx.lo ? (kx.hi - kx.lo + p->stride_w - 1) / p->stride_w : 0;
    const int tap = c_n * (int)sizeof(mfv_t), last = ((na - 1) * p->out_w + nb - 1) * tap;
    if (na > 0 && nb > 0 && last <= MFV_BOFF_MAX) {
        /* every pixel's grad_out loaded at base + one offset vector, moved by one VADD a tap; the
         * base is the last tap's (the lowest address: the offsets count down to 0) */
        const mfv_t *gb[MFV_PIX];
        for (int j = 0; j < np; j++) gb[j] = g[j] + c - last / (int)sizeof(mfv_t);
        mfv_boff off = mfv_boff_add(mfv_lane_bytes(), last);
        const int w_step = p->stride_w * c_n, w_row = p->stride_h * p->k_w * c_n - nb * w_step;
        const mfv_t *wk = w + (ky.lo * p->k_w + kx.lo) * c_n + c;
        for (int a = 0; a < na; a++, wk += w_row) {
            for (int t = 0; t < nb; t++, wk += w_step) {
                const mfv_v wv = mfv_load(wk, m, tail);
                for (int j = 0; j < np; j++) acc[j] = mfv_mac(acc[j], mfv_ld_off(gb[j], off, m, tail), wv);
                off = mfv_boff_add(off, -tap);
            }
            off = mfv_boff_add(off, (nb - p->out_w) * tap);
        }
        for (int j = 0; j < ns; j++) mfv_store(gi[j] + c, acc[j], m, tail);
        return;
    }
    for (int a = 0, k = ky.lo; k < ky.hi; a++, k += p->stride_h) { /* output row oy - a */
        const mfv_t *gp[MFV_PIX];
        for (int j = 0; j < np; j++) {
            gp[j] = g[j] - a * p->out_w * c_n + c;
            MFV_OPAQUE(gp[j]);
        }
        const mfv_t *wk = w + (k * p->k_w + kx.lo) * c_n + c;
        for (int l = kx.lo; l < kx.hi; l += p->stride_w, wk += p->stride_w * c_n) { /* output column ox - 1, ... */
            const mfv_v wv = mfv_load(wk, m, tail);
            for (int j = 0; j < np; j++) {
                acc[j] = mfv_mac(acc[j], mfv_load(gp[j], m, tail), wv);
                gp[j] -= c_n;
            }
        }
    }
    for (int j = 0; j < ns; j++) mfv_store(gi[j] + c, acc[j], m, tail);
}

MFV_INLINE void mfv_bwi_group(const mf_odl_conv_t *p, const mfv_t *const *g, mfv_t *const *gi, int np, int ns,
                              const mfv_t *w, mfv_range ky, mfv_range kx) {
    int c = 0;
    for (; c + MFV_LANES <= p->in_c; c += MFV_LANES) mfv_bwi_channels(p, g, gi, np, ns, w, ky, kx, c, 0);
    if (c < p->in_c) mfv_bwi_channels(p, g, gi, np, ns, w, ky, kx, c, 1);
}

void MFV_FN(mf_odl_depthwise_bw_input_grads_)(const mf_odl_conv_t *p0, const mfv_t *grad_out, const mfv_t *w,
                                              mfv_t *grad_in) {
    const mf_odl_conv_t q = mfv_flat(p0), *p = &q;
    const int c_n = p->in_c, sh = p->stride_h, sw = p->stride_w;
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
                            const int oy = (y + p->pad_top - ky.lo) / sh, ox = (x + p->pad_left - kx.lo) / sw;
                            g[j] = grad_out + (oy * p->out_w + ox) * c_n;
                            gi[j] = grad_in + (y * p->in_w + x) * c_n;
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
