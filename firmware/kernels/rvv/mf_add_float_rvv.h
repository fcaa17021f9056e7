/* RVV elementwise add nest for fp16 and fp32 (mf_float_rvv.h picks the type), the body of
 * mf_add_f16 and mf_add_f32: one LMUL=2 group (MF_BLOCK elements, fewer at the tail) per
 * VFADD. */
#include "mf_float_rvv.h"

/* Not always_inline (inlined all the same: one call): inlined that early, the loop's three
 * pointer increments come out in another order. */
static inline mf_status mf_add_nest(const mf_add_params_f *p, const mf_elem *a, const mf_elem *b, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int i = 0; i < p->size; i += MF_BLOCK) {
        const size_t vl = MF_VSETVL((size_t)(p->size - i));
        mf_store_block(out + i, MF_VFADD(MF_VLE(a + i, vl), MF_VLE(b + i, vl), vl), lo, hi, p->size - i);
    }
    return MF_OK;
}
