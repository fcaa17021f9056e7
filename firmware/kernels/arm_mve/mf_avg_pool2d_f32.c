/* Helium fp32 average pooling: what ref/mf_avg_pool2d_f32.c specifies, bit for bit: each output
 * channel sums, in fp32, the input values of the taps of its window inside the input in
 * (ky, kx) order, times the reciprocal of k_h * k_w rounded to fp32.
 *
 * How (mf_pool2d_nest, mf_pool2d_float_mve.h, with max = 0): for each output pixel, for each 4
 * channels (one q register, only the channel tail predicated), an accumulator from 0 adds
 * (VADD) each tap's input over the taps inside the window in (ky, kx) order, then one VMUL by
 * the reciprocal; then stored. */
#define MF_FLOAT_F16 0
#include "mf_pool2d_float_mve.h"

mf_status mf_avg_pool2d_f32(const mf_conv_params_f *p, const float *in, float *out) {
    return mf_pool2d_nest(p, in, out, 0);
}
