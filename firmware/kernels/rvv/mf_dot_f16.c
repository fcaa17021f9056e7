/* RISC-V Zvfh: VFMACC.VV at SEW=16 into a vector of partial sums, reduced once at the end. */
#include <riscv_vector.h>

#include "mf_kernels.h"

#if !MF_HAVE_RVV_FP16
#error "rvv fp16 kernels need Zvfh (-march=..._zvfh)"
#endif

mf_status mf_dot_f16(const mf_f16 *a, const mf_f16 *b, int32_t n, mf_f16 *out) {
    if (n < 0) return MF_ERR_ARG;
    size_t vlmax = __riscv_vsetvlmax_e16m1();
    vfloat16m1_t acc = __riscv_vfmv_v_f_f16m1(0, vlmax);
    for (size_t left = (size_t)n, vl; left > 0; left -= vl, a += vl, b += vl) {
        vl = __riscv_vsetvl_e16m1(left);
        /* _tu: lanes past vl in the last pass keep their partial sums */
        acc = __riscv_vfmacc_vv_f16m1_tu(acc, __riscv_vle16_v_f16m1(a, vl), __riscv_vle16_v_f16m1(b, vl), vl);
    }
    vfloat16m1_t zero = __riscv_vfmv_v_f_f16m1(0, 1);
    *out = __riscv_vfmv_f_s_f16m1_f16(__riscv_vfredusum_vs_f16m1_f16m1(acc, zero, vlmax));
    return MF_OK;
}
