#include "mf_dwconv_s8_common.h"

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    return mf_depthwise_scalar(p, in, out);
}
