/* Reference conv2d (groups 1, pointwise included): forward and backward, one sample, NHWC
 * activations, OHWI weights w[out_c][k_h][k_w][in_c], bias[out_c] (NULL: none). Included by
 * mf_odl_conv2d_{f32,f16,f16_acc32}.c with T, ACC and S defined (mf_odl_ref.h).
 *
 * Below, iy = oy * stride_h - pad_top + ky and ix = ox * stride_w - pad_left + kx; a tap whose
 * (iy, ix) lies outside the input (in the zero padding) adds nothing: it is skipped, not added
 * as a zero. Every product is (ACC)a * (ACC)b rounded to ACC, every sum acc + product rounded
 * to ACC, in exactly this order:
 *
 * fw: out[oy][ox][oc] = (T) sum, the sum starting from bias[oc] (0 without bias) and adding
 *     in[iy][ix][ic] * w[oc][ky][kx][ic] for ky ascending, then kx, then ic (innermost).
 * bw_param_grads: grad_w[oc][ky][kx][ic] = (T) sum, the sum starting from the value grad_w
 *     holds and adding grad_out[oy][ox][oc] * in[iy][ix][ic] for oy ascending, then ox
 *     (taps in the padding skipped); grad_b[oc] (when not NULL) = (T) sum, starting from the
 *     value grad_b holds and adding grad_out[oy][ox][oc] for oy ascending, then ox.
 * bw_input_grads: grad_in[iy][ix][ic] = (T) sum, the sum starting from 0 and adding
 *     grad_out[oy][ox][oc] * w[oc][ky][kx][ic] for ky ascending, then kx, then oc (innermost),
 *     over the taps (ky, kx) with oy = (iy + pad_top - ky) / stride_h and
 *     ox = (ix + pad_left - kx) / stride_w whole and inside the output. An input pixel that no
 *     window reads gets 0.
 *
 * _f32: T = ACC = float. _f16: T = ACC = fp16, every product and sum rounded to fp16.
 * _f16_acc32: T = fp16, ACC = float; a product of two fp16 is exact in float, the sums are
 * rounded to float, and the result is rounded to fp16 once per element (the starting value of
 * grad_w / grad_b is read as float, not rounded first). */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_conv2d_fw_)(const mf_odl_conv_t *p, const T *in, const T *w, const T *b, T *out) {
    const int filter = p->k_h * p->k_w * p->in_c; /* elements of one output channel's filter */
    for (int oy = 0; oy < p->out_h; oy++) {
        const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            for (int oc = 0; oc < p->out_c; oc++) {
                ACC acc = b ? (ACC)b[oc] : (ACC)0;
                for (int ky = wy.k0; ky < wy.k1; ky++) {
                    for (int kx = wx.k0; kx < wx.k1; kx++) {
                        const T *x = in + ((wy.i0 + ky) * p->in_w + wx.i0 + kx) * p->in_c;
                        const T *wk = w + oc * filter + (ky * p->k_w + kx) * p->in_c;
                        for (int ic = 0; ic < p->in_c; ic++) {
                            const ACC prod = (ACC)x[ic] * (ACC)wk[ic];
                            acc = acc + prod;
                        }
                    }
                }
                out[(oy * p->out_w + ox) * p->out_c + oc] = (T)acc;
            }
        }
    }
}

void MF_ODL_FN(mf_odl_conv2d_bw_param_grads_)(const mf_odl_conv_t *p, const T *in, const T *grad_out,
                                              T *grad_w, T *grad_b) {
    for (int oc = 0; oc < p->out_c; oc++) {
        for (int ky = 0; ky < p->k_h; ky++) {
            const mf_odl_range oys = mf_odl_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
            for (int kx = 0; kx < p->k_w; kx++) {
                const mf_odl_range oxs = mf_odl_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
                for (int ic = 0; ic < p->in_c; ic++) {
                    T *gw = grad_w + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c + ic;
                    ACC acc = (ACC)*gw;
                    for (int oy = oys.lo; oy < oys.hi; oy++) {
                        const int iy = oy * p->stride_h - p->pad_top + ky;
                        for (int ox = oxs.lo; ox < oxs.hi; ox++) {
                            const int ix = ox * p->stride_w - p->pad_left + kx;
                            const ACC prod = (ACC)grad_out[(oy * p->out_w + ox) * p->out_c + oc]
                                             * (ACC)in[(iy * p->in_w + ix) * p->in_c + ic];
                            acc = acc + prod;
                        }
                    }
                    *gw = (T)acc;
                }
            }
        }
    }
    if (!grad_b) return;
    for (int oc = 0; oc < p->out_c; oc++) {
        ACC acc = (ACC)grad_b[oc];
        for (int o = 0; o < p->out_h * p->out_w; o++) acc = acc + (ACC)grad_out[o * p->out_c + oc];
        grad_b[oc] = (T)acc;
    }
}

void MF_ODL_FN(mf_odl_conv2d_bw_input_grads_)(const mf_odl_conv_t *p, const T *grad_out, const T *w,
                                              T *grad_in) {
    const int filter = p->k_h * p->k_w * p->in_c;
    for (int iy = 0; iy < p->in_h; iy++) {
        const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
        for (int ix = 0; ix < p->in_w; ix++) {
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            for (int ic = 0; ic < p->in_c; ic++) {
                ACC acc = (ACC)0;
                for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
                    const int oy = (iy + p->pad_top - ky) / p->stride_h;
                    for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
                        const int ox = (ix + p->pad_left - kx) / p->stride_w;
                        const T *g = grad_out + (oy * p->out_w + ox) * p->out_c;
                        const T *wk = w + (ky * p->k_w + kx) * p->in_c + ic;
                        for (int oc = 0; oc < p->out_c; oc++) {
                            const ACC prod = (ACC)g[oc] * (ACC)wk[oc * filter];
                            acc = acc + prod;
                        }
                    }
                }
                grad_in[(iy * p->in_w + ix) * p->in_c + ic] = (T)acc;
            }
        }
    }
}
