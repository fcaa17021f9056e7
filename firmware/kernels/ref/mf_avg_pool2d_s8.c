/* Output pixels in row-major order, each from its window: the host writes the output over
 * the input where the input dies with the layer (toolchain/mcuforge/integer/inplace.py). */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            int y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
            int ys = y0 < 0 ? 0 : y0, ye = y0 + p->k_h > p->in_h ? p->in_h : y0 + p->k_h;
            int xs = x0 < 0 ? 0 : x0, xe = x0 + p->k_w > p->in_w ? p->in_w : x0 + p->k_w;
            int32_t count = (ye - ys) * (xe - xs);
            if (count <= 0) return MF_ERR_ARG;
            for (int c = 0; c < p->channels; c++) {
                int32_t acc = 0;
                for (int y = ys; y < ye; y++)
                    for (int x = xs; x < xe; x++) acc += in[(y * p->in_w + x) * p->channels + c];
                acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                out[(oy * p->out_w + ox) * p->channels + c] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
    return MF_OK;
}
