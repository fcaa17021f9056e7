/* Helium depthwise convolution, depth multiplier 1: blocks of 16 output channels in four int32x4
 * accumulators; per tap, widening byte loads (VLDRB.S32) of input and weights, VMUL + VADD
 * (Helium has no vector-by-vector VMLA), tail-predicated in the last block. The input offset
 * enters through the filter sums (mf_dwconv_s8_common.h); requantization on four lanes. Other
 * layouts take the scalar path. */
#include "mf_mve_dot.h"
#include "mf_dwconv_s8_common.h"

#define BLOCK 16

typedef struct {
    int32x4_t v[BLOCK / 4];
} acc_t;

/* Lanes of vector i that hold one of the block's n channels (all of them in a whole block). */
static inline mve_pred16_t lanes(int n, int i) { return vctp32q((uint32_t)(n > 4 * i ? n - 4 * i : 0)); }

static inline acc_t init(const mf_conv_params_s8 *p, int c0, int n) {
    acc_t a;
    for (int i = 0; i < BLOCK / 4; i++)
        a.v[i] = vldrwq_z_s32(p->bias_with_offset + c0 + 4 * i, lanes(n, i));
    return a;
}

static inline acc_t row(acc_t a, const int8_t *x, const int8_t *w, int taps, int32_t x_step, int32_t w_step, int n) {
    for (; taps > 0; taps--, x += x_step, w += w_step)
        for (int i = 0; i < BLOCK / 4; i++) { /* lanes past n: 0 (never stored) */
            mve_pred16_t pred = lanes(n, i);
            a.v[i] = vaddq_s32(a.v[i], vmulq_s32(vldrbq_z_s32(x + 4 * i, pred), vldrbq_z_s32(w + 4 * i, pred)));
        }
    return a;
}

static inline acc_t pad(acc_t a, const int8_t *w, int32_t zero_point, int n) {
    for (int i = 0; i < BLOCK / 4; i++) a.v[i] = vmlaq_n_s32(a.v[i], vldrbq_z_s32(w + 4 * i, lanes(n, i)), zero_point);
    return a;
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, acc_t a) {
    for (int i = 0; i < BLOCK / 4 && 4 * i < n; i++)
        mf_mve_store4(y, a.v[i], p->multiplier, p->shift, c0 + 4 * i, n - 4 * i < 4 ? n - 4 * i : 4,
                      p->output_offset, p->act_min, p->act_max);
}

/* Channels c0.. (n of them) of output pixel y: MF_DW_S8_BLOCK with this file's hooks, for
 * whole blocks (n = BLOCK, a constant) and the tail. */
static inline void block(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y,
                         const mf_dw_taps *taps, int c0, int n) {
    if (n == BLOCK) MF_DW_S8_BLOCK(p, in, y, *taps, c0, BLOCK, acc_t, init, row, pad, store)
    else MF_DW_S8_BLOCK(p, in, y, *taps, c0, n, acc_t, init, row, pad, store)
}

/* Depth multiplier 1 with the host-computed bias_with_offset: output pixels in row-major order
 * (MF_DW_S8_CHANNEL_BLOCKS), each in blocks of BLOCK channels, then the tail block. Other
 * layouts take the scalar path (mf_depthwise_scalar). */
mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->depth_multiplier != 1 || !p->bias_with_offset) return mf_depthwise_scalar(p, in, out);
    MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, block, mf_dw_no_pixel)
    return MF_OK;
}
