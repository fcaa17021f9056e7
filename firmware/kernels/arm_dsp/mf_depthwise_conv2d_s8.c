/* Cortex-M DSP depthwise convolution, depth multiplier 1: blocks of four channels; per tap one
 * input word and one weight word, each split by SXTB16 / SXTB16 ROR 8 into the int16 pairs of
 * channels (0, 2) and (1, 3), and four SMLABB / SMLATT into the four accumulators. The input
 * offset enters through the filter sums (mf_dwconv_s8_common.h). Other layouts take the scalar
 * path. */
#include "mf_dsp_dot.h"
#include "mf_dwconv_s8_common.h"

#define BLOCK 4

typedef struct {
    int32_t c[BLOCK];
} acc_t;

static inline acc_t init(const mf_conv_params_s8 *p, int c0, int n) {
    acc_t a = {{0}};
    for (int i = 0; i < n; i++) a.c[i] = p->bias_with_offset[c0 + i];
    return a;
}

static inline acc_t tap(acc_t a, const int8_t *x, const int8_t *w, int n) {
    if (n < BLOCK) { /* the tail block */
        for (int i = 0; i < n; i++) a.c[i] += x[i] * w[i];
        return a;
    }
    int32_t xv = mf_dsp_load4(x), wv = mf_dsp_load4(w);
    int32_t xe = __sxtb16(xv), xo = __sxtb16(mf_ror(xv, 8)), we = __sxtb16(wv), wo = __sxtb16(mf_ror(wv, 8));
    a.c[0] = __smlabb(xe, we, a.c[0]), a.c[2] = __smlatt(xe, we, a.c[2]);
    a.c[1] = __smlabb(xo, wo, a.c[1]), a.c[3] = __smlatt(xo, wo, a.c[3]);
    return a;
}

static inline acc_t pad(acc_t a, const int8_t *w, int32_t zero_point, int n) {
    for (int i = 0; i < n; i++) a.c[i] += zero_point * w[i];
    return a;
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, acc_t a) {
    for (int i = 0; i < n; i++) {
        int32_t v = mf_dsp_requantize(a.c[i], p->multiplier[c0 + i], p->shift[c0 + i]) + p->output_offset;
        y[c0 + i] = (int8_t)mf_clamp(v, p->act_min, p->act_max);
    }
}

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->depth_multiplier != 1 || !p->bias_with_offset) return mf_depthwise_scalar(p, in, out);
    MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, acc_t, init, tap, pad, store)
    return MF_OK;
}
