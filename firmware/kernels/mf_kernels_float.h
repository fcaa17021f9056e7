/* mcuforge float kernels (fp32, fp16), bound by the compiler in place of TVM's generated code.
 *
 * NHWC activations, batch 1. Weights are stored by the host in output-channel blocks of
 * 32 bytes (MF_FLOAT_BLOCK_BYTES: 8 fp32 or 16 fp16 channels), zero-padded to whole blocks:
 *   conv2d: [out_c / block][k_h][k_w][in_c][block]      dense: [units / block][depth][block]
 *   depthwise conv2d (depth multiplier 1): [k_h][k_w][channels rounded up to whole blocks]
 * so every variant reads one contiguous block row per input channel (conv2d, dense) or per
 * tap (depthwise: the tap's channels), one Helium q-register pair, one RVV LMUL=2 group at
 * VLEN 128. Bias is padded the same way. Parameters are
 * computed once on the host (toolchain/mcuforge/codegen/bound.py) and emitted as const
 * structs; kernels only compute. fp32 kernels accumulate in fp32, fp16 kernels in fp16 (the
 * compiler binds them only where the target has fp16 arithmetic). The _f16_acc32 kernels
 * (conv2d, dense) take the fp16 kernels' arguments and layout (weights, bias, activations in
 * fp16) but widen every operand to fp32, multiply and add in fp32 (a product of two fp16 is
 * exact in fp32, so fused or not gives the same sum), clamp the fp32 sum to the activation's
 * bounds (rounded to fp16) and round it to fp16 once: bound on targets that only convert fp16
 * (Cortex-M4/M7) and with --accumulate fp32.
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
    void *scratch;          /* conv2d: mf_conv2d_f*_get_buffer_size() bytes of planned arena, one
                             * input pixel of zeros that padding taps read; depthwise: unused */
} mf_conv_params_f;

typedef struct {
    int32_t rows, depth, units; /* in: rows x depth, out: rows x units */
    float act_min, act_max;
    const void *weights; /* blocked as above */
    const void *bias;    /* units rounded up to whole blocks */
} mf_dense_params_f;

typedef struct {
    int32_t size; /* elements of each input and of the output */
    float act_min, act_max;
} mf_add_params_f;

/* The taps k in [*k0, *k1) of a filter of k taps with dilation d whose input index i0 + k * d
 * lies in [0, size): a window's taps inside the input. */
static inline void mf_tap_range(int i0, int d, int k, int size, int *k0, int *k1) {
    const int last = size - 1 - i0; /* the largest k * d inside */
    *k0 = i0 < 0 ? (-i0 + d - 1) / d : 0;
    *k1 = last < 0 ? 0 : (last / d + 1 < k ? last / d + 1 : k);
}

typedef struct {
    int iy0, ix0;           /* the input pixel under tap (0, 0) (may lie in the padding) */
    int ky0, ky1, kx0, kx1; /* the taps inside the input: [ky0, ky1) x [kx0, kx1) */
} mf_window_f;

static inline mf_window_f mf_window_f_at(const mf_conv_params_f *p, int oy, int ox) {
    mf_window_f w = {oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, 0, 0, 0, 0};
    mf_tap_range(w.iy0, p->dilation_h, p->k_h, p->in_h, &w.ky0, &w.ky1);
    mf_tap_range(w.ix0, p->dilation_w, p->k_w, p->in_w, &w.kx0, &w.kx1);
    return w;
}

/* How many output pixels from (oy, ox) on, at most `most`, have every tap column inside the
 * input (the vector variants' runs of pixels that share weight loads); 0 where the window
 * `win` of (oy, ox) crosses the left or right edge. */
static inline int mf_whole_run(const mf_conv_params_f *p, mf_window_f win, int oy, int ox, int most) {
    if (win.kx0 != 0 || win.kx1 != p->k_w) return 0;
    int n = 1;
    while (n < most && ox + n < p->out_w && mf_window_f_at(p, oy, ox + n).kx1 == p->k_w) n++;
    return n;
}

/* Bytes of arena scratch a conv2d needs for p (as CMSIS-NN's *_get_buffer_size): one input
 * pixel of zeros, which the vector variants' padding taps read (ref/ reads none). The same for
 * every variant: the host plans them before it knows the variant (codegen/bound.py:
 * conv_scratch_size, checked against these by tests/kernels/test_shared_facts.py). */
static inline int32_t mf_conv2d_f32_get_buffer_size(const mf_conv_params_f *p) { return p->in_c * 4; }
static inline int32_t mf_conv2d_f16_get_buffer_size(const mf_conv_params_f *p) { return p->in_c * 2; }
static inline int32_t mf_conv2d_f16_acc32_get_buffer_size(const mf_conv_params_f *p) { return p->in_c * 2; }

mf_status mf_conv2d_f32(const mf_conv_params_f *p, const float *in, float *out);
mf_status mf_dense_f32(const mf_dense_params_f *p, const float *in, float *out);
/* Depthwise: in_c == out_c, depth multiplier 1; no scratch (taps outside the input are skipped). */
mf_status mf_depthwise_conv2d_f32(const mf_conv_params_f *p, const float *in, float *out);
/* Pooling: the window fields of mf_conv_params_f (in_c = out_c channels; no weights, no
 * activation); an average divides by k_h * k_w (the compiler binds it without padding only). */
mf_status mf_max_pool2d_f32(const mf_conv_params_f *p, const float *in, float *out);
mf_status mf_avg_pool2d_f32(const mf_conv_params_f *p, const float *in, float *out);
/* out = act(a + b), elementwise (a residual add). */
mf_status mf_add_f32(const mf_add_params_f *p, const float *a, const float *b, float *out);

#if defined(__FLT16_MAX__)
mf_status mf_conv2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_dense_f16(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_depthwise_conv2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_max_pool2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_avg_pool2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_add_f16(const mf_add_params_f *p, const mf_f16 *a, const mf_f16 *b, mf_f16 *out);
/* fp16 storage, fp32 accumulation (see above). */
mf_status mf_conv2d_f16_acc32(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out);
mf_status mf_dense_f16_acc32(const mf_dense_params_f *p, const mf_f16 *in, mf_f16 *out);
#endif

#endif
