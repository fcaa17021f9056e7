/* int8 fully connected on RVV: four units per pass over the input, each input vector (e8m4)
 * loaded once for four widening multiplies and reductions; the block's four sums are requantized
 * together on vector lanes. The input offset enters once per unit through the host-computed
 * filter sums (symmetric weights only, as TFLite's int8 spec). */
#include "mf_rvv_dot.h"
#include "mf_fc_s8_common.h"

#define BLOCK 4

static inline vint32m1_t dot(vint32m1_t sum, vint8m4_t x, const int8_t *w, size_t vl) {
    return __riscv_vwredsum_vs_i16m8_i32m1(__riscv_vwmul_vv_i16m8(x, __riscv_vle8_v_i8m4(w, vl), vl), sum, vl);
}

static inline void block(const mf_fc_params_s8 *p, const int8_t *x, int u0, int n, int8_t *y) {
    const int8_t *w0 = mf_fc_row(p, u0, n, 0), *w1 = mf_fc_row(p, u0, n, 1), *w2 = mf_fc_row(p, u0, n, 2),
                 *w3 = mf_fc_row(p, u0, n, 3);
    vint32m1_t s0 = __riscv_vmv_s_x_i32m1(0, 1), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0, left = (size_t)p->depth, vl; left > 0; left -= vl, i += vl) {
        vl = __riscv_vsetvl_e8m4(left);
        vint8m4_t v = __riscv_vle8_v_i8m4(x + i, vl);
        s0 = dot(s0, v, w0 + i, vl), s1 = dot(s1, v, w1 + i, vl), s2 = dot(s2, v, w2 + i, vl), s3 = dot(s3, v, w3 + i, vl);
    }
    int32_t acc[BLOCK] = {__riscv_vmv_x_s_i32m1_i32(s0), __riscv_vmv_x_s_i32m1_i32(s1), __riscv_vmv_x_s_i32m1_i32(s2),
                          __riscv_vmv_x_s_i32m1_i32(s3)};
    size_t vl = __riscv_vsetvl_e32m1((size_t)n);
    vint32m1_t sums = __riscv_vle32_v_i32m1(acc, vl);
    sums = __riscv_vadd_vv_i32m1(sums, __riscv_vle32_v_i32m1(p->bias_with_offset + u0, vl), vl);
    mf_rvv_requantize_store(y, sums, p->multiplier, p->shift, u0, vl, p->output_offset, p->act_min, p->act_max);
}

/* out = requantized(in x weights^T + bias): BLOCK units a pass over each input row (block),
 * then the remaining units as one short block. Symmetric weights only (filter_offset 0), with
 * the host-computed bias_with_offset; else MF_ERR_ARG. */
mf_status mf_fully_connected_s8(const mf_fc_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_fc_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->filter_offset != 0 || !p->bias_with_offset) return MF_ERR_ARG;
    MF_FC_S8_UNIT_BLOCKS(p, in, out, BLOCK, block)
    return MF_OK;
}
