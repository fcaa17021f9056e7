/* The int8 depthwise convolution, shared by the reference and the vector variants: output
 * pixels walk the image, each variant vectorizes over the channels of one output pixel. */
#ifndef MF_DWCONV_S8_COMMON_H
#define MF_DWCONV_S8_COMMON_H

#include "mf_conv_s8_common.h"

/* Channel oc (= ic * M + m) of one output pixel, one MAC at a time. */
static inline int8_t mf_dw_channel_scalar(const mf_conv_params_s8 *p, const int8_t *in, mf_window w, int oc) {
    int ic = oc / p->depth_multiplier;
    int32_t acc = p->bias[oc];
    for (int ky = w.ky0; ky < w.ky1; ky++)
        for (int kx = w.kx0; kx < w.kx1; kx++) {
            int iy = w.iy0 + ky * p->dilation_h, ix = w.ix0 + kx * p->dilation_w;
            acc += (in[(iy * p->in_w + ix) * p->in_c + ic] + p->input_offset) * p->weights[(ky * p->k_w + kx) * p->out_c + oc];
        }
    acc = mf_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)mf_clamp(acc, p->act_min, p->act_max);
}

/* The whole depthwise convolution one MAC at a time (the reference, and the variants' path for
 * layouts their vector loops do not take). */
static inline mf_status mf_depthwise_scalar(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            mf_window w = mf_window_of(p, oy, ox);
            for (int oc = 0; oc < p->out_c; oc++)
                out[(oy * p->out_w + ox) * p->out_c + oc] = mf_dw_channel_scalar(p, in, w, oc);
        }
    return MF_OK;
}

/* The SIMD variants' nest, for depth multiplier 1 (other layouts take mf_depthwise_scalar):
 * output pixels, blocks of BLOCK channels (then the tail block), then the taps of the window.
 * The input offset enters once per output through the host-computed filter sums (INIT starts
 * from p->bias_with_offset,
 * bias + input_offset * sum of the channel's weights), so a tap inside the input is one
 * multiply-accumulate of input and weight, and a tap in the padding (which TFLite skips) adds
 * zero point x weight, cancelling its share of the filter sum. The variant supplies, for acc_t
 * the accumulators of one block of n channels from c0 (x, w: the tap's input and weights at
 * channel c0; n is the constant BLOCK except in the tail block):
 *   INIT(p, c0, n) -> acc_t; TAP(acc, x, w, n) -> acc_t; PAD(acc, w, zero_point, n) -> acc_t;
 *   STORE(p, y, c0, n, acc): requantizes and stores at y + c0. */
#define MF_DW_S8_BLOCK(p, in, y, win, c0, n, acc_t, INIT, TAP, PAD, STORE)                       \
    {                                                                                            \
        acc_t acc_ = INIT(p, c0, n);                                                             \
        for (int ky = (win).ky0; ky < (win).ky1; ky++) {                                         \
            int32_t at_ = (((win).iy0 + ky * (p)->dilation_h) * (p)->in_w + (win).ix0 +         \
                           (win).kx0 * (p)->dilation_w) * (p)->in_c + (c0);                     \
            const int8_t *k_ = (p)->weights + (ky * (p)->k_w + (win).kx0) * (p)->out_c + (c0);  \
            for (int kx = (win).kx0; kx < (win).kx1; kx++, at_ += (p)->dilation_w * (p)->in_c, k_ += (p)->out_c) \
                acc_ = TAP(acc_, (in) + at_, k_, n);                                             \
        }                                                                                        \
        if (((win).ky1 - (win).ky0) * ((win).kx1 - (win).kx0) != (p)->k_h * (p)->k_w)           \
            for (int ky = 0; ky < (p)->k_h; ky++)                                                \
                for (int kx = 0; kx < (p)->k_w; kx++)                                            \
                    if (ky < (win).ky0 || ky >= (win).ky1 || kx < (win).kx0 || kx >= (win).kx1)  \
                        acc_ = PAD(acc_, (p)->weights + (ky * (p)->k_w + kx) * (p)->out_c + (c0), \
                                   -(p)->input_offset, n);                                       \
        STORE(p, y, c0, n, acc_);                                                                \
    }

#define MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, acc_t, INIT, TAP, PAD, STORE)                 \
    for (int oy = 0; oy < (p)->out_h; oy++)                                                      \
        for (int ox = 0; ox < (p)->out_w; ox++) {                                                \
            const mf_window win_ = mf_window_of(p, oy, ox);                                      \
            int8_t *y_ = (out) + (oy * (p)->out_w + ox) * (p)->out_c;                            \
            int c0_ = 0;                                                                         \
            for (; c0_ + (BLOCK) <= (p)->out_c; c0_ += (BLOCK))                                  \
                MF_DW_S8_BLOCK(p, in, y_, win_, c0_, BLOCK, acc_t, INIT, TAP, PAD, STORE)        \
            if (c0_ < (p)->out_c)                                                                \
                MF_DW_S8_BLOCK(p, in, y_, win_, c0_, (p)->out_c - c0_, acc_t, INIT, TAP, PAD, STORE) \
        }

#endif
