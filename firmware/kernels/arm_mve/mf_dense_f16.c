/* Helium fp16 dense: what ref/mf_dense_f16.c specifies, bit for bit: out[r][u] = bias[u] + the
 * sum over k of in[r][k] * w[u][k] in fp16, in k order, clamped to [act_min, act_max] rounded
 * to fp16.
 *
 * How (mf_dense_nest, mf_dense_float_mve.h): for each input row, for each pass of 16 units (one
 * weight block), two fp16 q registers of accumulators start from the bias; per input element k,
 * the block's weights (two VLDRH) and two VFMA.F16 by in[k]; then the pass's sums are clamped
 * (VMAXNM, VMINNM) and stored, predicated at the units tail. */
#define MF_FLOAT_F16 1
#include "mf_dense_float_mve.h"

mf_status mf_dense_f16(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out) {
    return mf_dense_nest(p, in, out);
}
