/* Helium (MVE-F) average and max pooling, forward and backward: bit for bit ref/mf_odl_pool_ref.h
 * (its header states the semantics and the order of the sums). The lanes are channels of one
 * pixel (a tail: a predicated group); each lane adds its taps in ref's order (ky ascending,
 * then kx) and multiplies by ref's scale once, so no sum is reassociated. Global average pooling
 * is the case k_h = in_h, k_w = in_w (one output pixel, every input pixel a tap, in order).
 * max_pool_fw: the first tap's value, replaced by a later tap's only where strictly larger
 * (VCMP GT + VPSEL: ref's first maximum, a NaN never replaces nor is replaced after the first).
 * max_pool_bw: see there. */
#include "mf_odl_ew_mve.h"

void MFV_FN(mf_odl_avg_pool_fw_)(const mf_odl_pool_t *p, const mfv_t *in, mfv_t *out) {
    const mfv_s scale = (mfv_s)(mfv_t)(1.0f / (float)(p->k_h * p->k_w));
    const int C = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            mfv_t *o = out + (oy * p->out_w + ox) * C;
            int32_t c0 = 0;
            for (; c0 + 2 * MFV_LANES <= C; c0 += 2 * MFV_LANES) { /* two whole groups a pass */
                mfv_v a0 = mfv_zero(), a1 = a0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    const mfv_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0 + wx.k0) * C + c0;
                    for (int kx = wx.k0; kx < wx.k1; kx++, row += C) {
                        a0 = mfv_add(a0, mfv_ld(row));
                        a1 = mfv_add(a1, mfv_ld(row + MFV_LANES));
                    }
                }
                mfv_st(o + c0, mfv_mul_s(a0, scale));
                mfv_st(o + c0 + MFV_LANES, mfv_mul_s(a1, scale));
            }
            MFV_EACH_GROUP(cr, C - c0, m) {
                const int32_t c = c0 + cr;
                mfv_v acc = mfv_zero();
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    const mfv_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++) acc = mfv_add(acc, mfv_ld_z(row + kx * C, m));
                }
                mfv_st_p(o + c, mfv_mul_s(acc, scale), m);
            }
        }
    }
}

void MFV_FN(mf_odl_avg_pool_bw_)(const mf_odl_pool_t *p, const mfv_t *grad_out, mfv_t *grad_in) {
    const mfv_s scale = (mfv_s)(mfv_t)(1.0f / (float)(p->k_h * p->k_w));
    const int C = p->c;
    for (int iy = 0; iy < p->in_h; iy++) {
        const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
        for (int ix = 0; ix < p->in_w; ix++) {
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            mfv_t *g = grad_in + (iy * p->in_w + ix) * C;
            MFV_EACH_GROUP(c, C, m) {
                mfv_v acc = mfv_zero();
                for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
                    const int oy = (iy + p->pad_top - ky) / p->stride_h;
                    for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
                        const int ox = (ix + p->pad_left - kx) / p->stride_w;
                        acc = mfv_add(acc, mfv_ld_z(grad_out + (oy * p->out_w + ox) * C + c, m));
                    }
                }
                mfv_st_p(g + c, mfv_mul_s(acc, scale), m);
            }
        }
    }
}

void MFV_FN(mf_odl_max_pool_fw_)(const mf_odl_pool_t *p, const mfv_t *in, mfv_t *out) {
    const int C = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            mfv_t *o = out + (oy * p->out_w + ox) * C;
            const int empty = wy.k1 <= wy.k0 || wx.k1 <= wx.k0;
            MFV_EACH_GROUP(c, C, m) {
                /* the first tap's value (compared with itself first: never replaced by it) */
                mfv_v best = empty ? mfv_zero() : mfv_ld_z(in + ((wy.i0 + wy.k0) * p->in_w + wx.i0 + wx.k0) * C + c, m);
                for (int ky = wy.k0; !empty && ky < wy.k1; ky++) {
                    const mfv_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++) {
                        const mfv_v x = mfv_ld_z(row + kx * C, m);
                        best = mfv_sel(x, best, mfv_gt(x, best));
                    }
                }
                mfv_st_p(o + c, best, m);
            }
        }
    }
}

/* Each lane finds its first maximum as max_pool_fw, keeping its tap number (taps counted in
 * (ky, kx) order), then adds its gradient at that tap: a second pass over the taps, each
 * adding into the lanes whose maximum it is (predicated load, add, store). Lanes are channels,
 * so for each (oy, ox) every channel adds in ref's order, windows in ref's order (oy, then ox). */
void MFV_FN(mf_odl_max_pool_bw_)(const mf_odl_pool_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *grad_in) {
    const int C = p->c;
    const int32_t n = p->in_h * p->in_w * C;
    MFV_EACH_GROUP(i, n, m) mfv_st_p(grad_in + i, mfv_zero(), m);
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            if (wy.k1 <= wy.k0 || wx.k1 <= wx.k0) continue;
            const mfv_t *g = grad_out + (oy * p->out_w + ox) * C;
            MFV_EACH_GROUP(c, C, m) {
                mfv_v best = mfv_ld_z(in + ((wy.i0 + wy.k0) * p->in_w + wx.i0 + wx.k0) * C + c, m);
                mfv_idx at = mfv_idx_dup(0);
                int t = 0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    const mfv_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++, t++) {
                        const mfv_v x = mfv_ld_z(row + kx * C, m);
                        const mve_pred16_t gt = mfv_gt(x, best);
                        best = mfv_sel(x, best, gt);
                        at = mfv_idx_sel(t, at, gt);
                    }
                }
                const mfv_v gv = mfv_ld_z(g + c, m);
                t = 0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    mfv_t *row = grad_in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++, t++) {
                        const mve_pred16_t here = mfv_idx_eq(at, t, m);
                        mfv_st_p(row + kx * C, mfv_add(mfv_ld_z(row + kx * C, here), gv), here);
                    }
                }
            }
        }
    }
}
