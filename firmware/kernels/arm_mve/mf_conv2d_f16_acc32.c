/* Helium fp16 conv2d with fp32 accumulation: what ref/mf_conv2d_f16_acc32.c specifies, bit for
 * bit: fp16 in memory; each output channel starts from its widened bias and adds x * w in fp32
 * over the taps of its window inside the input, in (ky, kx, ic) order, is clamped to
 * [act_min, act_max] rounded to fp16, and rounded to fp16 once.
 *
 * How (MF_CONV2D_NEST, mf_conv2d_float_mve.h): for each output row, runs of 2 output pixels (a
 * shorter run at the row's end repeats its first pixel in the spare accumulators and stores
 * only its own); for each pass of 8 output channels (two per weight block of 16), 4
 * accumulators (2 pixels x 2 q registers of fp32) start from the bias; per input element one
 * VLDRH of 8 weights, widened by VCVTB/VCVTT.F32.F16 into its even and odd lanes, feed 4
 * VFMA.F32 (vector x the pixel's scalar input). A filter row inside the input for every pixel
 * of the run is one contiguous run of k_w * in_c elements; elsewhere filter rows above or below
 * the input are skipped and the other taps outside it read the zero pixel in p->scratch (adding
 * nothing). Then each pixel's sums are clamped (VMAXNM, VMINNM), narrowed back into channel
 * order (VCVTB/VCVTT.F16.F32) and stored, predicated at the out_c tail. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_conv2d_float_mve.h"

mf_status mf_conv2d_f16_acc32(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    MF_CONV2D_NEST(p, in, out)
    return MF_OK;
}
