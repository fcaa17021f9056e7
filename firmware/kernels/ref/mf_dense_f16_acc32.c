/* Reference fp16 dense with fp32 accumulation, portable C: the specification that the ISA
 * variants (arm_mve/, rvv/) match bit for bit. fp16 in memory (mf_dense_f16's layout), each
 * operand widened to fp32, products and sums in fp32, rounded to fp16 once (as
 * mf_conv2d_f16_acc32.c).
 *
 * in: rows x depth, out: rows x units. The weights are stored by the host (codegen/bound.py) in
 * blocks of BLOCK units, zero-padded to whole blocks, the block's units innermost:
 *     weights[units / BLOCK][depth][BLOCK],   bias[units rounded up to BLOCK]
 * Each unit starts from its bias and adds x[k] * w[k], in fp32, for k = 0 .. depth - 1 in
 * order; the sum is clamped to [act_min, act_max] (the bounds rounded to fp16 first) and
 * rounded to fp16 once. STEP units are summed side by side in a local array (registers where
 * the core has enough): 32 bytes of fp32 accumulators, half a block, so a block takes two
 * passes. */
#include "mf_kernels_float.h"

#define BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_f16)) /* units of a weight block: 16 */
#define STEP (MF_FLOAT_BLOCK_BYTES / (int)sizeof(float))   /* units of a pass: 8 */

mf_status mf_dense_f16_acc32(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out) {
    const mf_f16 lo = (mf_f16)p->act_min, hi = (mf_f16)p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_f16 *wb = (const mf_f16 *)p->weights, *bias = (const mf_f16 *)p->bias;
        for (int ub = 0; ub < p->units; ub += BLOCK, wb += p->depth * BLOCK) {
            /* the passes over block [ub, ub + BLOCK): two here */
            for (int u = ub; u < ub + BLOCK && u < p->units; u += STEP) {
                float acc[STEP];
                for (int j = 0; j < STEP; j++) acc[j] = (float)bias[u + j];
                const mf_f16 *w = wb + (u - ub); /* the pass's weights of input k */
                for (int k = 0; k < p->depth; k++, w += BLOCK) {
                    for (int j = 0; j < STEP; j++) acc[j] += (float)in[k] * (float)w[j];
                }
                /* the pass's real units (the last block may be partly padding) */
                const int n = p->units - u < STEP ? p->units - u : STEP;
                for (int j = 0; j < n; j++) {
                    const float v = acc[j] < (float)lo ? (float)lo : acc[j];
                    out[u + j] = (mf_f16)(v > (float)hi ? (float)hi : v);
                }
            }
        }
    }
    return MF_OK;
}
