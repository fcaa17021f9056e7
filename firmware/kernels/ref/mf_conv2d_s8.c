#include "mf_conv_s8_common.h"

mf_status mf_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    MF_CONV_S8_LOOPS(p, in, out, mf_conv_tap_scalar(acc, x, w, p->in_c, p->input_offset))
    return MF_OK;
}
