/* mcuforge float kernels (fp32, fp16), bound by the compiler in place of TVM's generated code.
 *
 * NHWC activations, batch 1. Weights are stored by the host in output-channel blocks of
 * 32 bytes (MF_FLOAT_BLOCK_BYTES: 8 fp32 or 16 fp16 channels), zero-padded to whole blocks:
 *   conv2d: [out_c / block][k_h][k_w][in_c][block]      dense: [units / block][depth][block]
 * so every variant reads one contiguous block row per input channel (one Helium q-register
 * pair, one RVV LMUL=2 group at VLEN 128). Bias is padded the same way. Parameters are
 * computed once on the host (toolchain/mcuforge/codegen/bound.py) and emitted as const
 * structs; kernels only compute. fp32 kernels accumulate in fp32, fp16 kernels in fp16 (the
 * compiler binds them only where the target has fp16 arithmetic).
 */
#ifndef MF_KERNELS_FLOAT_H
#define MF_KERNELS_FLOAT_H

#include "mf_kernels.h"

#define MF_FLOAT_BLOCK_BYTES 32

typedef struct {
    int16_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int16_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    float act_min, act_max; /* fused activation: relu [0, inf], relu6 / clip [lo, hi] */
    const void *weights;    /* blocked as above, in the kernel's dtype */
    const void *bias;       /* out_c rounded up to whole blocks */
    void *scratch;          /* mf_conv2d_f*_scratch_size() bytes of planned arena: one input
                             * pixel of zeros that padding taps read */
} mf_conv_params_f;

typedef struct {
    int32_t rows, depth, units; /* in: rows x depth, out: rows x units */
    float act_min, act_max;
    const void *weights; /* blocked as above */
    const void *bias;    /* units rounded up to whole blocks */
} mf_dense_params_f;

/* Bytes of scratch a conv2d needs (the padding pixel); the memory planner reserves them
 * (mirrored by codegen/bound.py). */
static inline int32_t mf_conv2d_f32_scratch_size(int32_t in_c) { return in_c * 4; }
static inline int32_t mf_conv2d_f16_scratch_size(int32_t in_c) { return in_c * 2; }

mf_status mf_conv2d_f32(const mf_conv_params_f *p, const float *in, float *out);
mf_status mf_dense_f32(const mf_dense_params_f *p, const float *in, float *out);

#if defined(__FLT16_MAX__)
mf_status mf_conv2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_dense_f16(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out);
#endif

#endif
