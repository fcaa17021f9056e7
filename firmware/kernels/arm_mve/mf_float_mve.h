/* Helium float element types for the float nests (mf_conv2d_float_mve.h, mf_dense_float_mve.h):
 * the including file sets MF_FLOAT_F16 to 1 (fp16, 8 lanes, VFMA.F16) or 0 (fp32, 4 lanes).
 * One weight block (MF_FLOAT_BLOCK_BYTES) is two q registers. */
#ifndef MF_FLOAT_MVE_H
#define MF_FLOAT_MVE_H

#include <arm_mve.h>

#include "mf_kernels_float.h"

#if !MF_HAVE_MVE_FP
#error "arm_mve float kernels need Helium with floating point (MVE-F): -mcpu=cortex-m55"
#endif

#if MF_FLOAT_F16
typedef mf_f16 mf_elem; /* _Float16; the intrinsics take __fp16 (float16_t) */
typedef float16x8_t mf_vec;
#define MF_LANES 8
#define MF_FN(op) mf_##op##_f16
#define MF_VLD(ptr) vld1q_f16((const float16_t *)(ptr))
#define MF_VFMA_N(acc, w, s) vfmaq_n_f16(acc, w, (float16_t)(s))
#define MF_VDUP(s) vdupq_n_f16((float16_t)(s))
#define MF_VMAX(a, b) vmaxnmq_f16(a, b)
#define MF_VMIN(a, b) vminnmq_f16(a, b)
#define MF_VST_P(ptr, v, pred) vst1q_p_f16((float16_t *)(ptr), v, pred)
#define MF_VCTP(n) vctp16q(n)
#else
typedef float32_t mf_elem;
typedef float32x4_t mf_vec;
#define MF_LANES 4
#define MF_FN(op) mf_##op##_f32
#define MF_VLD(ptr) vld1q_f32(ptr)
#define MF_VFMA_N(acc, w, s) vfmaq_n_f32(acc, w, s)
#define MF_VDUP(s) vdupq_n_f32(s)
#define MF_VMAX(a, b) vmaxnmq_f32(a, b)
#define MF_VMIN(a, b) vminnmq_f32(a, b)
#define MF_VST_P(ptr, v, pred) vst1q_p_f32(ptr, v, pred)
#define MF_VCTP(n) vctp32q(n)
#endif

/* Clamp to [lo, hi] and store the first n (<= 2 * MF_LANES) lanes of a block pair. */
static inline void mf_store_block(mf_elem *out, mf_vec a, mf_vec b, mf_vec lo, mf_vec hi, int n) {
    MF_VST_P(out, MF_VMIN(MF_VMAX(a, lo), hi), MF_VCTP((uint32_t)n));
    MF_VST_P(out + MF_LANES, MF_VMIN(MF_VMAX(b, lo), hi), MF_VCTP((uint32_t)(n > MF_LANES ? n - MF_LANES : 0)));
}

#endif
