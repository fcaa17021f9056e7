#include "mf_dwconv_s8_common.h"

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            mf_dw_window w = mf_dw_window_of(p, oy, ox);
            for (int oc = 0; oc < p->out_c; oc++)
                out[(oy * p->out_w + ox) * p->out_c + oc] = mf_dw_channel_scalar(p, in, w, oc);
        }
    return MF_OK;
}
