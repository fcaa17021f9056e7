/* RISC-V vector int8 add: up to 4 elements per pass at e32,m1; each input's rescaled term
 * loaded from its host table (indexed VLUXEI32, byte offset ((uint8)v ^ 0x80) * 4 = (v + 128)
 * * 4), the sum rescaled on the vector lanes. */
#include "mf_rvv_dot.h"
#include "mf_kernels.h"

static inline vint32m1_t lookup(const int32_t *table, const int8_t *v, size_t vl) {
    vuint32m1_t index = __riscv_vzext_vf4_u32m1(__riscv_vle8_v_u8mf4((const uint8_t *)v, vl), vl);
    index = __riscv_vsll_vx_u32m1(__riscv_vxor_vx_u32m1(index, 0x80, vl), 2, vl);
    return __riscv_vluxei32_v_i32m1(table, index, vl);
}

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    for (size_t left = (size_t)p->size, vl; left > 0; left -= vl, a += vl, b += vl, out += vl) {
        vl = __riscv_vsetvl_e32m1(left);
        vint32m1_t sum = __riscv_vadd_vv_i32m1(lookup(p->table1, a, vl), lookup(p->table2, b, vl), vl);
        sum = mf_rvv_mbqm(sum, __riscv_vmv_v_x_i32m1(p->output_multiplier, vl),
                          __riscv_vmv_v_x_i32m1(p->output_shift, vl), vl);
        mf_rvv_store_s8(out, sum, p->output_offset, p->act_min, p->act_max, vl);
    }
    return MF_OK;
}
