/* Helium fp32 depthwise conv2d: what ref/mf_depthwise_conv2d_f32.c specifies, bit for bit
 * (depth multiplier 1): each channel starts from its bias and adds x * w in fp32 over the taps
 * of its window inside the input, in (ky, kx) order, then is clamped to [act_min, act_max].
 *
 * How (mf_depthwise_conv2d_nest, mf_depthwise_conv2d_float_mve.h): for each output row, the
 * pixels whose windows lie inside the input left and right in runs of up to 2 (mf_whole_run),
 * the others one at a time; for each 8 channels (two q registers of fp32; only the channel tail
 * predicated), accumulators start from the bias; per tap inside the window two weight loads,
 * then per pixel two input loads and two VFMA.F32 (vector x vector); then clamped
 * (VMAXNM, VMINNM) and stored. Taps outside the input are skipped. No scratch. */
#define MF_FLOAT_F16 0
#include "mf_depthwise_conv2d_float_mve.h"

mf_status mf_depthwise_conv2d_f32(const mf_conv_params_f *p, const float *in, float *out) {
    return mf_depthwise_conv2d_nest(p, in, out);
}
