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

/* Requantizes n accumulated channels from c0 into the output pixel y. */
static inline void mf_dw_store(const mf_conv_params_s8 *p, int8_t *y, int c0, const int32_t *sums, int n) {
    for (int i = 0; i < n; i++) {
        int32_t v = mf_requantize(sums[i], p->multiplier[c0 + i], p->shift[c0 + i]);
        y[c0 + i] = (int8_t)mf_clamp(v + p->output_offset, p->act_min, p->act_max);
    }
}

#endif
