/* RVV fp32 dense: what ref/mf_dense_f32.c specifies, bit for bit: out[r][u] = bias[u] + the sum
 * over k of in[r][k] * w[u][k] in fp32, in k order, clamped to [act_min, act_max].
 *
 * How (mf_dense_nest, mf_dense_float_rvv.h; VLEN 128): for each input row, for each weight
 * block of 8 units, one accumulator (an LMUL=2 group of fp32) starts from the bias; per input
 * element k, one VLE32 of the block's weights (LMUL=2) and one VFMACC.VF by in[k]; then the
 * block's sums are clamped (VFMAX.VF, VFMIN.VF) and stored, vl shortened at the units tail. */
#define MF_FLOAT_F16 0
#include "mf_dense_float_rvv.h"

mf_status mf_dense_f32(const mf_dense_params_f *p, const float *in, float *out) {
    return mf_dense_nest(p, in, out);
}
