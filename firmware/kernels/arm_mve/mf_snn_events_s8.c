/* Helium: 32 outputs a block, summed in four int16x8 registers over the chunk's spikes (VLDRB.S16
 * widens the weights; 0.3 instructions an output a spike), then widened into the currents;
 * the last block tail-predicated. */
#include <arm_mve.h>

#include "mf_features.h"
#include "mf_snn_events_common.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

static void widen(int32_t *cur, const int16_t *sums, int32_t n) {
    for (int32_t o = 0; o < n; o += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(n - o));
        vstrwq_p_s32(cur + o, vaddq_x_s32(vldrwq_z_s32(cur + o, p), vldrhq_z_s32(sums + o, p), p), p);
    }
}

static void rows(int32_t *cur, const int8_t *wt, int32_t n, const uint16_t *list, int32_t count) {
    int16_t sums[32] __attribute__((aligned(16)));
    int32_t o = 0;
    for (; o + 32 <= n; o += 32) {
        int16x8_t a0 = vdupq_n_s16(0), a1 = a0, a2 = a0, a3 = a0;
        for (int32_t e = 0; e < count; e++) {
            const int8_t *r = wt + list[e] * n + o;
            a0 = vaddq_s16(a0, vldrbq_s16(r));
            a1 = vaddq_s16(a1, vldrbq_s16(r + 8));
            a2 = vaddq_s16(a2, vldrbq_s16(r + 16));
            a3 = vaddq_s16(a3, vldrbq_s16(r + 24));
        }
        vst1q_s16(sums, a0);
        vst1q_s16(sums + 8, a1);
        vst1q_s16(sums + 16, a2);
        vst1q_s16(sums + 24, a3);
        widen(cur + o, sums, 32);
    }
    for (; o < n; o += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(n - o));
        int16x8_t a = vdupq_n_s16(0);
        for (int32_t e = 0; e < count; e++) a = vaddq_x_s16(a, vldrbq_z_s16(wt + list[e] * n + o, p), p);
        vst1q_s16(sums, a);
        widen(cur + o, sums, n - o < 8 ? n - o : 8);
    }
}

mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch) {
    return mf_snn_events_driver(x, n_in, wt, bias, cur, n_out, scratch, rows);
}
