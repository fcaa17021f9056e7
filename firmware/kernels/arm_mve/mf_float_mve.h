/* Helium float element types for the float nests (mf_conv2d_float_mve.h, mf_dense_float_mve.h,
 * mf_depthwise_conv2d_float_mve.h, mf_add_float_mve.h, mf_pool2d_float_mve.h), which define
 * the nests in these types (static inline functions such as mf_dense_nest; conv2d's is the
 * statement macro MF_CONV2D_NEST), never a public function: each public kernel
 * (mf_dense_f16.c, ...) sets MF_FLOAT_F16 to 1 (fp16, 8 lanes, VFMA.F16) or 0 (fp32, 4 lanes),
 * includes its nest header and calls the nest.
 * One weight block (MF_FLOAT_BLOCK_BYTES) is two q registers.
 * MF_FLOAT_ACC32 1 with MF_FLOAT_F16 1 (conv2d and dense only): fp16 in memory, fp32
 * accumulators. A pass covers 8 channels, one q register of fp16 (MF_LOAD_PAIR): VCVTB.F32.F16
 * widens its even lanes, VCVTT.F32.F16 its odd lanes into two fp32 q registers, which the
 * VFMA.F32s accumulate; mf_store_block narrows them back into the even and odd lanes (VCVTB /
 * VCVTT.F16.F32), so the channels come out in order. */
#ifndef MF_FLOAT_MVE_H
#define MF_FLOAT_MVE_H

#include <arm_mve.h>

#include "mf_kernels_float.h"

#if !MF_HAVE_MVE_FP
#error "arm_mve float kernels need Helium with floating point (MVE-F): -mcpu=cortex-m55"
#endif

#ifndef MF_FLOAT_ACC32
#define MF_FLOAT_ACC32 0
#endif

#if MF_FLOAT_F16 && MF_FLOAT_ACC32
typedef mf_f16 mf_elem;
typedef float32x4_t mf_vec; /* fp32 accumulators and widened weights */
#define MF_LANES 4
#define MF_STEP 8 /* output channels per pass: the even and odd lanes of one q register of fp16 */
#define MF_VFMA_N(acc, w, s) vfmaq_n_f32(acc, w, (float)(s))
#define MF_VDUP(s) vdupq_n_f32((float)(s))
#define MF_VMAX(a, b) vmaxnmq_f32(a, b)
#define MF_VMIN(a, b) vminnmq_f32(a, b)
#elif MF_FLOAT_F16
typedef mf_f16 mf_elem; /* _Float16; the intrinsics take __fp16 (float16_t) */
typedef float16x8_t mf_vec;
#define MF_LANES 8
#define MF_VLD(ptr) vld1q_f16((const float16_t *)(ptr))
#define MF_VFMA_N(acc, w, s) vfmaq_n_f16(acc, w, (float16_t)(s))
#define MF_VFMA(acc, a, b) vfmaq_f16(acc, a, b)
#define MF_VLD_Z(ptr, pred) vld1q_z_f16((const float16_t *)(ptr), pred)
#define MF_VADD(a, b) vaddq_f16(a, b)
#define MF_VMUL(a, b) vmulq_f16(a, b)
#define MF_VDUP(s) vdupq_n_f16((float16_t)(s))
#define MF_VMAX(a, b) vmaxnmq_f16(a, b)
#define MF_VMIN(a, b) vminnmq_f16(a, b)
#define MF_VST_P(ptr, v, pred) vst1q_p_f16((float16_t *)(ptr), v, pred)
#define MF_VST(ptr, v) vst1q_f16((float16_t *)(ptr), v)
#define MF_VCTP(n) vctp16q(n)
#else
typedef float32_t mf_elem;
typedef float32x4_t mf_vec;
#define MF_LANES 4
#define MF_VLD(ptr) vld1q_f32(ptr)
#define MF_VFMA_N(acc, w, s) vfmaq_n_f32(acc, w, s)
#define MF_VFMA(acc, a, b) vfmaq_f32(acc, a, b)
#define MF_VLD_Z(ptr, pred) vld1q_z_f32(ptr, pred)
#define MF_VADD(a, b) vaddq_f32(a, b)
#define MF_VMUL(a, b) vmulq_f32(a, b)
#define MF_VDUP(s) vdupq_n_f32(s)
#define MF_VMAX(a, b) vmaxnmq_f32(a, b)
#define MF_VMIN(a, b) vminnmq_f32(a, b)
#define MF_VST_P(ptr, v, pred) vst1q_p_f32(ptr, v, pred)
#define MF_VST(ptr, v) vst1q_f32(ptr, v)
#define MF_VCTP(n) vctp32q(n)
#endif

#define MF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem)) /* elements of one weight block */

#if MF_FLOAT_ACC32
/* Channels [0, 8) of a block row: even lanes in *a, odd lanes in *b, widened to fp32. */
#define MF_LOAD_PAIR(ptr, a, b)                                             \
    do {                                                                    \
        const float16x8_t h_ = vld1q_f16((const float16_t *)(ptr));        \
        (a) = vcvtbq_f32_f16(h_), (b) = vcvttq_f32_f16(h_);                \
    } while (0)

/* Clamp to [lo, hi] in fp32, round the even (a) and odd (b) lanes to fp16 and store the
 * first n (<= 8) channels. */
static inline void mf_store_block(mf_elem *out, mf_vec a, mf_vec b, mf_vec lo, mf_vec hi, int n) {
    float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), MF_VMIN(MF_VMAX(a, lo), hi));
    h = vcvttq_f16_f32(h, MF_VMIN(MF_VMAX(b, lo), hi));
    vst1q_p_f16((float16_t *)out, h, vctp16q((uint32_t)(n < MF_STEP ? n : MF_STEP)));
}
#else
#define MF_STEP MF_BLOCK /* output channels per pass: one weight block */
#define MF_LOAD_PAIR(ptr, a, b) ((a) = MF_VLD(ptr), (b) = MF_VLD((ptr) + MF_LANES))

/* Clamp to [lo, hi] and store the lanes of `pred`, or all lanes if `whole` (a constant after
 * inlining: one VSTR without a VPST). */
static inline __attribute__((always_inline)) void mf_store_lanes(mf_elem *out, mf_vec v, mf_vec lo, mf_vec hi,
                                                                 mve_pred16_t pred, int whole) {
    if (whole)
        MF_VST(out, MF_VMIN(MF_VMAX(v, lo), hi));
    else
        MF_VST_P(out, MF_VMIN(MF_VMAX(v, lo), hi), pred);
}

/* Clamp to [lo, hi] and store the first n (<= 2 * MF_LANES) lanes of a block pair. */
static inline void mf_store_block(mf_elem *out, mf_vec a, mf_vec b, mf_vec lo, mf_vec hi, int n) {
    mf_store_lanes(out, a, lo, hi, MF_VCTP((uint32_t)n), 0);
    mf_store_lanes(out + MF_LANES, b, lo, hi, MF_VCTP((uint32_t)(n > MF_LANES ? n - MF_LANES : 0)), 0);
}
#endif

#endif
