/* RISC-V vectors: int8 dot product, VWMUL to int16 and VWREDSUM into int32. */
#ifndef MF_RVV_DOT_H
#define MF_RVV_DOT_H

#include <riscv_vector.h>
#include <stdint.h>

#include "mf_features.h"

#if !MF_HAVE_RVV
#error "rvv kernels need the RISC-V vector extension (-march=..._zve32x or _v)"
#endif

/* acc + sum(a[i] * b[i]) over n int8 elements. */
static inline int32_t mf_rvv_dot_s8(int32_t acc, const int8_t *a, const int8_t *b, int32_t n) {
    vint32m1_t sum = __riscv_vmv_s_x_i32m1(acc, 1);
    for (size_t left = (size_t)n, vl; left > 0; left -= vl, a += vl, b += vl) {
        vl = __riscv_vsetvl_e8m2(left);
        vint16m4_t prod = __riscv_vwmul_vv_i16m4(__riscv_vle8_v_i8m2(a, vl), __riscv_vle8_v_i8m2(b, vl), vl);
        sum = __riscv_vwredsum_vs_i16m4_i32m1(prod, sum, vl);
    }
    return __riscv_vmv_x_s_i32m1_i32(sum);
}

#endif
