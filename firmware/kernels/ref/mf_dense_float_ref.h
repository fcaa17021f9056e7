/* The reference dense nest (blocked weights, see mf_kernels_float.h) for every element type:
 * the including file defines mf_elem and MF_DENSE, and MF_ACC where the accumulator type
 * differs (as mf_conv2d_float_ref.h). 32 bytes of accumulators (MF_REF_STEP units) at a time
 * in a local array, from the bias, then over the depth in order (as the ISA variants). */
#include "mf_kernels_float.h"

#ifndef MF_ACC
#define MF_ACC mf_elem
#endif

#define MF_REF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem)) /* units of a weight block */
#define MF_REF_STEP (MF_FLOAT_BLOCK_BYTES / (int)sizeof(MF_ACC))  /* units of a pass */

mf_status MF_DENSE(const mf_dense_params_f *p, const mf_elem *in, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_elem *wb = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
        for (int ub = 0; ub < p->units; ub += MF_REF_BLOCK, wb += p->depth * MF_REF_BLOCK) {
            for (int u = ub; u < ub + MF_REF_BLOCK && u < p->units; u += MF_REF_STEP) {
                MF_ACC acc[MF_REF_STEP];
                for (int j = 0; j < MF_REF_STEP; j++) acc[j] = (MF_ACC)bias[u + j];
                const mf_elem *w = wb + (u - ub);
                for (int k = 0; k < p->depth; k++, w += MF_REF_BLOCK) {
                    for (int j = 0; j < MF_REF_STEP; j++) acc[j] += (MF_ACC)in[k] * (MF_ACC)w[j];
                }
                const int n = p->units - u < MF_REF_STEP ? p->units - u : MF_REF_STEP;
                for (int j = 0; j < n; j++) {
                    const MF_ACC v = acc[j] < (MF_ACC)lo ? (MF_ACC)lo : acc[j];
                    out[u + j] = (mf_elem)(v > (MF_ACC)hi ? (MF_ACC)hi : v);
                }
            }
        }
    }
    return MF_OK;
}
