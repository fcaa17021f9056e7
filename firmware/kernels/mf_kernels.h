/* mcuforge kernels: the one public header of the kernel API.
 *
 * Every kernel has a portable reference in ref/ and may have ISA variants with the same file and
 * symbol name (arm_dsp/, arm_mve/, rvv/); the target file's kernels.variants picks the first
 * that exists. Kernels only compute: parameters are prepared on the host.
 */
#ifndef MF_KERNELS_H
#define MF_KERNELS_H

#include <stdint.h>

#include "mf_features.h"

typedef enum {
    MF_OK = 0,
    MF_ERR_ARG = -1, /* an argument out of range (e.g. a negative length) */
} mf_status;

/* *out = sum(a[i] * b[i]) over n elements, exact in int32 for n < 2^17. */
mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out);

#if defined(__FLT16_MAX__) /* the compiler has _Float16 (GCC for an M4 without +fp16 has not) */
/* IEEE binary16. Arithmetic is native where the core has it (Zfh, Armv8.1-M FP16). */
typedef _Float16 mf_f16;

/* *out = sum(a[i] * b[i]) in fp16 arithmetic; the summation order depends on the variant. */
mf_status mf_dot_f16(const mf_f16 *a, const mf_f16 *b, int32_t n, mf_f16 *out);
#endif

/* ---- int8 kernels, TFLite int8 arithmetic, NHWC, batch 1 -----------------------------------
 * Parameters are computed on the host (toolchain/mcuforge/integer/ops) and emitted as const
 * structs. */

typedef struct {
    int32_t input_offset, output_offset; /* -input zero point, output zero point */
    int32_t act_min, act_max;            /* fused activation range */
    int16_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int16_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int16_t depth_multiplier;            /* depthwise only */
    const int8_t *weights;               /* conv: O x KH x KW x I; depthwise: KH x KW x (C*M) */
    const int32_t *bias;                 /* per output channel */
    const int32_t *multiplier, *shift;   /* per output channel requantization */
    const int32_t *bias_with_offset;     /* bias + input_offset * the sum of the channel's
                                          * weights: where the SIMD variants start their
                                          * accumulators, adding the input offset once per
                                          * output (padding holds the zero point) */
    int8_t *scratch;                     /* conv only: arena scratch planned on the host for
                                          * the SIMD variants' im2col patches
                                          * (mf_conv2d_s8_get_buffer_size), NULL when unused */
} mf_conv_params_s8;

mf_status mf_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out);
mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out);

/* What the host must know of the conv2d variant it compiles for, from the variant itself (its
 * mf_conv2d_s8.c); the host's copies (toolchain/mcuforge/integer/emit.py: CONV_LAYOUTS,
 * scratch_bytes; integer/inplace.py: CONV_PIXELS) are checked against these by
 * tests/kernels/test_shared_facts.py.
 *
 * The weights the variant reads: blocks of `block` output channels, each block as
 * patch / chunk chunks of `block` x `chunk` bytes (filter b of the block at b * chunk), the
 * patch being k_h x k_w x in_c rounded up to whole chunks, zero-padded; byte i of a stored chunk
 * is byte order[i] of the filter's chunk (NULL: in order). block = chunk = 1 is plain
 * O x KH x KW x I. The variant's im2col patches hold `element` bytes per tap and channel (0: it
 * makes none). Its nest computes `pixels` output pixels (row-major) at a time, reading all their
 * windows before their outputs are complete: the host's in-place lag allows for that. */
typedef struct {
    int32_t block, chunk, element;
    const uint8_t *order;
    int32_t pixels;
} mf_conv_layout_s8;

const mf_conv_layout_s8 *mf_conv2d_s8_get_layout(void);

/* Bytes of arena scratch mf_conv2d_s8 needs for p (as CMSIS-NN's *_get_buffer_size): the host
 * plans them and sets p->scratch (NULL for none). */
int32_t mf_conv2d_s8_get_buffer_size(const mf_conv_params_s8 *p);

typedef struct {
    int32_t input_offset, filter_offset, output_offset, act_min, act_max;
    int32_t rows, depth, units;
    const int8_t *weights; /* units x depth */
    const int32_t *bias, *multiplier, *shift; /* per unit */
    const int32_t *bias_with_offset;          /* bias + input_offset * the sum of each unit's
                                               * weights, computed on the host (SIMD variants) */
} mf_fc_params_s8;

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out);
/* The same with packed weights (p->weights points to the packed bytes, rows byte-aligned):
 * int4 two per byte, low nibble first; binary +-1 eight per byte, bit set = +1, LSB first. */
mf_status mf_fully_connected_s4(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out);
mf_status mf_fully_connected_b1(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out);

typedef struct {
    int16_t in_h, in_w, channels, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} mf_pool_params_s8;

mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *p, const int8_t *in, int8_t *out);
mf_status mf_max_pool2d_s8(const mf_pool_params_s8 *p, const int8_t *in, int8_t *out);

typedef struct {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift, left_shift, act_min, act_max, size;
    const int32_t *table1, *table2; /* input byte v at [v + 128]: its rescaled term,
                                     * ((v + offset) << left_shift) rescaled by the input's
                                     * multiplier and shift, computed on the host */
} mf_add_params_s8;

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out);

typedef struct {
    int32_t rows, depth, input_multiplier, input_left_shift, diff_min;
} mf_softmax_params_s8;

/* Output scale 1/256, zero point -128 (TFLite's int8 softmax). */
mf_status mf_softmax_s8(const mf_softmax_params_s8 *p, const int8_t *in, int8_t *out);

/* --- Spiking networks (toolchain/mcuforge/snn/integer.py is their specification) ------------- */

/* cur[o] = (bias ? bias[o] : cur[o]) + sum_i w[o * n_in + i] * x[i]: a dense synapse's current
 * (bias NULL: added to cur, as an all-to-all recurrence is). */
mf_status mf_snn_dense_s8(const int8_t *x, int32_t n_in, const int8_t *w, const int32_t *bias, int32_t *cur,
                          int32_t n_out);

/* The same current from the inputs that are not zero only (event-driven): wt is the weights
 * transposed, n_in rows of n_out; each spike (x = 1) adds its row, another value its row times
 * itself. `scratch`: mf_snn_events_s8_scratch_size bytes (the spike list). */
mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch);
#define mf_snn_events_s8_scratch_size(n_in) (2 * (n_in))

typedef struct {
    int32_t in_c, in_h, in_w, out_c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_h, pad_w;
} mf_snn_conv_params;

/* A 2-D convolution's current, channels first: cur[o][y][x] = bias[o] + sum w[o][c][i][j] * in. */
mf_status mf_snn_conv2d_s8(const mf_snn_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias,
                           int32_t *cur);

/* The same current, event-driven: each non-zero input scatters its taps. wt: the weights as
 * [in_c][k_h][k_w][out_c]; scratch: mf_snn_events_s8_scratch_size(in_c * in_h * in_w) bytes. */
mf_status mf_snn_conv2d_events_s8(const mf_snn_conv_params *p, const int8_t *x, const int8_t *wt,
                                  const int32_t *bias, int32_t *cur, void *scratch);

typedef struct {
    int32_t c, in_h, in_w, out_h, out_w, k_h, k_w, stride_h, stride_w;
} mf_snn_pool_params;

/* Max pooling, channels first, of currents (s32) or of spikes (s8). */
mf_status mf_snn_maxpool_s32(const mf_snn_pool_params *p, const int32_t *in, int32_t *out);
mf_status mf_snn_maxpool_s8(const mf_snn_pool_params *p, const int8_t *in, int8_t *out);

enum { MF_LIF_LEAKY = 0, MF_LIF_RLEAKY = 1, MF_LIF_SYNAPTIC = 2 };
enum { MF_RESET_SUBTRACT = 0, MF_RESET_ZERO = 1, MF_RESET_NONE = 2 };

typedef struct {
    int32_t n;                                /* neurons */
    int32_t theta;                            /* threshold, in the membrane's unit */
    const int32_t *beta; int32_t beta_step;   /* membrane leak, Q15: one (step 0) or one per neuron */
    const int32_t *alpha; int32_t alpha_step; /* Synaptic's current leak, Q15 */
    const int32_t *v; int32_t v_step;         /* RLeaky's one-to-one recurrent weight (NULL: none) */
    uint8_t kind, reset, delay;               /* MF_LIF_*, MF_RESET_*, snnTorch's reset_delay */
} mf_lif_params;

/* One time step of a layer of neurons: mem (and syn) updated in place, spk[i] = 0/1 (read first
 * as the previous step's spikes by an RLeaky), from this step's current. The membrane is int16
 * (computed in int32: the current stays below 2^28) or int32 (computed in int64). */
mf_status mf_lif_s16_step(const mf_lif_params *p, int16_t *mem, int16_t *syn, const int32_t *cur, int8_t *spk);
mf_status mf_lif_s32_step(const mf_lif_params *p, int32_t *mem, int32_t *syn, const int32_t *cur, int8_t *spk);

#endif
