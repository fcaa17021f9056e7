/* RISC-V vectors: int8 dot product, VWMUL to int16 and VWREDSUM into int32; TFLite's
 * requantization on four lanes. */
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

/* mf_requantize on vl lanes of int32 (m1: up to 4). VSMUL with round-to-nearest-up is
 * SaturatingRoundingDoublingHighMul; the fixup makes VSSRA's round-half-up round half away from
 * zero, as RoundingDivideByPOT. */
static inline vint32m1_t mf_rvv_mbqm(vint32m1_t x, vint32m1_t multiplier, vint32m1_t shift, size_t vl) {
    vint32m1_t right = __riscv_vmin_vx_i32m1(shift, 0, vl); /* -(right shift) */
    x = __riscv_vsll_vv_i32m1(x, __riscv_vreinterpret_v_i32m1_u32m1(__riscv_vmax_vx_i32m1(shift, 0, vl)), vl);
    x = __riscv_vsmul_vv_i32m1(x, multiplier, __RISCV_VXRM_RNU, vl);
    x = __riscv_vsadd_vv_i32m1(x, __riscv_vsra_vx_i32m1(__riscv_vand_vv_i32m1(x, right, vl), 31, vl), vl);
    return __riscv_vssra_vv_i32m1(x, __riscv_vreinterpret_v_i32m1_u32m1(__riscv_vneg_v_i32m1(right, vl)),
                                  __RISCV_VXRM_RNU, vl);
}

/* The output offset and the clamp, stored as int8 at y. */
static inline void mf_rvv_store_s8(int8_t *y, vint32m1_t x, int32_t output_offset, int32_t act_min, int32_t act_max,
                                   size_t vl) {
    x = __riscv_vadd_vx_i32m1(x, output_offset, vl);
    x = __riscv_vmin_vx_i32m1(__riscv_vmax_vx_i32m1(x, act_min, vl), act_max, vl);
    __riscv_vse8_v_i8mf4(y, __riscv_vncvt_x_x_w_i8mf4(__riscv_vncvt_x_x_w_i16mf2(x, vl), vl), vl);
}

/* Requantizes vl per-channel accumulators of channels c.. and stores them as int8 at y + c. */
static inline void mf_rvv_requantize_store(int8_t *y, vint32m1_t acc, const int32_t *multiplier, const int32_t *shift,
                                           int c, size_t vl, int32_t output_offset, int32_t act_min, int32_t act_max) {
    vint32m1_t x = mf_rvv_mbqm(acc, __riscv_vle32_v_i32m1(multiplier + c, vl), __riscv_vle32_v_i32m1(shift + c, vl), vl);
    mf_rvv_store_s8(y + c, x, output_offset, act_min, act_max, vl);
}

#endif
