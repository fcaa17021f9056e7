/* Helium fp32 dense: what ref/mf_dense_f32.c specifies, bit for bit: out[r][u] = bias[u] + the
 * sum over k of in[r][k] * w[u][k] in fp32, in k order, clamped to [act_min, act_max].
 *
 * How (mf_dense_nest, mf_dense_float_mve.h): for each input row, for each pass of 8 units (one
 * weight block), two fp32 q registers of accumulators start from the bias; per input element k,
 * the block's weights (two VLDRW) and two VFMA.F32 by in[k]; then the pass's sums are clamped
 * (VMAXNM, VMINNM) and stored, predicated at the units tail. */
#define MF_FLOAT_F16 0
#include "mf_dense_float_mve.h"

mf_status mf_dense_f32(const mf_dense_params_f *p, const float *in, float *out) {
    return mf_dense_nest(p, in, out);
}
