/* int8 convolution with the ISA's dot product per tap; the input offset enters once per tap
 * through the host-computed tap sums (exact in int32). Without tap sums (few input channels)
 * the offset is added per MAC. */
#include "mf_mve_dot.h"
#include "mf_conv_s8_common.h"

mf_status mf_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    if (p->tap_sums) {
        MF_CONV_S8_LOOPS(p, in, out, mf_mve_dot_s8(acc, x, w, p->in_c) + p->input_offset * p->tap_sums[tap])
    } else {
        MF_CONV_S8_LOOPS(p, in, out, mf_conv_tap_scalar(acc, x, w, p->in_c, p->input_offset))
    }
    return MF_OK;
}
