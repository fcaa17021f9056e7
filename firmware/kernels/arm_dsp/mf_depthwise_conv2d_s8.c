/* Cortex-M DSP depthwise convolution, depth multiplier 1: blocks of four channels; per tap one
 * input word and one weight word, each split by SXTB16 / SXTB16 ROR 8 into the int16 pairs of
 * channels (0, 2) and (1, 3), and four SMLABB / SMLATT into the four accumulators, in one
 * assembly loop over the window's taps (`pixel`); four channels requantized, packed and clamped
 * bytewise, one word stored. The input offset enters through the filter sums
 * (mf_dwconv_s8_common.h). Other layouts take the scalar path.
 * KWS's 3x3 depthwise over 25x5x64 on qemu-cortex-m4: 1,006,184 -> 602,366 instructions. */
#include "mf_dsp_dot.h"
#include "mf_dwconv_s8_common.h"

#define BLOCK 4

/* Sums in registers; the C row is the path of the tail block and of the layers `pixel` does not
 * take (more than MF_DW_MAX_TAPS taps or MF_DW_MAX_CHANNELS channels). */
MF_DW_S8_SCALAR_SUMS(BLOCK)
typedef mf_dw_sums acc_t;

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

static inline __attribute__((always_inline)) void store1(const mf_conv_params_s8 *p, int8_t *y, int c, int32_t acc) {
    int32_t v = mf_dsp_requantize(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
    y[c] = (int8_t)mf_clamp(v, p->act_min, p->act_max);
}

/* Four channels: requantized, saturated to int8 (SSAT), packed and clamped to the activation
 * range bytewise (SSUB8 / SEL), one word stored. */
static inline __attribute__((always_inline)) void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, acc_t a) {
    if (n < BLOCK) {
        for (int i = 0; i < n; i++) store1(p, y, c0 + i, a.c[i]);
        return;
    }
    const int32_t *m = p->multiplier + c0, *s = p->shift + c0, off = p->output_offset;
    int32_t v0 = __ssat(mf_dsp_requantize(a.c[0], m[0], s[0]) + off, 8);
    int32_t v1 = __ssat(mf_dsp_requantize(a.c[1], m[1], s[1]) + off, 8);
    int32_t v2 = __ssat(mf_dsp_requantize(a.c[2], m[2], s[2]) + off, 8);
    int32_t v3 = __ssat(mf_dsp_requantize(a.c[3], m[3], s[3]) + off, 8);
    int32_t word = mf_dsp_pack_clamp4(v0, v1, v2, v3, mf_dsp_bytes4(p->act_min), mf_dsp_bytes4(p->act_max));
    __builtin_memcpy(y + c0, &word, 4);
}

/* Any pixel (mf_dw_tap_offsets: up to MF_DW_MAX_TAPS taps, MF_DW_MAX_CHANNELS channels): every
 * whole block of four channels in one assembly loop over all the taps of the window, the input
 * offset of each tap read from the table (the same for every block), the weights one row of
 * out_c bytes apart. 13 instructions a tap, no bookkeeping per row (which the generic nest kept
 * on the stack). */
static __attribute__((noinline)) int pixel(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y, const mf_dw_taps *t) {
    int32_t offsets[MF_DW_MAX_TAPS];
    int8_t zero_points[MF_DW_MAX_CHANNELS];
    const int32_t c = p->out_c, taps = MF_DSP_ASM_LOOPS ? mf_dw_tap_offsets(p, in, t, offsets, zero_points) : 0;
    if (!taps) return 0;
    const int8_t *x = in;
    int c0 = 0;
    for (; c0 + BLOCK <= c; c0 += BLOCK, x += BLOCK) {
        acc_t a = mf_dw_sums_init(p, c0, BLOCK);
        const int32_t *o = offsets;
        const int8_t *w = p->weights + c0;
        int32_t n = taps, xv, wv, xe, we;
        __asm__ volatile(
            "1:\n\t"
            "ldr %[xe], [%[o]], #4\n\t"
            "ldr %[wv], [%[w]]\n\t"
            "ldr %[xv], [%[x], %[xe]]\n\t"
            "add %[w], %[w], %[c]\n\t"
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
            : [a0] "+r"(a.c[0]), [a1] "+r"(a.c[1]), [a2] "+r"(a.c[2]), [a3] "+r"(a.c[3]), [o] "+r"(o), [w] "+r"(w),
              [n] "+r"(n), [xv] "=&r"(xv), [wv] "=&r"(wv), [xe] "=&r"(xe), [we] "=&r"(we)
            : [x] "r"(x), [c] "r"(c)
            : "cc", "memory");
        store(p, y, c0, BLOCK, a);
    }
    return c0;
}

/* Channels c0.. (n of them) of output pixel y: MF_DW_S8_BLOCK with this file's hooks, for
 * whole blocks (n = BLOCK, a constant) and the tail. Out of line: the path of the tail block and
 * of the layers `pixel` does not take. */
static __attribute__((noinline)) void block(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y,
                                            const mf_dw_taps *taps, int c0, int n) {
    if (n == BLOCK) MF_DW_S8_BLOCK(p, in, y, *taps, c0, BLOCK, acc_t, mf_dw_sums_init, mf_dw_sums_row, pad, store)
    else MF_DW_S8_BLOCK(p, in, y, *taps, c0, n, acc_t, mf_dw_sums_init, mf_dw_sums_row, pad, store)
}

/* Depth multiplier 1 with the host-computed bias_with_offset: output pixels in row-major order
 * (MF_DW_S8_CHANNEL_BLOCKS), the whole blocks of four channels of each through `pixel` where the
 * layer fits its tables, the other channels through `block`. Other layouts take the scalar path
 * (mf_depthwise_scalar). */
mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->depth_multiplier != 1 || !p->bias_with_offset) return mf_depthwise_scalar(p, in, out);
    MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, block, pixel)
    return MF_OK;
}
