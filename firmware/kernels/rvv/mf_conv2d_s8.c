/* int8 convolution: the inner product over input channels with the ISA's dot product; the
 * input offset enters once per tap through the host-computed tap sums (exact in int32). */
#include "mf_rvv_dot.h"
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            int8_t *y = out + (oy * p->out_w + ox) * p->out_c;
            for (int oc = 0; oc < p->out_c; oc++) {
                int32_t acc = p->bias[oc];
                for (int ky = 0; ky < p->k_h; ky++) {
                    int iy = oy * p->stride_h - p->pad_h + ky * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int ix = ox * p->stride_w - p->pad_w + kx * p->dilation_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        int tap = (oc * p->k_h + ky) * p->k_w + kx;
                        const int8_t *x = in + (iy * p->in_w + ix) * p->in_c, *w = p->weights + tap * p->in_c;
                        if (p->tap_sums) {
                            acc = mf_rvv_dot_s8(acc, x, w, p->in_c) + p->input_offset * p->tap_sums[tap];
                        } else {
                            for (int ic = 0; ic < p->in_c; ic++) acc += (x[ic] + p->input_offset) * w[ic];
                        }
                    }
                }
                acc = mf_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                y[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
    return MF_OK;
}
