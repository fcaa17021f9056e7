/* The reference dense nest (blocked weights, see mf_kernels_float.h) for every element type:
 * the including file defines mf_elem and MF_DENSE, and MF_ACC where the accumulator type
 * differs (as mf_conv2d_float_ref.h). One block of units at a time in a local array, from the
 * bias, then over the depth in order (as the ISA variants). */
#include "mf_kernels_float.h"

#ifndef MF_ACC
#define MF_ACC mf_elem
#endif

#define MF_REF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem))

mf_status MF_DENSE(const mf_dense_params_f *p, const mf_elem *in, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_elem *w = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
        for (int u = 0; u < p->units; u += MF_REF_BLOCK, bias += MF_REF_BLOCK) {
            MF_ACC acc[MF_REF_BLOCK];
            for (int j = 0; j < MF_REF_BLOCK; j++) acc[j] = bias[j];
            for (int k = 0; k < p->depth; k++, w += MF_REF_BLOCK) {
                for (int j = 0; j < MF_REF_BLOCK; j++) acc[j] += (MF_ACC)in[k] * (MF_ACC)w[j];
            }
            const int n = p->units - u < MF_REF_BLOCK ? p->units - u : MF_REF_BLOCK;
            for (int j = 0; j < n; j++) {
                const MF_ACC v = acc[j] < (MF_ACC)lo ? (MF_ACC)lo : acc[j];
                out[u + j] = (mf_elem)(v > (MF_ACC)hi ? (MF_ACC)hi : v);
            }
        }
    }
    return MF_OK;
}
