/* Reference average and max pooling, forward and backward, one sample, NHWC. Included by
 * mf_odl_pool_{f32,f16}.c with T and S defined (mf_odl_ref.h); all arithmetic in T (fp16 sums
 * for _f16, each rounded to fp16).
 *
 * Window of output (oy, ox): iy = oy * stride_h - pad_top + ky, ix = ox * stride_w - pad_left
 * + kx for ky < k_h, kx < k_w; taps outside the input lie in the padding.
 *
 * avg_pool_fw: out[oy][ox][c] = sum * scale, scale = (T)(1.0f / (k_h * k_w)) (the reciprocal
 *     in float, rounded to T), the sum starting from 0 and adding in[iy][ix][c] over the taps
 *     inside the input, ky ascending, then kx (padding counts as zeros in the divisor:
 *     PyTorch's count_include_pad).
 * avg_pool_bw: grad_in[iy][ix][c] = sum * scale, the sum starting from 0 and adding
 *     grad_out[oy][ox][c] for ky ascending, then kx, over the taps with
 *     oy = (iy + pad_top - ky) / stride_h, ox = (ix + pad_left - kx) / stride_w whole and
 *     inside the output (0 where there is none).
 * max_pool_fw: out[oy][ox][c] = the largest in[iy][ix][c] over the taps inside the input
 *     (padding never wins).
 * max_pool_bw: grad_in = 0, then for oy ascending, ox, c: grad_in[at] = grad_in[at] +
 *     grad_out[oy][ox][c], `at` the first tap in (ky, kx) order whose value is the window's
 *     maximum (a later tap replaces it only when strictly larger: PyTorch's choice among ties).
 *     Overlapping windows add into one pixel in that order. */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_avg_pool_fw_)(const mf_odl_pool_t *p, const T *in, T *out) {
    const T scale = (T)(1.0f / (float)(p->k_h * p->k_w));
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            for (int c = 0; c < p->c; c++) {
                T acc = (T)0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    for (int kx = wx.k0; kx < wx.k1; kx++) {
                        acc = acc + in[((wy.i0 + ky) * p->in_w + wx.i0 + kx) * p->c + c];
                    }
                }
                const T v = acc * scale;
                out[(oy * p->out_w + ox) * p->c + c] = v;
            }
        }
    }
}

void MF_ODL_FN(mf_odl_avg_pool_bw_)(const mf_odl_pool_t *p, const T *grad_out, T *grad_in) {
    const T scale = (T)(1.0f / (float)(p->k_h * p->k_w));
    for (int iy = 0; iy < p->in_h; iy++) {
        const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
        for (int ix = 0; ix < p->in_w; ix++) {
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            for (int c = 0; c < p->c; c++) {
                T acc = (T)0;
                for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
                    const int oy = (iy + p->pad_top - ky) / p->stride_h;
                    for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
                        const int ox = (ix + p->pad_left - kx) / p->stride_w;
                        acc = acc + grad_out[(oy * p->out_w + ox) * p->c + c];
                    }
                }
                const T v = acc * scale;
                grad_in[(iy * p->in_w + ix) * p->c + c] = v;
            }
        }
    }
}

/* The index into `in` of the first maximum of window (oy, ox), channel c; -1 when the window
 * has no tap inside the input. */
static int MF_ODL_FN(mf_odl_max_at_)(const mf_odl_pool_t *p, const T *in, int oy, int ox, int c) {
    const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
    const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
    int at = -1;
    for (int ky = wy.k0; ky < wy.k1; ky++) {
        for (int kx = wx.k0; kx < wx.k1; kx++) {
            const int i = ((wy.i0 + ky) * p->in_w + wx.i0 + kx) * p->c + c;
            if (at < 0 || in[i] > in[at]) at = i;
        }
    }
    return at;
}

void MF_ODL_FN(mf_odl_max_pool_fw_)(const mf_odl_pool_t *p, const T *in, T *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->c; c++) {
                const int at = MF_ODL_FN(mf_odl_max_at_)(p, in, oy, ox, c);
                out[(oy * p->out_w + ox) * p->c + c] = at < 0 ? (T)0 : in[at];
            }
        }
    }
}

void MF_ODL_FN(mf_odl_max_pool_bw_)(const mf_odl_pool_t *p, const T *in, const T *grad_out, T *grad_in) {
    for (int i = 0; i < p->in_h * p->in_w * p->c; i++) grad_in[i] = (T)0;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->c; c++) {
                const int at = MF_ODL_FN(mf_odl_max_at_)(p, in, oy, ox, c);
                if (at < 0) continue;
                const T sum = grad_in[at] + grad_out[(oy * p->out_w + ox) * p->c + c];
                grad_in[at] = sum;
            }
        }
    }
}
