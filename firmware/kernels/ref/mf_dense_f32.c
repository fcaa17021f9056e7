/* Reference fp32 dense (fully connected), portable C: the specification that the ISA
 * variants (arm_mve/, rvv/) match bit for bit.
 *
 * in: rows x depth, out: rows x units. The weights are stored by the host (codegen/bound.py) in
 * blocks of BLOCK units, zero-padded to whole blocks, the block's units innermost:
 *     weights[units / BLOCK][depth][BLOCK],   bias[units rounded up to BLOCK]
 * Each unit starts from its bias and adds x[k] * w[k], in fp32, for k = 0 .. depth - 1 in
 * order; the sum is clamped to [act_min, act_max]. STEP units are summed side by side in a
 * local array (registers where the core has enough): 32 bytes of accumulators, here a whole
 * block. */
#include "mf_kernels_float.h"

#define BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(float)) /* units of a weight block: 8 */
#define STEP (MF_FLOAT_BLOCK_BYTES / (int)sizeof(float))  /* units of a pass: 8 */

mf_status mf_dense_f32(const mf_dense_params_f *p, const float *in, float *out) {
    const float lo = p->act_min, hi = p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const float *wb = (const float *)p->weights, *bias = (const float *)p->bias;
        for (int ub = 0; ub < p->units; ub += BLOCK, wb += p->depth * BLOCK) {
            /* the passes over block [ub, ub + BLOCK): one here */
            for (int u = ub; u < ub + BLOCK && u < p->units; u += STEP) {
                float acc[STEP];
                for (int j = 0; j < STEP; j++) acc[j] = bias[u + j];
                const float *w = wb + (u - ub); /* the pass's weights of input k */
                for (int k = 0; k < p->depth; k++, w += BLOCK) {
                    for (int j = 0; j < STEP; j++) acc[j] += in[k] * w[j];
                }
                /* the pass's real units (the last block may be partly padding) */
                const int n = p->units - u < STEP ? p->units - u : STEP;
                for (int j = 0; j < n; j++) {
                    const float v = acc[j] < lo ? lo : acc[j];
                    out[u + j] = v > hi ? hi : v;
                }
            }
        }
    }
    return MF_OK;
}
