/* Cortex-M DSP int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches widened once to int16; for each pair of output channels and each 4-tap chunk, two
 * patch word pairs per pixel, one weight word per channel split by SXTB16 / SXTB16 ROR 8 (the
 * host stores each chunk as w0 w2 w1 w3, so the halves are (w0, w1) and (w2, w3)) and eight
 * SMLAD: 16 MACs. The input offset enters once per output through the filter sums. */
#include "mf_dsp_dot.h"
#include "mf_conv_s8_common.h"

#define CHUNK 4
#define BLOCK 2

static void copy(void *patch, int32_t at, const int8_t *src, int32_t n) {
    int16_t *dst = (int16_t *)patch + at;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) { /* four bytes -> two words of int16 pairs, in order */
        int32_t v = mf_dsp_load4(src + i);
        int32_t even = __sxtb16(v), odd = __sxtb16(mf_ror(v, 8)); /* (x0, x2), (x1, x3) */
        int32_t lo = (int32_t)(((uint32_t)even & 0xFFFFu) | ((uint32_t)odd << 16)); /* PKHBT: (x0, x1) */
        int32_t hi = (int32_t)(((uint32_t)odd & 0xFFFF0000u) | ((uint32_t)even >> 16)); /* PKHTB: (x2, x3) */
        __builtin_memcpy(dst + i, &lo, 4);
        __builtin_memcpy(dst + i + 2, &hi, 4);
    }
    for (; i < n; i++) dst[i] = src[i];
}

static void fill(void *patch, int32_t at, int8_t value, int32_t n) {
    int16_t *dst = (int16_t *)patch + at;
    for (int32_t i = 0; i < n; i++) dst[i] = value;
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int oc, int32_t acc) {
    acc += p->bias[oc] + p->input_offset * p->filter_sums[oc];
    acc = mf_dsp_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    y[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
}

static inline void pair(const mf_conv_params_s8 *p, const int16_t *patch0, const int16_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    for (int oc0 = 0; oc0 < p->out_c; oc0 += BLOCK) {
        int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0; /* a: pixel 0, b: pixel 1; channel oc0, oc0 + 1 */
        const int16_t *x0 = patch0, *x1 = patch1;
        for (int32_t c = 0; c < chunks; c++, x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK) {
            int32_t u0, u1, v0, v1;
            __builtin_memcpy(&u0, x0, 4), __builtin_memcpy(&u1, x0 + 2, 4);
            __builtin_memcpy(&v0, x1, 4), __builtin_memcpy(&v1, x1 + 2, 4);
            int32_t k = mf_dsp_load4(w), klo = __sxtb16(k), khi = __sxtb16(mf_ror(k, 8));
            a0 = __smlad(u0, klo, a0), a0 = __smlad(u1, khi, a0);
            b0 = __smlad(v0, klo, b0), b0 = __smlad(v1, khi, b0);
            k = mf_dsp_load4(w + CHUNK), klo = __sxtb16(k), khi = __sxtb16(mf_ror(k, 8));
            a1 = __smlad(u0, klo, a1), a1 = __smlad(u1, khi, a1);
            b1 = __smlad(v0, klo, b1), b1 = __smlad(v1, khi, b1);
        }
        store(p, y0, oc0, a0), store(p, y1, oc0, b0);
        if (oc0 + 1 < p->out_c) store(p, y0, oc0 + 1, a1), store(p, y1, oc0 + 1, b1);
    }
}

mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->filter_sums) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, 2, copy, fill, pair)
    return MF_OK;
}
