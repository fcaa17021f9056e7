/* RVV (Zve32f + Zvfh) average and max pooling, forward and backward: bit for bit ref/mf_odl_pool_ref.h
 * (its header states the semantics and the order of the sums). The lanes are channels of one
 * pixel (a tail: a shorter vl); each lane adds its taps in ref's order (ky ascending,
 * then kx) and multiplies by ref's scale once, so no sum is reassociated. Global average pooling
 * is the case k_h = in_h, k_w = in_w (one output pixel, every input pixel a tap, in order).
 * max_pool_fw: the first tap's value, replaced by a later tap's only where strictly larger
 * (VMFLT + VMERGE: ref's first maximum, a NaN never replaces nor is replaced after the first).
 * max_pool_bw: see there. */
#include "mf_odl_ew_rvv.h"

void MFR_FN(mf_odl_avg_pool_fw_)(const mf_odl_pool_t *p, const mfr_t *in, mfr_t *out) {
    const mfr_s scale = (mfr_s)(mfr_t)(1.0f / (float)(p->k_h * p->k_w));
    const int C = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            mfr_t *o = out + (oy * p->out_w + ox) * C;
            MFR_EACH_GROUP(c, C, vl) {
                mfe_v acc = mfe_zero(vl);
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    const mfr_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++) acc = mfe_add(acc, mfe_ld(row + kx * C, vl), vl);
                }
                mfe_st(o + c, mfe_mul_s(acc, scale, vl), vl);
            }
        }
    }
}

void MFR_FN(mf_odl_avg_pool_bw_)(const mf_odl_pool_t *p, const mfr_t *grad_out, mfr_t *grad_in) {
    const mfr_s scale = (mfr_s)(mfr_t)(1.0f / (float)(p->k_h * p->k_w));
    const int C = p->c;
    for (int iy = 0; iy < p->in_h; iy++) {
        const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
        for (int ix = 0; ix < p->in_w; ix++) {
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            mfr_t *g = grad_in + (iy * p->in_w + ix) * C;
            MFR_EACH_GROUP(c, C, vl) {
                mfe_v acc = mfe_zero(vl);
                for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
                    const int oy = (iy + p->pad_top - ky) / p->stride_h;
                    for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
                        const int ox = (ix + p->pad_left - kx) / p->stride_w;
                        acc = mfe_add(acc, mfe_ld(grad_out + (oy * p->out_w + ox) * C + c, vl), vl);
                    }
                }
                mfe_st(g + c, mfe_mul_s(acc, scale, vl), vl);
            }
        }
    }
}

void MFR_FN(mf_odl_max_pool_fw_)(const mf_odl_pool_t *p, const mfr_t *in, mfr_t *out) {
    const int C = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            mfr_t *o = out + (oy * p->out_w + ox) * C;
            const int empty = wy.k1 <= wy.k0 || wx.k1 <= wx.k0;
            MFR_EACH_GROUP(c, C, vl) {
                /* the first tap's value (compared with itself first: never replaced by it) */
                mfe_v best = empty ? mfe_zero(vl) : mfe_ld(in + ((wy.i0 + wy.k0) * p->in_w + wx.i0 + wx.k0) * C + c, vl);
                for (int ky = wy.k0; !empty && ky < wy.k1; ky++) {
                    const mfr_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++) {
                        const mfe_v x = mfe_ld(row + kx * C, vl);
                        best = mfe_sel(x, best, mfe_gt(x, best, vl), vl);
                    }
                }
                mfe_st(o + c, best, vl);
            }
        }
    }
}

/* Each lane finds its first maximum as max_pool_fw, keeping its tap number (taps counted in
 * (ky, kx) order), then adds its gradient at that tap: a second pass over the taps, each
 * adding into the lanes whose maximum it is (masked load, add, masked store). Lanes are
 * channels, so for each (oy, ox) every channel adds in ref's order, windows in ref's order. */
void MFR_FN(mf_odl_max_pool_bw_)(const mf_odl_pool_t *p, const mfr_t *in, const mfr_t *grad_out, mfr_t *grad_in) {
    const int C = p->c;
    const int32_t n = p->in_h * p->in_w * C;
    MFR_EACH_GROUP(i, n, vl) mfe_st(grad_in + i, mfe_zero(vl), vl);
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            if (wy.k1 <= wy.k0 || wx.k1 <= wx.k0) continue;
            const mfr_t *g = grad_out + (oy * p->out_w + ox) * C;
            MFR_EACH_GROUP(c, C, vl) {
                mfe_v best = mfe_ld(in + ((wy.i0 + wy.k0) * p->in_w + wx.i0 + wx.k0) * C + c, vl);
                mfe_idx at = mfe_idx_dup(0, vl);
                int t = 0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    const mfr_t *row = in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++, t++) {
                        const mfe_v x = mfe_ld(row + kx * C, vl);
                        const mfe_m gt = mfe_gt(x, best, vl);
                        best = mfe_sel(x, best, gt, vl);
                        at = mfe_idx_sel(t, at, gt, vl);
                    }
                }
                const mfe_v gv = mfe_ld(g + c, vl);
                t = 0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    mfr_t *row = grad_in + ((wy.i0 + ky) * p->in_w + wx.i0) * C + c;
                    for (int kx = wx.k0; kx < wx.k1; kx++, t++) {
                        const mfe_m here = mfe_idx_eq(at, t, vl);
                        mfe_st_m(here, row + kx * C, mfe_add(mfe_ld_m(here, row + kx * C, vl), gv, vl), vl);
                    }
                }
            }
        }
    }
}
