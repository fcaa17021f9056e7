/* Helium fp32 max pooling: what ref/mf_max_pool2d_f32.c specifies, bit for bit: each output
 * channel is the largest input value of the taps of its window inside the input (-inf where
 * there are none).
 *
 * How (mf_pool2d_nest, mf_pool2d_float_mve.h, with max = 1): for each output pixel, for each 4
 * channels (one q register, only the channel tail predicated), an accumulator from -inf takes
 * the VMAXNM of each tap's input over the taps inside the window in (ky, kx) order; then
 * stored. */
#define MF_FLOAT_F16 0
#include "mf_pool2d_float_mve.h"

mf_status mf_max_pool2d_f32(const mf_conv_params_f *p, const float *in, float *out) {
    return mf_pool2d_nest(p, in, out, 1);
}
