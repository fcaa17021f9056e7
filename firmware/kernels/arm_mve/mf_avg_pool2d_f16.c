/* Helium fp16 average pooling: what ref/mf_avg_pool2d_f16.c specifies, bit for bit: each output
 * channel sums, in fp16, the input values of the taps of its window inside the input in
 * (ky, kx) order, times the reciprocal of k_h * k_w rounded to fp16.
 *
 * How (mf_pool2d_nest, mf_pool2d_float_mve.h, with max = 0): for each output pixel, for each 8
 * channels (one q register, only the channel tail predicated), an accumulator from 0 adds
 * (VADD) each tap's input over the taps inside the window in (ky, kx) order, then one VMUL by
 * the reciprocal; then stored. */
#define MF_FLOAT_F16 1
#include "mf_pool2d_float_mve.h"

mf_status mf_avg_pool2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_pool2d_nest(p, in, out, 0);
}
