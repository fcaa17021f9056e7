/* Cortex-M DSP: eight outputs a block, summed two int16 at a time by SADD16 in four registers
 * over the chunk's spikes. SXTB16 splits four weights into the pairs (w0, w2) and (w1, w3), so
 * the block's sums sit as (o0, o2), (o1, o3), (o4, o6), (o5, o7) until they widen into cur. */
#include <arm_acle.h>

#include "mf_features.h"
#include "mf_snn_events_common.h"

#if !MF_HAVE_DSP
#error "arm_dsp kernels need the Arm DSP extension (-mcpu=cortex-m4/m7/m33/m55)"
#endif

static inline uint32_t rotr8(uint32_t v) { return (v >> 8) | (v << 24); }

static inline void widen_pairs(int32_t *cur, const int32_t *from, int32_t even, int32_t odd) {
    cur[0] = from[0] + (int16_t)even;
    cur[2] = from[2] + (int16_t)(even >> 16);
    cur[1] = from[1] + (int16_t)odd;
    cur[3] = from[3] + (int16_t)(odd >> 16);
}

static void rows(int32_t *cur, const int8_t *wt, int32_t n, const uint16_t *list, int32_t count,
                 const int32_t *base) {
    const int32_t *from = base ? base : cur;
    int32_t o = 0;
    for (; o + 8 <= n; o += 8) {
        int32_t p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (int32_t e = 0; e < count; e++) {
            const int8_t *r = wt + list[e] * n + o;
            uint32_t w0, w1;
            __builtin_memcpy(&w0, r, 4);
            __builtin_memcpy(&w1, r + 4, 4);
            p0 = __sadd16(p0, __sxtb16(w0));
            p1 = __sadd16(p1, __sxtb16(rotr8(w0)));
            p2 = __sadd16(p2, __sxtb16(w1));
            p3 = __sadd16(p3, __sxtb16(rotr8(w1)));
        }
        widen_pairs(cur + o, from + o, p0, p1);
        widen_pairs(cur + o + 4, from + o + 4, p2, p3);
    }
    for (; o < n; o++) {
        int32_t acc = 0;
        for (int32_t e = 0; e < count; e++) acc += wt[list[e] * n + o];
        cur[o] = from[o] + acc;
    }
}

mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch) {
    return mf_snn_events_driver(x, n_in, wt, bias, cur, n_out, scratch, rows);
}
