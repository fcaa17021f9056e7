/* RVV fp16 dense with fp32 accumulation (Zvfh): what ref/mf_dense_f16_acc32.c specifies, bit
 * for bit: fp16 in memory; out[r][u] = bias[u] + the sum over k of in[r][k] * w[u][k] in fp32,
 * in k order, clamped to [act_min, act_max] rounded to fp16, rounded to fp16 once.
 *
 * How (mf_dense_nest, mf_dense_float_rvv.h; VLEN 128): for each input row, for each weight
 * block of 16 units, one accumulator (an LMUL=4 group of fp32) starts from the bias (widened by
 * VFWCVT); per input element k, one VLE16 of the block's weights (LMUL=2) and one VFWMACC.VF by
 * in[k]; then the block's sums are clamped (VFMAX.VF, VFMIN.VF) in fp32, rounded to fp16 once
 * (VFNCVT) and stored, vl shortened at the units tail. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_dense_float_rvv.h"

mf_status mf_dense_f16_acc32(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_dense_nest(p, in, out);
}
