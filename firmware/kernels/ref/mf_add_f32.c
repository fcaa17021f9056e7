/* Reference fp32 elementwise add (a residual add), portable C: the specification that the ISA
 * variants (arm_mve/, rvv/) match bit for bit. out[i] = a[i] + b[i] in fp32, clamped to
 * [act_min, act_max]. */
#include "mf_kernels_float.h"

mf_status mf_add_f32(const mf_add_params_f *p, const float *a, const float *b, float *out) {
    const float lo = p->act_min, hi = p->act_max;
    for (int i = 0; i < p->size; i++) {
        const float s = a[i] + b[i];
        const float v = s < lo ? lo : s;
        out[i] = v > hi ? hi : v;
    }
    return MF_OK;
}
