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

/* A row of taps (taps >= 1). In assembly, as the conv2d chunk loop: the compiled C kept the
 * sums on the stack. Input and weights advance by the same step (in_c = out_c) unless the
 * convolution is dilated: that, the tail block and unoptimized GCC builds take the C loop. */
static inline acc_t row(acc_t a, const int8_t *x, const int8_t *w, int taps, int32_t x_step, int32_t w_step, int n) {
    if (!MF_DSP_ASM_LOOPS || n < BLOCK || x_step != w_step) {
        for (; taps > 0; taps--, x += x_step, w += w_step)
            for (int i = 0; i < n; i++) a.c[i] += x[i] * w[i];
        return a;
    }
    int32_t xv, wv, xe, we;
    __asm__ volatile(
        "1:\n\t"
        "ldr %[xv], [%[x]]\n\t"
        "ldr %[wv], [%[w]]\n\t"
        "add %[x], %[x], %[step]\n\t"
        "add %[w], %[w], %[step]\n\t"
        "sxtb16 %[xe], %[xv]\n\t" /* channels 0, 2 */
        "sxtb16 %[we], %[wv]\n\t"
        "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
        "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
        "sxtb16 %[xv], %[xv], ror #8\n\t" /* channels 1, 3 */
        "sxtb16 %[wv], %[wv], ror #8\n\t"
        "smlabb %[a1], %[xv], %[wv], %[a1]\n\t"
        "smlatt %[a3], %[xv], %[wv], %[a3]\n\t"
        "subs %[n], %[n], #1\n\t"
        "bne 1b"
        : [a0] "+r"(a.c[0]), [a1] "+r"(a.c[1]), [a2] "+r"(a.c[2]), [a3] "+r"(a.c[3]), [x] "+r"(x), [w] "+r"(w),
          [n] "+r"(taps), [xv] "=&r"(xv), [wv] "=&r"(wv), [xe] "=&r"(xe), [we] "=&r"(we)
        : [step] "r"(x_step)
        : "cc", "memory");
    return a;
}

static inline acc_t pad(acc_t a, const int8_t *w, int32_t zero_point, int n) {
    if (n < BLOCK) {
        for (int i = 0; i < n; i++) a.c[i] += zero_point * w[i];
        return a;
    }
    int32_t wv = mf_dsp_load4(w), we = __sxtb16(wv), wo = __sxtb16(mf_ror(wv, 8));
    int32_t zz = (int32_t)(((uint32_t)zero_point & 0xFFFFu) | ((uint32_t)zero_point << 16)); /* (zp, zp) */
    a.c[0] = __smlabb(zz, we, a.c[0]), a.c[2] = __smlatt(zz, we, a.c[2]);
    a.c[1] = __smlabb(zz, wo, a.c[1]), a.c[3] = __smlatt(zz, wo, a.c[3]);
    return a;
}

static inline void store1(const mf_conv_params_s8 *p, int8_t *y, int c, int32_t acc) {
    int32_t v = mf_dsp_requantize(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
    y[c] = (int8_t)mf_clamp(v, p->act_min, p->act_max);
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, acc_t a) {
    if (n < BLOCK) {
        for (int i = 0; i < n; i++) store1(p, y, c0 + i, a.c[i]);
        return;
    }
    store1(p, y, c0, a.c[0]), store1(p, y, c0 + 1, a.c[1]), store1(p, y, c0 + 2, a.c[2]), store1(p, y, c0 + 3, a.c[3]);
}

MF_DW_S8_KERNEL(static inline __attribute__((always_inline)), BLOCK, acc_t, init, row, pad, store)
