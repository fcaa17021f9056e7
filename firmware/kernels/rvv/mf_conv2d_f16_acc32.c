/* RVV fp16 conv2d with fp32 accumulation (Zvfh): what ref/mf_conv2d_f16_acc32.c specifies, bit
 * for bit: fp16 in memory; each output channel starts from its widened bias and adds x * w in
 * fp32 over the taps of its window inside the input, in (ky, kx, ic) order, is clamped to
 * [act_min, act_max] rounded to fp16, and rounded to fp16 once.
 *
 * How (mf_conv2d_nest, mf_conv2d_float_rvv.h; VLEN 128): for each output row, runs of 4 output
 * pixels (a shorter run at the row's end repeats its first pixel in the spare accumulators and
 * stores only its own); for each weight block of 16 output channels, 4 accumulators (one LMUL=4
 * group of fp32 each) start from the bias (widened by VFWCVT); per input element one VLE16 of
 * the block's weights (LMUL=2) feeds 4 VFWMACC.VF (vector x the pixel's scalar input), two
 * elements an iteration. A filter row inside the input for every pixel of the run is one
 * contiguous run of k_w * in_c elements; elsewhere filter rows above or below the input are
 * skipped and the other taps outside it read the zero pixel in p->scratch (adding nothing).
 * Then each pixel's sums are clamped (VFMAX.VF, VFMIN.VF) in fp32, rounded to fp16 once
 * (VFNCVT) and stored, vl shortened at the out_c tail. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_conv2d_float_rvv.h"

mf_status mf_conv2d_f16_acc32(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_conv2d_nest(p, in, out);
}
