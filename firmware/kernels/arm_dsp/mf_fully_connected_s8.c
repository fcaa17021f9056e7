/* int8 fully connected on the Cortex-M DSP extension: three units per pass over the input, so
 * each input word is loaded and widened (SXTB16) once for three SMLAD pairs; the input offset
 * enters once per unit through the host-computed filter sums (symmetric weights only, as
 * TFLite's int8 spec). */
#include "mf_dsp_dot.h"
#include "mf_fc_s8_common.h"

#define BLOCK 3

/* acc[k] = x . (row k of w), rows `depth` bytes apart, for three rows. Each input word is widened
 * once (SXTB16, SXTB16 ROR 8) for the three rows' two SMLAD each: 20 instructions per 12 MACs in
 * the loop, written in assembly because the compilers spill its twelve registers (three rows
 * are what fit beside the frame pointer; four would need fourteen). */
static inline void dot3(int32_t acc[BLOCK], const int8_t *x, const int8_t *w, int32_t depth) {
    const int8_t *w0 = w, *w1 = w + depth, *w2 = w1 + depth;
    int32_t a0 = 0, a1 = 0, a2 = 0, words = depth >> 2;
    if (MF_DSP_ASM_LOOPS && words > 0) {
        int32_t lo, hi, k, t;
        __asm__ volatile(
            "1:\n\t"
            "ldr %[hi], [%[x]], #4\n\t"
            "sxtb16 %[lo], %[hi]\n\t" /* inputs 0, 2 */
            "sxtb16 %[hi], %[hi], ror #8\n\t" /* inputs 1, 3 */
            "ldr %[k], [%[w0]], #4\n\t"
            "sxtb16 %[t], %[k]\n\t"
            "smlad %[a0], %[lo], %[t], %[a0]\n\t"
            "sxtb16 %[k], %[k], ror #8\n\t"
            "smlad %[a0], %[hi], %[k], %[a0]\n\t"
            "ldr %[k], [%[w1]], #4\n\t"
            "sxtb16 %[t], %[k]\n\t"
            "smlad %[a1], %[lo], %[t], %[a1]\n\t"
            "sxtb16 %[k], %[k], ror #8\n\t"
            "smlad %[a1], %[hi], %[k], %[a1]\n\t"
            "ldr %[k], [%[w2]], #4\n\t"
            "sxtb16 %[t], %[k]\n\t"
            "smlad %[a2], %[lo], %[t], %[a2]\n\t"
            "sxtb16 %[k], %[k], ror #8\n\t"
            "smlad %[a2], %[hi], %[k], %[a2]\n\t"
            "subs %[n], %[n], #1\n\t"
            "bne 1b"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1),
              [w2] "+r"(w2), [n] "+r"(words), [lo] "=&r"(lo), [hi] "=&r"(hi), [k] "=&r"(k), [t] "=&r"(t)
            :
            : "cc", "memory");
    } else {
        for (; words > 0; words--, x += 4, w0 += 4, w1 += 4, w2 += 4) {
            int32_t v = mf_dsp_load4(x), lo = __sxtb16(v), hi = __sxtb16(mf_ror(v, 8)), k;
            k = mf_dsp_load4(w0), a0 = __smlad(hi, __sxtb16(mf_ror(k, 8)), __smlad(lo, __sxtb16(k), a0));
            k = mf_dsp_load4(w1), a1 = __smlad(hi, __sxtb16(mf_ror(k, 8)), __smlad(lo, __sxtb16(k), a1));
            k = mf_dsp_load4(w2), a2 = __smlad(hi, __sxtb16(mf_ror(k, 8)), __smlad(lo, __sxtb16(k), a2));
        }
    }
    for (int32_t i = 0; i < (depth & 3); i++) a0 += x[i] * w0[i], a1 += x[i] * w1[i], a2 += x[i] * w2[i];
    acc[0] = a0, acc[1] = a1, acc[2] = a2;
}

static inline void block(const mf_fc_params_s8 *p, const int8_t *x, int u0, int n, int8_t *y) {
    int32_t acc[BLOCK];
    if (n == BLOCK) {
        dot3(acc, x, p->weights + u0 * p->depth, p->depth);
    } else {
        for (int k = 0; k < n; k++) acc[k] = mf_dsp_dot_s8(0, x, p->weights + (u0 + k) * p->depth, p->depth);
    }
    for (int k = 0; k < n; k++) {
        int u = u0 + k;
        int32_t v = mf_dsp_requantize(acc[k] + mf_fc_offset(p, u), p->multiplier[u], p->shift[u]) + p->output_offset;
        y[u] = (int8_t)mf_clamp(v, p->act_min, p->act_max);
    }
}

/* out = requantized(in x weights^T + bias): BLOCK units a pass over each input row (block),
 * then the remaining units as one short block. Symmetric weights only (filter_offset 0), with
 * the host-computed bias_with_offset; else MF_ERR_ARG. */
mf_status mf_fully_connected_s8(const mf_fc_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_fc_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->filter_offset != 0 || !p->bias_with_offset) return MF_ERR_ARG;
    MF_FC_S8_UNIT_BLOCKS(p, in, out, BLOCK, block)
    return MF_OK;
}
