/* RVV fp16 elementwise add (a residual add, Zvfh), what ref/mf_add_f16.c specifies, bit for
 * bit: out[i] = a[i] + b[i] in fp16, clamped to [act_min, act_max] rounded to fp16, for i <
 * p->size.
 *
 * How (mf_add_nest, mf_add_float_rvv.h; VLEN 128): one LMUL=2 group of 16 elements a step (vl
 * shorter at the tail): two loads, one VFADD.VV, clamped (VFMAX.VF, VFMIN.VF) and stored. */
#define MF_FLOAT_F16 1
#include "mf_add_float_rvv.h"

mf_status mf_add_f16(const mf_add_params_f *p, const mf_f16 *a, const mf_f16 *b, mf_f16 *out) {
    return mf_add_nest(p, a, b, out);
}
