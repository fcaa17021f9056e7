/* RVV 1.0 float element types for the float nests (mf_conv2d_float_rvv.h,
 * mf_dense_float_rvv.h, mf_depthwise_conv2d_float_rvv.h, mf_add_float_rvv.h,
 * mf_pool2d_float_rvv.h), which define static inline nests in these types (mf_conv2d_nest,
 * ...), never a public function: each public kernel (mf_conv2d_f16.c, ...) sets MF_FLOAT_F16
 * to 1 (Zvfh, SEW=16) or 0 (Zve32f, SEW=32), includes its nest header and calls the nest.
 * One weight block (MF_FLOAT_BLOCK_BYTES) is one LMUL=2 register group at
 * VLEN 128, so the LMUL-weighted count charges each vector instruction 2.
 * MF_FLOAT_ACC32 1 with MF_FLOAT_F16 1 (conv2d and dense): fp16 weights and inputs, fp32
 * accumulators (mf_acc, one LMUL=4 group per block): VFWMACC.VF multiplies and adds widened
 * (the product of two fp16 is exact in fp32), VFNCVT rounds the clamped sum to fp16 once.
 * The nests accumulate in mf_acc through MF_ACC_LOAD, MF_ACC_FMA and mf_store_block. */
#ifndef MF_FLOAT_RVV_H
#define MF_FLOAT_RVV_H

#include <riscv_vector.h>

#include "mf_kernels_float.h"

#ifndef MF_FLOAT_ACC32
#define MF_FLOAT_ACC32 0
#endif

#if !MF_HAVE_RVV
#error "rvv kernels need the V extension or Zve32f (-march=..._zve32f)"
#endif

#if MF_FLOAT_F16
#if !MF_HAVE_RVV_FP16
#error "rvv fp16 kernels need Zvfh (-march=..._zvfh)"
#endif
typedef _Float16 mf_elem;
typedef vfloat16m2_t mf_vec;
#define MF_VSETVL(n) __riscv_vsetvl_e16m2(n)
#define MF_VLE(ptr, vl) __riscv_vle16_v_f16m2(ptr, vl)
#define MF_VSE(ptr, v, vl) __riscv_vse16_v_f16m2(ptr, v, vl)
#define MF_VFMACC_VF(acc, s, w, vl) __riscv_vfmacc_vf_f16m2(acc, s, w, vl)
#define MF_VFMACC_VV(acc, a, b, vl) __riscv_vfmacc_vv_f16m2(acc, a, b, vl)
#define MF_VFADD(a, b, vl) __riscv_vfadd_vv_f16m2(a, b, vl)
#define MF_VFMAX(a, b, vl) __riscv_vfmax_vv_f16m2(a, b, vl)
#define MF_VFMUL_VF(a, s, vl) __riscv_vfmul_vf_f16m2(a, s, vl)
#define MF_VFMV(s, vl) __riscv_vfmv_v_f_f16m2(s, vl)
#define MF_VFMAX_VF(v, s, vl) __riscv_vfmax_vf_f16m2(v, s, vl)
#define MF_VFMIN_VF(v, s, vl) __riscv_vfmin_vf_f16m2(v, s, vl)
#if MF_FLOAT_ACC32
typedef vfloat32m4_t mf_acc;
#define MF_ACC_LOAD(ptr, vl) __riscv_vfwcvt_f_f_v_f32m4(MF_VLE(ptr, vl), vl)
#define MF_ACC_FMA(acc, s, w, vl) __riscv_vfwmacc_vf_f32m4(acc, s, w, vl)
#endif
#else
typedef float mf_elem;
typedef vfloat32m2_t mf_vec;
#define MF_VSETVL(n) __riscv_vsetvl_e32m2(n)
#define MF_VLE(ptr, vl) __riscv_vle32_v_f32m2(ptr, vl)
#define MF_VSE(ptr, v, vl) __riscv_vse32_v_f32m2(ptr, v, vl)
#define MF_VFMACC_VF(acc, s, w, vl) __riscv_vfmacc_vf_f32m2(acc, s, w, vl)
#define MF_VFMACC_VV(acc, a, b, vl) __riscv_vfmacc_vv_f32m2(acc, a, b, vl)
#define MF_VFADD(a, b, vl) __riscv_vfadd_vv_f32m2(a, b, vl)
#define MF_VFMAX(a, b, vl) __riscv_vfmax_vv_f32m2(a, b, vl)
#define MF_VFMUL_VF(a, s, vl) __riscv_vfmul_vf_f32m2(a, s, vl)
#define MF_VFMV(s, vl) __riscv_vfmv_v_f_f32m2(s, vl)
#define MF_VFMAX_VF(v, s, vl) __riscv_vfmax_vf_f32m2(v, s, vl)
#define MF_VFMIN_VF(v, s, vl) __riscv_vfmin_vf_f32m2(v, s, vl)
#endif

#define MF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem))

#if MF_FLOAT_ACC32
/* Clamp to [lo, hi] in fp32, round to fp16 and store the first n (<= MF_BLOCK) lanes. */
static inline void mf_store_block(mf_elem *out, mf_acc v, mf_elem lo, mf_elem hi, int n) {
    size_t vl = MF_VSETVL((size_t)(n < MF_BLOCK ? n : MF_BLOCK));
    v = __riscv_vfmin_vf_f32m4(__riscv_vfmax_vf_f32m4(v, (float)lo, vl), (float)hi, vl);
    MF_VSE(out, __riscv_vfncvt_f_f_w_f16m2(v, vl), vl);
}
#else
typedef mf_vec mf_acc; /* accumulators in the element type */
#define MF_ACC_LOAD(ptr, vl) MF_VLE(ptr, vl)
#define MF_ACC_FMA(acc, s, w, vl) MF_VFMACC_VF(acc, s, w, vl)

/* Clamp to [lo, hi] and store the first n (<= MF_BLOCK) lanes. */
static inline void mf_store_block(mf_elem *out, mf_vec v, mf_elem lo, mf_elem hi, int n) {
    size_t vl = MF_VSETVL((size_t)(n < MF_BLOCK ? n : MF_BLOCK));
    MF_VSE(out, MF_VFMIN_VF(MF_VFMAX_VF(v, lo, vl), hi, vl), vl);
}
#endif

#endif
