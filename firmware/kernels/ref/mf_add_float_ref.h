/* The reference elementwise add (a residual add) for both element types: the including file
 * defines mf_elem and MF_ADD. out = clamp(a + b, act_min, act_max). */
#include "mf_kernels_float.h"

mf_status MF_ADD(const mf_add_params_f *p, const mf_elem *a, const mf_elem *b, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int i = 0; i < p->size; i++) {
        const mf_elem s = a[i] + b[i];
        const mf_elem v = s < lo ? lo : s;
        out[i] = v > hi ? hi : v;
    }
    return MF_OK;
}
