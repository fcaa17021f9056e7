#include "mf_kernels.h"

mf_status mf_snn_conv2d_s8(const mf_snn_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias,
                           int32_t *cur) {
    if (p->in_c < 0 || p->out_c < 0 || p->stride_h < 1 || p->stride_w < 1) return MF_ERR_ARG;
    for (int32_t o = 0; o < p->out_c; o++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                int32_t acc = bias[o];
                for (int32_t c = 0; c < p->in_c; c++) {
                    const int8_t *wc = w + ((o * p->in_c + c) * p->k_h) * p->k_w;
                    const int8_t *xc = x + c * p->in_h * p->in_w;
                    for (int32_t i = 0; i < p->k_h; i++) {
                        const int32_t y = oy * p->stride_h - p->pad_h + i;
                        if (y < 0 || y >= p->in_h) continue;
                        for (int32_t j = 0; j < p->k_w; j++) {
                            const int32_t xx = ox * p->stride_w - p->pad_w + j;
                            if (xx < 0 || xx >= p->in_w) continue;
                            acc += (int32_t)wc[i * p->k_w + j] * xc[y * p->in_w + xx];
                        }
                    }
                }
                cur[(o * p->out_h + oy) * p->out_w + ox] = acc;
            }
        }
    }
    return MF_OK;
}
