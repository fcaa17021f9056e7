/* Helium: 32 outputs a block, summed in four int16x8 registers over the chunk's spikes (VLDRB.S16
 * widens the weights; 0.34 instructions an output a spike), then widened into the currents;
 * the last outputs eight at a time, tail-predicated. The spike list takes sixteen inputs a
 * compare. */
#include <arm_mve.h>

#include "mf_features.h"

/* Sixteen inputs a compare: the predicate's bits are the non-zero bytes; all of them 0 or 1,
 * each set bit is a spike's index (count trailing zeros); otherwise the portable list's
 * byte-by-byte rule for those sixteen. */
#define MF_SNN_SPIKE_LIST mve_spike_list
#include <stdint.h>
static int32_t mve_spike_list(const int8_t *x, int32_t n, uint16_t *list, int32_t *values);
#include "mf_snn_events_common.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

static __attribute__((noinline)) int32_t mve_spike_list(const int8_t *x, int32_t n, uint16_t *list,
                                                        int32_t *values) {
    int32_t ones = 0, others = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        const uint8x16_t v = vldrbq_u8((const uint8_t *)x + i);
        uint32_t fired = vcmpneq_n_u8(v, 0);
        if (fired == 0) continue;
        if (vcmphiq_n_u8(v, 1) == 0) { /* spikes only */
            do {
                list[ones++] = (uint16_t)(i + __builtin_ctz(fired));
                fired &= fired - 1;
            } while (fired);
            continue;
        }
        for (int32_t k = i; k < i + 16; k++) mf_snn_list_one(x, k, n, list, &ones, &others);
    }
    for (; i < n; i++) mf_snn_list_one(x, i, n, list, &ones, &others);
    *values = others;
    return ones;
}

static void widen(int32_t *cur, const int16_t *sums, int32_t n, const int32_t *base) {
    const int32_t *from = base ? base : cur;
    for (int32_t o = 0; o < n; o += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(n - o));
        vstrwq_p_s32(cur + o, vaddq_x_s32(vldrwq_z_s32(from + o, p), vldrhq_z_s32(sums + o, p), p), p);
    }
}

/* cur[0..8) = from[0..8) + a: VLD2/VST2 take the int32 values as even and odd lanes, as VMOVLB
 * and VMOVLT widen a's. */
static inline void widen8(int32_t *cur, const int32_t *from, int16x8_t a) {
    int32x4x2_t b = vld2q_s32(from);
    b.val[0] = vaddq_s32(b.val[0], vmovlbq_s16(a));
    b.val[1] = vaddq_s32(b.val[1], vmovltq_s16(a));
    vst2q_s32(cur, b);
}

static void rows(int32_t *cur, const int8_t *wt, int32_t n, const uint16_t *list, int32_t count,
                 const int32_t *base) {
    int16_t sums[8] __attribute__((aligned(16)));
    int32_t o = 0;
    for (; o + 32 <= n; o += 32) {
        int16x8_t a0 = vdupq_n_s16(0), a1 = a0, a2 = a0, a3 = a0;
        for (int32_t e = 0; e < count; e++) { /* 11 instructions a spike: 0.34 an output */
            const int8_t *r = wt + list[e] * n + o;
            a0 = vaddq_s16(a0, vldrbq_s16(r));
            a1 = vaddq_s16(a1, vldrbq_s16(r + 8));
            a2 = vaddq_s16(a2, vldrbq_s16(r + 16));
            a3 = vaddq_s16(a3, vldrbq_s16(r + 24));
        }
        const int32_t *from = base ? base + o : cur + o;
        widen8(cur + o, from, a0);
        widen8(cur + o + 8, from + 8, a1);
        widen8(cur + o + 16, from + 16, a2);
        widen8(cur + o + 24, from + 24, a3);
    }
    for (; o < n; o += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(n - o));
        int16x8_t a = vdupq_n_s16(0);
        for (int32_t e = 0; e < count; e++) a = vaddq_x_s16(a, vldrbq_z_s16(wt + list[e] * n + o, p), p);
        vst1q_s16(sums, a);
        widen(cur + o, sums, n - o < 8 ? n - o : 8, base ? base + o : 0);
    }
}

mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch) {
    return mf_snn_events_driver(x, n_in, wt, bias, cur, n_out, scratch, rows);
}
