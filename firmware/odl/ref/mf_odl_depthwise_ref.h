/* Reference depthwise conv2d (groups == channels, depth multiplier 1): forward and backward,
 * one sample, NHWC activations, weights w[k_h][k_w][c], bias[c] (NULL: none); in_c == out_c.
 * Included by mf_odl_depthwise_{f32,f16,f16_acc32}.c with T, ACC and S defined (mf_odl_ref.h).
 *
 * iy = oy * stride_h - pad_top + ky, ix = ox * stride_w - pad_left + kx; taps in the zero
 * padding are skipped. Every product is (ACC)a * (ACC)b rounded to ACC, every sum
 * acc + product rounded to ACC, in exactly this order:
 *
 * fw: out[oy][ox][c] = (T) sum, starting from bias[c] (0 without bias) and adding
 *     in[iy][ix][c] * w[ky][kx][c] for ky ascending, then kx.
 * bw_param_grads: grad_w[ky][kx][c] = (T) sum, starting from the value grad_w holds and adding
 *     grad_out[oy][ox][c] * in[iy][ix][c] for oy ascending, then ox; grad_b[c] (when not
 *     NULL) = (T) sum, starting from the value grad_b holds and adding grad_out[oy][ox][c] for
 *     oy ascending, then ox.
 * bw_input_grads: grad_in[iy][ix][c] = (T) sum, starting from 0 and adding
 *     grad_out[oy][ox][c] * w[ky][kx][c] for ky ascending, then kx, over the taps with
 *     oy = (iy + pad_top - ky) / stride_h and ox = (ix + pad_left - kx) / stride_w whole and
 *     inside the output (0 where there is none).
 *
 * _f32: float throughout. _f16: every product and sum rounded to fp16. _f16_acc32: products
 * and sums in float, rounded to fp16 once per element. */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_depthwise_fw_)(const mf_odl_conv_t *p, const T *in, const T *w, const T *b, T *out) {
    const int c_n = p->out_c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            for (int c = 0; c < c_n; c++) {
                ACC acc = b ? (ACC)b[c] : (ACC)0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    for (int kx = wx.k0; kx < wx.k1; kx++) {
                        const int i = ((wy.i0 + ky) * p->in_w + wx.i0 + kx) * c_n + c;
                        const ACC prod = (ACC)in[i] * (ACC)w[(ky * p->k_w + kx) * c_n + c];
                        acc = acc + prod;
                    }
                }
                out[(oy * p->out_w + ox) * c_n + c] = (T)acc;
            }
        }
    }
}

void MF_ODL_FN(mf_odl_depthwise_bw_param_grads_)(const mf_odl_conv_t *p, const T *in, const T *grad_out,
                                                 T *grad_w, T *grad_b) {
    const int c_n = p->out_c;
    for (int ky = 0; ky < p->k_h; ky++) {
        const mf_odl_range oys = mf_odl_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
        for (int kx = 0; kx < p->k_w; kx++) {
            const mf_odl_range oxs = mf_odl_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
            for (int c = 0; c < c_n; c++) {
                T *gw = grad_w + (ky * p->k_w + kx) * c_n + c;
                ACC acc = (ACC)*gw;
                for (int oy = oys.lo; oy < oys.hi; oy++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    for (int ox = oxs.lo; ox < oxs.hi; ox++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx;
                        const ACC prod = (ACC)grad_out[(oy * p->out_w + ox) * c_n + c]
                                         * (ACC)in[(iy * p->in_w + ix) * c_n + c];
                        acc = acc + prod;
                    }
                }
                *gw = (T)acc;
            }
        }
    }
    if (!grad_b) return;
    for (int c = 0; c < c_n; c++) {
        ACC acc = (ACC)grad_b[c];
        for (int o = 0; o < p->out_h * p->out_w; o++) acc = acc + (ACC)grad_out[o * c_n + c];
        grad_b[c] = (T)acc;
    }
}

void MF_ODL_FN(mf_odl_depthwise_bw_input_grads_)(const mf_odl_conv_t *p, const T *grad_out, const T *w,
                                                 T *grad_in) {
    const int c_n = p->in_c;
    for (int iy = 0; iy < p->in_h; iy++) {
        const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
        for (int ix = 0; ix < p->in_w; ix++) {
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            for (int c = 0; c < c_n; c++) {
                ACC acc = (ACC)0;
                for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
                    const int oy = (iy + p->pad_top - ky) / p->stride_h;
                    for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
                        const int ox = (ix + p->pad_left - kx) / p->stride_w;
                        const ACC prod = (ACC)grad_out[(oy * p->out_w + ox) * c_n + c]
                                         * (ACC)w[(ky * p->k_w + kx) * c_n + c];
                        acc = acc + prod;
                    }
                }
                grad_in[(iy * p->in_w + ix) * c_n + c] = (T)acc;
            }
        }
    }
}
