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
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->c; c++) {
                T acc = (T)0;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx;
                        if (ix < 0 || ix >= p->in_w) continue;
                        acc = acc + in[(iy * p->in_w + ix) * p->c + c];
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
        for (int ix = 0; ix < p->in_w; ix++) {
            for (int c = 0; c < p->c; c++) {
                T acc = (T)0;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int ty = iy + p->pad_top - ky; /* oy * stride_h */
                    if (ty < 0 || ty % p->stride_h != 0 || ty / p->stride_h >= p->out_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        const int tx = ix + p->pad_left - kx; /* ox * stride_w */
                        if (tx < 0 || tx % p->stride_w != 0 || tx / p->stride_w >= p->out_w) continue;
                        acc = acc + grad_out[((ty / p->stride_h) * p->out_w + tx / p->stride_w) * p->c + c];
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
    int at = -1;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = oy * p->stride_h - p->pad_top + ky;
        if (iy < 0 || iy >= p->in_h) continue;
        for (int kx = 0; kx < p->k_w; kx++) {
            const int ix = ox * p->stride_w - p->pad_left + kx;
            if (ix < 0 || ix >= p->in_w) continue;
            const int i = (iy * p->in_w + ix) * p->c + c;
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
