/* RISC-V vectors (Zve32x and up): VWMUL to int16, VWREDSUM into an int32 accumulator. */
#include <riscv_vector.h>

#include "mf_kernels.h"

#if !MF_HAVE_RVV
#error "rvv kernels need the RISC-V vector extension (-march=..._zve32x or _v)"
#endif

mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out) {
    if (n < 0) return MF_ERR_ARG;
    vint32m1_t acc = __riscv_vmv_s_x_i32m1(0, 1);
    for (size_t left = (size_t)n, vl; left > 0; left -= vl, a += vl, b += vl) {
        vl = __riscv_vsetvl_e8m1(left);
        vint16m2_t prod = __riscv_vwmul_vv_i16m2(__riscv_vle8_v_i8m1(a, vl), __riscv_vle8_v_i8m1(b, vl), vl);
        acc = __riscv_vwredsum_vs_i16m2_i32m1(prod, acc, vl);
    }
    *out = __riscv_vmv_x_s_i32m1_i32(acc);
    return MF_OK;
}
