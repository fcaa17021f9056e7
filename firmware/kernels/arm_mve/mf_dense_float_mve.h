/* Helium dense nest for fp16, fp32 and fp16 with fp32 accumulation (mf_float_mve.h picks the
 * types), the body of mf_dense_f16, mf_dense_f32 and mf_dense_f16_acc32: per input element,
 * one pair of q registers of weights (MF_LOAD_PAIR) and two VFMAs (vector x scalar) per pass of
 * MF_STEP units. */
#include "mf_float_mve.h"

static inline __attribute__((always_inline)) mf_status mf_dense_nest(const mf_dense_params_f *p, const mf_elem *in,
                                                                     mf_elem *out) {
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    for (int r = 0; r < p->rows; r++, in += p->depth, out += p->units) {
        for (int u = 0; u < p->units; u += MF_STEP) {
            const mf_elem *w = (const mf_elem *)p->weights + u / MF_BLOCK * p->depth * MF_BLOCK + u % MF_BLOCK;
            mf_vec a0, a1, w0, w1;
            MF_LOAD_PAIR((const mf_elem *)p->bias + u, a0, a1);
            for (int k = 0; k < p->depth; k++, w += MF_BLOCK) {
                MF_LOAD_PAIR(w, w0, w1);
                a0 = MF_VFMA_N(a0, w0, in[k]);
                a1 = MF_VFMA_N(a1, w1, in[k]);
            }
            mf_store_block(out + u, a0, a1, lo, hi, p->units - u);
        }
    }
    return MF_OK;
}
