/* RVV fp32 depthwise conv2d: what ref/mf_depthwise_conv2d_f32.c specifies, bit for bit (depth
 * multiplier 1): each channel starts from its bias and adds x * w in fp32 over the taps of its
 * window inside the input, in (ky, kx) order, then is clamped to [act_min, act_max].
 *
 * How (mf_depthwise_conv2d_nest, mf_depthwise_conv2d_float_rvv.h; VLEN 128): for each output
 * row, the pixels whose windows lie inside the input left and right in runs of up to 4
 * (mf_whole_run), the others one at a time; for each LMUL=2 group of 8 channels (vl shorter at
 * the channel tail), accumulators start from the bias; per tap inside the window one weight
 * load, then per pixel one input load and one VFMACC.VV; then clamped (VFMAX.VF, VFMIN.VF) and
 * stored. Taps outside the input are skipped. No scratch. */
#define MF_FLOAT_F16 0
#include "mf_depthwise_conv2d_float_rvv.h"

mf_status mf_depthwise_conv2d_f32(const mf_conv_params_f *p, const float *in, float *out) {
    return mf_depthwise_conv2d_nest(p, in, out);
}
