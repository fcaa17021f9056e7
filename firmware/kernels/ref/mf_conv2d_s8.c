/* Reference int8 conv2d, portable C: TFLite's int8 convolution (as TFLite Micro's reference
 * kernel), the specification that the ISA variants match bit for bit.
 *
 * Input and output NHWC, batch 1; weights O x KH x KW x I (plain: the host stores them so for
 * this kernel), bias, multiplier and shift per output channel. Each output channel starts from
 * its bias and adds (x + input_offset) * w over the taps of its window that lie inside the
 * input, in (ky, kx, ic) order (a tap in the padding adds nothing: it holds the input's zero
 * point); the int32 sum is requantized (mf_requantize: TFLite's MultiplyByQuantizedMultiplier),
 * moved by the output offset and clamped to the activation range. Output pixels are computed
 * one at a time in row-major order, every channel of a pixel after reading its window: the
 * host's in-place planning relies on that order (integer/inplace.py). p->scratch and
 * p->bias_with_offset are not read here. */
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
                    if (iy < 0 || iy >= p->in_h) continue; /* a filter row in the padding */
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int ix = ox * p->stride_w - p->pad_w + kx * p->dilation_w;
                        if (ix < 0 || ix >= p->in_w) continue; /* a tap in the padding */
                        const int tap = (oc * p->k_h + ky) * p->k_w + kx; /* of the filters, O x KH x KW */
                        const int8_t *x = in + (iy * p->in_w + ix) * p->in_c;
                        const int8_t *w = p->weights + tap * p->in_c;
                        const int32_t in_c = p->in_c, input_offset = p->input_offset;
                        for (int32_t ic = 0; ic < in_c; ic++) acc += (x[ic] + input_offset) * w[ic];
                    }
                }
                acc = mf_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                y[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
    return MF_OK;
}

/* Plain O x KH x KW x I weights, no patches, one output pixel at a time. */
const mf_conv_layout_s8 *mf_conv2d_s8_get_layout(void) {
    static const mf_conv_layout_s8 layout = {1, 1, 0, 0, 1};
    return &layout;
}

/* No scratch. */
int32_t mf_conv2d_s8_get_buffer_size(const mf_conv_params_s8 *p) {
    (void)p;
    return 0;
}
