/* RVV fp32 elementwise add (a residual add), what ref/mf_add_f32.c specifies, bit for bit:
 * out[i] = a[i] + b[i] in fp32, clamped to [act_min, act_max], for i < p->size.
 *
 * How (mf_add_nest, mf_add_float_rvv.h; VLEN 128): one LMUL=2 group of 8 elements a step (vl
 * shorter at the tail): two loads, one VFADD.VV, clamped (VFMAX.VF, VFMIN.VF) and stored. */
#define MF_FLOAT_F16 0
#include "mf_add_float_rvv.h"

mf_status mf_add_f32(const mf_add_params_f *p, const float *a, const float *b, float *out) {
    return mf_add_nest(p, a, b, out);
}
