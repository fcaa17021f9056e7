/* Reference int8 depthwise conv2d, portable C: TFLite's int8 depthwise convolution (as TFLite
 * Micro's reference kernel, depthwise_conv.h), the specification that the ISA variants match
 * bit for bit.
 *
 * Input and output NHWC, batch 1; output channel oc = ic * depth_multiplier + m reads input
 * channel ic. Weights KH x KW x (in_c * depth_multiplier); bias, multiplier and shift per output
 * channel. Each output channel starts from its bias and adds (x + input_offset) * w over the
 * taps of its window that lie inside the input, in (ky, kx) order (the taps in the padding are
 * skipped); the int32 sum is requantized (mf_requantize: TFLite's
 * MultiplyByQuantizedMultiplier), moved by the output offset and clamped to the activation
 * range. Output pixels are computed one at a time in row-major order, every channel of a pixel
 * after reading its window: the host's in-place planning relies on that order
 * (integer/inplace.py). p->bias_with_offset is not read here. */
#include "mf_conv_s8_common.h" /* mf_window_of: the taps of a window inside the input */

/* Output channel oc of the output pixel whose window is w. */
static inline int8_t channel(const mf_conv_params_s8 *p, const int8_t *in, mf_window w, int oc) {
    const int ic = oc / p->depth_multiplier; /* the input channel */
    int32_t acc = p->bias[oc];
    for (int ky = w.ky0; ky < w.ky1; ky++) {
        for (int kx = w.kx0; kx < w.kx1; kx++) {
            const int iy = w.iy0 + ky * p->dilation_h, ix = w.ix0 + kx * p->dilation_w;
            acc += (in[(iy * p->in_w + ix) * p->in_c + ic] + p->input_offset) *
                   p->weights[(ky * p->k_w + kx) * p->out_c + oc];
        }
    }
    acc = mf_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)mf_clamp(acc, p->act_min, p->act_max);
}

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const mf_window w = mf_window_of(p, oy, ox);
            for (int oc = 0; oc < p->out_c; oc++)
                out[(oy * p->out_w + ox) * p->out_c + oc] = channel(p, in, w, oc);
        }
    }
    return MF_OK;
}
