/* RVV dense nest for fp16, fp32 and fp16 with fp32 accumulation (mf_float_rvv.h picks the
 * types), the body of mf_dense_f16, mf_dense_f32 and mf_dense_f16_acc32: per input element
 * one LMUL=2 weight load and one VFMACC.VF (VFWMACC.VF into fp32) per block of units. */
#include "mf_float_rvv.h"

static inline __attribute__((always_inline)) mf_status mf_dense_nest(const mf_dense_params_f *p, const mf_elem *in,
                                                                     mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_elem *w = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
        for (int u = 0; u < p->units; u += MF_BLOCK, bias += MF_BLOCK) {
            const size_t vl = MF_VSETVL(MF_BLOCK);
            mf_acc acc = MF_ACC_LOAD(bias, vl);
            for (int k = 0; k < p->depth; k++, w += MF_BLOCK) acc = MF_ACC_FMA(acc, in[k], MF_VLE(w, vl), vl);
            mf_store_block(out + u, acc, lo, hi, p->units - u);
        }
    }
    return MF_OK;
}
