/* Helium elementwise add nest for fp16 and fp32 (mf_float_mve.h picks the type), the body of
 * mf_add_f16 and mf_add_f32: MF_LANES elements per VADD, the tail predicated. */
#include "mf_float_mve.h"

static inline __attribute__((always_inline)) mf_status mf_add_nest(const mf_add_params_f *p, const mf_elem *a,
                                                                   const mf_elem *b, mf_elem *out) {
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    for (int i = 0; i < p->size; i += MF_LANES) {
        const mve_pred16_t pred = MF_VCTP((uint32_t)(p->size - i));
        mf_store_lanes(out + i, MF_VADD(MF_VLD_Z(a + i, pred), MF_VLD_Z(b + i, pred)), lo, hi, pred, 0);
    }
    return MF_OK;
}
