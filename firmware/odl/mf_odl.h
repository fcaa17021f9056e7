/* mcuforge on-device learning primitives: forward, backward and update of one training step,
 * one sample at a time, in fp32 or fp16, as PULP-TrainLib splits them:
 *
 *     <op>_fw               the forward pass (writes its output)
 *     <op>_bw_param_grads   the gradients of the layer's weights and bias, ADDED to grad_w and
 *                           grad_b (+=): a batch is the sum over its samples; the caller zeroes
 *                           them before a step
 *     <op>_bw_input_grads   the gradient of the layer's input (overwrites grad_in)
 *
 * Activations are NHWC, one sample (no batch axis); feature vectors are plain arrays.
 * Weights, in the layouts the host (toolchain/mcuforge/odl) stores them:
 *     conv2d     [out_c][k_h][k_w][in_c]   (OHWI)
 *     depthwise  [k_h][k_w][c]             (depth multiplier 1)
 *     linear     [out][in]                 (PyTorch's)
 *     bias       [out channels]            (NULL: the layer has none)
 * Gradients have the layout of what they are the gradient of.
 *
 * Suffixes: _f32 (float), _f16 (_Float16 storage and arithmetic), _f16_acc32 (conv2d,
 * depthwise and linear only: fp16 storage, every product and sum in fp32, rounded to fp16 once
 * per output element). Element order of every sum is fixed and documented in ref/, the
 * specification that each ISA variant (arm_mve/, rvv/) matches bit for bit on its target.
 *
 * The losses compute their softmax and logarithms in fp32 whatever the storage type, and return
 * the loss as a float; their gradient is written in the storage type. */
#ifndef MF_ODL_H
#define MF_ODL_H

#include <stdint.h>

typedef _Float16 mf_odl_f16;

typedef struct {
    int16_t in_h, in_w, in_c;    /* depthwise: in_c == out_c */
    int16_t out_h, out_w, out_c;
    int16_t k_h, k_w, stride_h, stride_w, pad_top, pad_left; /* zero padding; bottom / right follow */
} mf_odl_conv_t;

typedef struct {
    int32_t in, out;
} mf_odl_linear_t;

typedef struct {
    int16_t in_h, in_w, c, out_h, out_w;
    int16_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
    /* average: divides by k_h * k_w (padding counts as zeros, PyTorch's count_include_pad);
     * max: padding never wins */
} mf_odl_pool_t;

#define MF_ODL_DECLARE(T, S)                                                                          \
    /* conv2d (groups 1), pointwise included */                                                      \
    void mf_odl_conv2d_fw_##S(const mf_odl_conv_t *p, const T *in, const T *w, const T *b, T *out);   \
    void mf_odl_conv2d_bw_param_grads_##S(const mf_odl_conv_t *p, const T *in, const T *grad_out,     \
                                          T *grad_w, T *grad_b);                                      \
    void mf_odl_conv2d_bw_input_grads_##S(const mf_odl_conv_t *p, const T *grad_out, const T *w,      \
                                          T *grad_in);                                                \
    /* depthwise conv2d (groups == channels, multiplier 1) */                                         \
    void mf_odl_depthwise_fw_##S(const mf_odl_conv_t *p, const T *in, const T *w, const T *b, T *out); \
    void mf_odl_depthwise_bw_param_grads_##S(const mf_odl_conv_t *p, const T *in, const T *grad_out,  \
                                             T *grad_w, T *grad_b);                                   \
    void mf_odl_depthwise_bw_input_grads_##S(const mf_odl_conv_t *p, const T *grad_out, const T *w,   \
                                             T *grad_in);                                             \
    /* linear: out[o] = b[o] + sum_i w[o][i] * in[i] */                                               \
    void mf_odl_linear_fw_##S(const mf_odl_linear_t *p, const T *in, const T *w, const T *b, T *out); \
    void mf_odl_linear_bw_param_grads_##S(const mf_odl_linear_t *p, const T *in, const T *grad_out,   \
                                          T *grad_w, T *grad_b);                                      \
    void mf_odl_linear_bw_input_grads_##S(const mf_odl_linear_t *p, const T *grad_out, const T *w,    \
                                          T *grad_in);

MF_ODL_DECLARE(float, f32)
MF_ODL_DECLARE(mf_odl_f16, f16)
MF_ODL_DECLARE(mf_odl_f16, f16_acc32)

#define MF_ODL_DECLARE_ELEMENTWISE(T, S)                                                              \
    /* clip to [lo, hi]: ReLU is [0, +inf], ReLU6 [0, 6]. out may be in. The gradient passes where \
     * lo < out < hi (PyTorch's: where lo < in < hi); grad_in may be grad_out. */                     \
    void mf_odl_clip_fw_##S(int32_t n, float lo, float hi, const T *in, T *out);                      \
    void mf_odl_clip_bw_##S(int32_t n, float lo, float hi, const T *out, const T *grad_out, T *grad_in); \
    /* the same, keeping only where the gradient passes, one bit per value (bit i % 8 of           \
     * mask[i / 8]: lo < out[i] < hi), for a clip whose output the backward pass does not read     \
     * otherwise: 1/32 (fp32) or 1/16 (fp16) of the memory kept. grad_in may be grad_out. */       \
    void mf_odl_clip_fw_mask_##S(int32_t n, float lo, float hi, const T *in, T *out, uint8_t *mask);  \
    void mf_odl_clip_bw_mask_##S(int32_t n, const uint8_t *mask, const T *grad_out, T *grad_in);      \
    /* residual add: out = a + b (the backward of an add is its gradient, to both inputs) */          \
    void mf_odl_add_fw_##S(int32_t n, const T *a, const T *b, T *out);                                \
    /* dst += src: a tensor read by two layers gets the sum of their gradients */                    \
    void mf_odl_accumulate_##S(int32_t n, const T *src, T *dst);                                      \
    /* grad_b[c] += sum over p of grad_out[p][c]: the bias gradient of a layer whose weights are    \
     * frozen (bias-only training), `positions` x `channels` values */                              \
    void mf_odl_bias_grads_##S(int32_t positions, int32_t channels, const T *grad_out, T *grad_b);    \
    /* pooling, NHWC */                                                                              \
    void mf_odl_avg_pool_fw_##S(const mf_odl_pool_t *p, const T *in, T *out);                         \
    void mf_odl_avg_pool_bw_##S(const mf_odl_pool_t *p, const T *grad_out, T *grad_in);               \
    void mf_odl_max_pool_fw_##S(const mf_odl_pool_t *p, const T *in, T *out);                         \
    /* the gradient goes to the first maximum of each window in row-major order, as PyTorch's */     \
    void mf_odl_max_pool_bw_##S(const mf_odl_pool_t *p, const T *in, const T *grad_out, T *grad_in);  \
    /* softmax cross-entropy of n logits against `label` (0 <= label < n): returns the loss;        \
     * grad = (softmax - onehot) * scale (scale = 1 / batch for a batch mean); grad may be NULL */    \
    float mf_odl_softmax_cross_entropy_##S(int32_t n, const T *logits, int32_t label, float scale,    \
                                           T *grad);                                                  \
    /* mean squared error over n values: returns mean((out - target)^2);                            \
     * grad = 2 (out - target) / n * scale; grad may be NULL */                                       \
    float mf_odl_mse_##S(int32_t n, const T *out, const T *target, float scale, T *grad);             \
    /* SGD with momentum, PyTorch's (dampening 0, not Nesterov): g = grad + weight_decay * w;        \
     * m = momentum * m + g; w -= lr * m. m starts at zero (PyTorch's first step sets m = g: the   \
     * same). Computed in fp32; m and w are rounded to the storage type once per step. m NULL:      \
     * no momentum (w -= lr * g), for momentum 0 */                                                  \
    void mf_odl_sgd_##S(int32_t n, float lr, float momentum, float weight_decay, T *w, T *m,          \
                        const T *grad);

MF_ODL_DECLARE_ELEMENTWISE(float, f32)
MF_ODL_DECLARE_ELEMENTWISE(mf_odl_f16, f16)

#endif
