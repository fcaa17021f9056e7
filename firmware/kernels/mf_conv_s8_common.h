/* The int8 convolution loop nest, shared by the reference kernel and the ISA variants: each
 * variant supplies the inner product of one tap (MF_CONV_TAP), the reference adds the input
 * offset per MAC, the variants once per tap through the host-computed tap sums. */
#ifndef MF_CONV_S8_COMMON_H
#define MF_CONV_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* acc + sum over input channels of (x + input_offset) * w, one MAC at a time. */
static inline int32_t mf_conv_tap_scalar(int32_t acc, const int8_t *x, const int8_t *w, int32_t n, int32_t offset) {
    for (int32_t i = 0; i < n; i++) acc += (x[i] + offset) * w[i];
    return acc;
}

#define MF_CONV_S8_LOOPS(p, in, out, TAP)                                                        \
    for (int oy = 0; oy < (p)->out_h; oy++) {                                                    \
        for (int ox = 0; ox < (p)->out_w; ox++) {                                                \
            int8_t *y = (out) + (oy * (p)->out_w + ox) * (p)->out_c;                             \
            for (int oc = 0; oc < (p)->out_c; oc++) {                                            \
                int32_t acc = (p)->bias[oc];                                                     \
                for (int ky = 0; ky < (p)->k_h; ky++) {                                          \
                    int iy = oy * (p)->stride_h - (p)->pad_h + ky * (p)->dilation_h;             \
                    if (iy < 0 || iy >= (p)->in_h) continue;                                     \
                    for (int kx = 0; kx < (p)->k_w; kx++) {                                      \
                        int ix = ox * (p)->stride_w - (p)->pad_w + kx * (p)->dilation_w;         \
                        if (ix < 0 || ix >= (p)->in_w) continue;                                 \
                        int tap = (oc * (p)->k_h + ky) * (p)->k_w + kx;                          \
                        const int8_t *x = (in) + (iy * (p)->in_w + ix) * (p)->in_c;              \
                        const int8_t *w = (p)->weights + tap * (p)->in_c;                        \
                        acc = TAP;                                                               \
                    }                                                                            \
                }                                                                                \
                acc = mf_requantize(acc, (p)->multiplier[oc], (p)->shift[oc]) + (p)->output_offset; \
                y[oc] = (int8_t)mf_clamp(acc, (p)->act_min, (p)->act_max);                      \
            }                                                                                    \
        }                                                                                        \
    }

#endif
