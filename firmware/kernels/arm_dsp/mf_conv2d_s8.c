/* Cortex-M DSP int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches widened once to int16; for each pair of output channels and each 4-tap chunk, two
 * patch word pairs per pixel, one weight word per channel split by SXTB16 / SXTB16 ROR 8 (the
 * host stores each chunk as w0 w2 w1 w3, so the halves are (w0, w1) and (w2, w3)) and eight
 * SMLAD: 16 MACs. The input offset enters once per output through the filter sums. */
#include "mf_dsp_dot.h"
#include "mf_conv_s8_common.h"

#define CHUNK 4
#define BLOCK 2
#define ELEMENT 2 /* bytes per patch element: the patches are widened to int16 once */

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
    acc += p->bias_with_offset[oc];
    acc = mf_dsp_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    y[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
}

/* Both channels of a block for both pixels: requantized, saturated (SSAT), each pixel's pair
 * packed and clamped bytewise (SSUB8 / SEL), one halfword store per pixel. */
static inline void store_block(const mf_conv_params_s8 *p, int8_t *y0, int8_t *y1, int oc, const int32_t s[4]) {
    const int32_t b0 = p->bias_with_offset[oc], b1 = p->bias_with_offset[oc + 1], off = p->output_offset;
    const int32_t m0 = p->multiplier[oc], m1 = p->multiplier[oc + 1], s0 = p->shift[oc], s1 = p->shift[oc + 1];
    const int32_t lo = mf_dsp_bytes4(p->act_min), hi = mf_dsp_bytes4(p->act_max);
    int32_t a = mf_dsp_pack_clamp4(__ssat(mf_dsp_requantize(s[0] + b0, m0, s0) + off, 8),
                                   __ssat(mf_dsp_requantize(s[1] + b1, m1, s1) + off, 8), 0, 0, lo, hi);
    int32_t b = mf_dsp_pack_clamp4(__ssat(mf_dsp_requantize(s[2] + b0, m0, s0) + off, 8),
                                   __ssat(mf_dsp_requantize(s[3] + b1, m1, s1) + off, 8), 0, 0, lo, hi);
    int16_t ha = (int16_t)a, hb = (int16_t)b;
    __builtin_memcpy(y0 + oc, &ha, 2);
    __builtin_memcpy(y1 + oc, &hb, 2);
}

/* The dot products of one block: both patches with both filters, chunk by chunk (chunks >= 1):
 * per chunk one LDRD of the two filters' weight words, four SXTB16, four patch word loads and
 * eight SMLAD, 19 instructions for 16 MACs. In assembly because its 13 live values (4 sums,
 * 3 pointers, the count, 4 weight halves, a patch word) are every register clang leaves free
 * (r7 is its frame pointer), and compiled C spilled a third of that loop; GCC takes it too
 * when optimizing (MF_DSP_ASM_LOOPS). */
static inline void block(const int16_t *x0, const int16_t *x1, const int8_t *w, int32_t chunks, int32_t sums[4]) {
    int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0; /* a: pixel 0, b: pixel 1; channel 0, 1 of the block */
#if MF_DSP_ASM_LOOPS
    int32_t k0, k1, k2, k3, u;
    __asm__ volatile(
        "1:\n\t"
        "ldrd %[k0], %[k2], [%[w]], #8\n\t" /* filter 0's chunk (w0 w2 w1 w3), filter 1's */
        "sxtb16 %[k1], %[k0], ror #8\n\t"
        "sxtb16 %[k0], %[k0]\n\t"
        "sxtb16 %[k3], %[k2], ror #8\n\t"
        "sxtb16 %[k2], %[k2]\n\t"
        "ldr %[u], [%[x0]], #4\n\t" /* pixel 0, taps 0 1 */
        "smlad %[a0], %[u], %[k0], %[a0]\n\t"
        "smlad %[a1], %[u], %[k2], %[a1]\n\t"
        "ldr %[u], [%[x0]], #4\n\t" /* pixel 0, taps 2 3 */
        "smlad %[a0], %[u], %[k1], %[a0]\n\t"
        "smlad %[a1], %[u], %[k3], %[a1]\n\t"
        "ldr %[u], [%[x1]], #4\n\t"
        "smlad %[b0], %[u], %[k0], %[b0]\n\t"
        "smlad %[b1], %[u], %[k2], %[b1]\n\t"
        "ldr %[u], [%[x1]], #4\n\t"
        "smlad %[b0], %[u], %[k1], %[b0]\n\t"
        "smlad %[b1], %[u], %[k3], %[b1]\n\t"
        "subs %[n], %[n], #1\n\t"
        "bne 1b"
        : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x0] "+r"(x0), [x1] "+r"(x1), [w] "+r"(w),
          [n] "+r"(chunks), [k0] "=&r"(k0), [k1] "=&r"(k1), [k2] "=&r"(k2), [k3] "=&r"(k3), [u] "=&r"(u)
        :
        : "cc", "memory");
#else
    for (; chunks > 0; chunks--, x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK) {
        int32_t k = mf_dsp_load4(w), k0lo = __sxtb16(k), k0hi = __sxtb16(mf_ror(k, 8));
        k = mf_dsp_load4(w + CHUNK);
        int32_t k1lo = __sxtb16(k), k1hi = __sxtb16(mf_ror(k, 8)), u0, u1, v0, v1;
        __builtin_memcpy(&u0, x0, 4), __builtin_memcpy(&u1, x0 + 2, 4);
        __builtin_memcpy(&v0, x1, 4), __builtin_memcpy(&v1, x1 + 2, 4);
        a0 = __smlad(u0, k0lo, a0), a0 = __smlad(u1, k0hi, a0), a1 = __smlad(u0, k1lo, a1), a1 = __smlad(u1, k1hi, a1);
        b0 = __smlad(v0, k0lo, b0), b0 = __smlad(v1, k0hi, b0), b1 = __smlad(v0, k1lo, b1), b1 = __smlad(v1, k1hi, b1);
    }
#endif
    sums[0] = a0, sums[1] = a1, sums[2] = b0, sums[3] = b1;
}

static inline void pair(const mf_conv_params_s8 *p, const int16_t *patch0, const int16_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    for (int oc0 = 0; oc0 < p->out_c; oc0 += BLOCK, w += BLOCK * CHUNK * chunks) {
        int32_t s[4];
        block(patch0, patch1, w, chunks, s);
        if (oc0 + 1 < p->out_c) {
            store_block(p, y0, y1, oc0, s);
        } else {
            store(p, y0, oc0, s[0]), store(p, y1, oc0, s[2]);
        }
    }
}

/* TFLite's int8 convolution, bit for bit with ref/: output pixels in row-major pairs
 * (MF_CONV_S8_PIXEL_PAIRS), each pair's patches by `pair`. Needs the host-computed
 * bias_with_offset and mf_conv2d_s8_get_buffer_size bytes of scratch. */
mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->bias_with_offset) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, ELEMENT, copy, fill, pair)
    return MF_OK;
}

/* The weight layout `pair` reads (the host stores the weights so: integer/emit.py), BLOCK
 * filters by CHUNK bytes, each chunk stored as w0 w2 w1 w3 (SXTB16 and SXTB16 ROR 8 of its word
 * give the int16 pairs (w0, w1), (w2, w3)); two pixels at a time. */
const mf_conv_layout_s8 *mf_conv2d_s8_get_layout(void) {
    static const uint8_t order[CHUNK] = {0, 2, 1, 3};
    static const mf_conv_layout_s8 layout = {BLOCK, CHUNK, ELEMENT, order, 2};
    return &layout;
}

/* Two im2col patches, none for a direct (1x1, unpadded, whole chunks) convolution. */
int32_t mf_conv2d_s8_get_buffer_size(const mf_conv_params_s8 *p) {
    return mf_conv_pairs_buffer_size(p, CHUNK, ELEMENT);
}
