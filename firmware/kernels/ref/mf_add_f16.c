/* Reference fp16 elementwise add (a residual add), portable C: the specification that the ISA
 * variants (arm_mve/, rvv/) match bit for bit. out[i] = a[i] + b[i] in fp16, clamped to
 * [act_min, act_max] rounded to fp16. */
#include "mf_kernels_float.h"

mf_status mf_add_f16(const mf_add_params_f *p, const mf_f16 *a, const mf_f16 *b, mf_f16 *out) {
    const mf_f16 lo = (mf_f16)p->act_min, hi = (mf_f16)p->act_max;
    for (int i = 0; i < p->size; i++) {
        const mf_f16 s = a[i] + b[i];
        const mf_f16 v = s < lo ? lo : s;
        out[i] = v > hi ? hi : v;
    }
    return MF_OK;
}
