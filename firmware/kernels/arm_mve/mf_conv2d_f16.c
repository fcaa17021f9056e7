/* Helium fp16 conv2d: what ref/mf_conv2d_f16.c specifies, bit for bit: each output channel
 * starts from its bias and adds x * w in fp16 over the taps of its window inside the input, in
 * (ky, kx, ic) order, then is clamped to [act_min, act_max] rounded to fp16.
 *
 * How (MF_CONV2D_NEST, mf_conv2d_float_mve.h): for each output row, runs of 3 output pixels (a
 * shorter run at the row's end repeats its first pixel in the spare accumulators and stores
 * only its own); for each pass of 16 output channels (one weight block), 6 accumulators (3
 * pixels x 2 q registers of fp16) start from the bias; per input element the block's weights
 * (two VLDRH) feed 6 VFMA.F16 (vector x the pixel's scalar input). A filter row inside the
 * input for every pixel of the run is one contiguous run of k_w * in_c elements; elsewhere
 * filter rows above or below the input are skipped and the other taps outside it read the zero
 * pixel in p->scratch (adding nothing). Then each pixel's sums are clamped (VMAXNM, VMINNM) and
 * stored, predicated at the out_c tail. */
#define MF_FLOAT_F16 1
#include "mf_conv2d_float_mve.h"

mf_status mf_conv2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    MF_CONV2D_NEST(p, in, out)
    return MF_OK;
}
