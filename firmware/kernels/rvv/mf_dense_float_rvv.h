/* RVV dense nest for fp16 and fp32 (mf_float_rvv.h picks the type): per input element one
 * LMUL=2 weight load and one VFMACC.VF per block of units. */
#include "mf_float_rvv.h"

mf_status MF_FN(dense)(const mf_dense_params_f *p, const mf_elem *in, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_elem *w = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
        for (int u = 0; u < p->units; u += MF_BLOCK, bias += MF_BLOCK) {
            const size_t vl = MF_VSETVL(MF_BLOCK);
            mf_vec acc = MF_VLE(bias, vl);
            for (int k = 0; k < p->depth; k++, w += MF_BLOCK) acc = MF_VFMACC_VF(acc, in[k], MF_VLE(w, vl), vl);
            mf_store_block(out + u, acc, lo, hi, p->units - u);
        }
    }
    return MF_OK;
}
