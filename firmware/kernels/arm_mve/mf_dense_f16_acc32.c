/* Helium fp16 dense with fp32 accumulation: what ref/mf_dense_f16_acc32.c specifies, bit for
 * bit: fp16 in memory; out[r][u] = bias[u] + the sum over k of in[r][k] * w[u][k] in fp32, in k
 * order, clamped to [act_min, act_max] rounded to fp16, rounded to fp16 once.
 *
 * How (mf_dense_nest, mf_dense_float_mve.h): for each input row, for each pass of 8 units (two
 * per weight block of 16), two fp32 q registers of accumulators start from the bias; per input
 * element k, one VLDRH of 8 weights widened by VCVTB/VCVTT.F32.F16 into its even and odd lanes
 * and two VFMA.F32 by in[k]; then the pass's sums are clamped (VMAXNM, VMINNM), narrowed back
 * into unit order (VCVTB/VCVTT.F16.F32) and stored, predicated at the units tail. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_dense_float_mve.h"

mf_status mf_dense_f16_acc32(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_dense_nest(p, in, out);
}
