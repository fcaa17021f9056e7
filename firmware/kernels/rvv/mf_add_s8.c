/* RISC-V vector int8 add: up to 4 elements per pass at e32,m1 (int8 loads sign-extended by
 * VSEXT.VF4), TFLite's rescaling of both inputs and of the sum on the vector lanes. */
#include "mf_rvv_dot.h"
#include "mf_kernels.h"

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    for (size_t left = (size_t)p->size, vl; left > 0; left -= vl, a += vl, b += vl, out += vl) {
        vl = __riscv_vsetvl_e32m1(left);
        vint32m1_t x1 = __riscv_vsext_vf4_i32m1(__riscv_vle8_v_i8mf4(a, vl), vl);
        vint32m1_t x2 = __riscv_vsext_vf4_i32m1(__riscv_vle8_v_i8mf4(b, vl), vl);
        x1 = __riscv_vsll_vx_i32m1(__riscv_vadd_vx_i32m1(x1, p->input1_offset, vl), (size_t)p->left_shift, vl);
        x2 = __riscv_vsll_vx_i32m1(__riscv_vadd_vx_i32m1(x2, p->input2_offset, vl), (size_t)p->left_shift, vl);
        x1 = mf_rvv_mbqm(x1, __riscv_vmv_v_x_i32m1(p->input1_multiplier, vl), __riscv_vmv_v_x_i32m1(p->input1_shift, vl), vl);
        x2 = mf_rvv_mbqm(x2, __riscv_vmv_v_x_i32m1(p->input2_multiplier, vl), __riscv_vmv_v_x_i32m1(p->input2_shift, vl), vl);
        vint32m1_t sum = mf_rvv_mbqm(__riscv_vadd_vv_i32m1(x1, x2, vl), __riscv_vmv_v_x_i32m1(p->output_multiplier, vl),
                                     __riscv_vmv_v_x_i32m1(p->output_shift, vl), vl);
        mf_rvv_store_s8(out, sum, p->output_offset, p->act_min, p->act_max, vl);
    }
    return MF_OK;
}
