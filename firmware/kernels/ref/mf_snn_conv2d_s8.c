#include "mf_kernels.h"

/* The taps of each output that fall inside the input are computed first, so that the inner loops
 * carry no bounds checks (zero padding adds nothing). */
mf_status mf_snn_conv2d_s8(const mf_snn_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias,
                           int32_t *cur) {
    if (p->in_c < 0 || p->out_c < 0 || p->stride_h < 1 || p->stride_w < 1) return MF_ERR_ARG;
    const int32_t plane = p->in_h * p->in_w, taps = p->k_h * p->k_w;
    for (int32_t oy = 0; oy < p->out_h; oy++) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        const int32_t i0 = y0 < 0 ? -y0 : 0, i1 = y0 + p->k_h > p->in_h ? p->in_h - y0 : p->k_h;
        for (int32_t ox = 0; ox < p->out_w; ox++) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            const int32_t j0 = x0 < 0 ? -x0 : 0, j1 = x0 + p->k_w > p->in_w ? p->in_w - x0 : p->k_w;
            for (int32_t o = 0; o < p->out_c; o++) {
                int32_t acc = bias[o];
                const int8_t *wo = w + o * p->in_c * taps;
                for (int32_t c = 0; c < p->in_c; c++) {
                    const int8_t *xc = x + c * plane + y0 * p->in_w + x0, *wc = wo + c * taps;
                    for (int32_t i = i0; i < i1; i++)
                        for (int32_t j = j0; j < j1; j++) acc += (int32_t)wc[i * p->k_w + j] * xc[i * p->in_w + j];
                }
                cur[(o * p->out_h + oy) * p->out_w + ox] = acc;
            }
        }
    }
    return MF_OK;
}
