/* Helium dense nest for fp16 and fp32 (mf_float_mve.h picks the type): per input element,
 * two q-register weight loads and two VFMAs (vector x scalar) per block of units. */
#include "mf_float_mve.h"

mf_status MF_FN(dense)(const mf_dense_params_f *p, const mf_elem *in, mf_elem *out) {
    const int block = 2 * MF_LANES;
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        const mf_elem *w = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
        for (int u = 0; u < p->units; u += block, bias += block) {
            mf_vec a0 = MF_VLD(bias), a1 = MF_VLD(bias + MF_LANES);
            for (int k = 0; k < p->depth; k++, w += block) {
                a0 = MF_VFMA_N(a0, MF_VLD(w), in[k]);
                a1 = MF_VFMA_N(a1, MF_VLD(w + MF_LANES), in[k]);
            }
            mf_store_block(out + u, a0, a1, lo, hi, p->units - u);
        }
    }
    return MF_OK;
}
