/* RVV fp16 dense (Zvfh): what ref/mf_dense_f16.c specifies, bit for bit: out[r][u] = bias[u] +
 * the sum over k of in[r][k] * w[u][k] in fp16, in k order, clamped to [act_min, act_max]
 * rounded to fp16.
 *
 * How (mf_dense_nest, mf_dense_float_rvv.h; VLEN 128): for each input row, for each weight
 * block of 16 units, one accumulator (an LMUL=2 group of fp16) starts from the bias; per input
 * element k, one VLE16 of the block's weights (LMUL=2) and one VFMACC.VF by in[k]; then the
 * block's sums are clamped (VFMAX.VF, VFMIN.VF) and stored, vl shortened at the units tail. */
#define MF_FLOAT_F16 1
#include "mf_dense_float_rvv.h"

mf_status mf_dense_f16(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_dense_nest(p, in, out);
}
