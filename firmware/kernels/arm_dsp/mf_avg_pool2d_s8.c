/* Cortex-M DSP int8 average pooling: four channels a word, their sums over the window in int16
 * lanes (SXTAB16 on the even channels, and through ROR 8 on the odd ones: a load and two
 * SXTAB16 a tap for four channels, the loop unrolled by two taps), added into int32 every 256
 * taps; the rounded division by the count with SDIV. Channel tails one at a time. */
#include "mf_dsp_dot.h"
#include "mf_pool_s8_common.h"

/* Adds one window row of four channels (taps step bytes apart) into the int16 lanes, two taps a
 * pass. */
static inline void row4(const int8_t *t, int32_t cols, int32_t step, int32_t *even, int32_t *odd) {
    for (; cols >= 2; cols -= 2, t += 2 * step) {
        int32_t u = mf_dsp_load4(t), v = mf_dsp_load4(t + step);
        *even = __sxtab16(__sxtab16(*even, u), v);
        *odd = __sxtab16(__sxtab16(*odd, mf_ror(u, 8)), mf_ror(v, 8));
    }
    if (cols) {
        int32_t v = mf_dsp_load4(t);
        *even = __sxtab16(*even, v);
        *odd = __sxtab16(*odd, mf_ror(v, 8));
    }
}

static inline void block4(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, chunk = MF_POOL_CHUNK_ROWS(w);
    for (int32_t r0 = 0; r0 < w.rows; r0 += chunk) {
        int32_t even = 0, odd = 0, r1 = r0 + chunk < w.rows ? r0 + chunk : w.rows;
        for (const int8_t *row = x + r0 * w.row_step, *end = x + r1 * w.row_step; row != end; row += w.row_step)
            row4(row, w.cols, p->channels, &even, &odd);
        s0 += (int16_t)even, s2 += even >> 16, s1 += (int16_t)odd, s3 += odd >> 16;
    }
    int32_t count = w.rows * w.cols;
    y[0] = (int8_t)mf_clamp(mf_pool_average(s0, count), p->act_min, p->act_max);
    y[1] = (int8_t)mf_clamp(mf_pool_average(s1, count), p->act_min, p->act_max);
    y[2] = (int8_t)mf_clamp(mf_pool_average(s2, count), p->act_min, p->act_max);
    y[3] = (int8_t)mf_clamp(mf_pool_average(s3, count), p->act_min, p->act_max);
}

/* block4, or for a window row too long for the int16 chunks, the channel-at-a-time path */
static inline void block(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    if (w.cols <= MF_POOL_MAX_INT16_TAPS) block4(p, x, w, y);
    else
        for (int c = 0; c < 4; c++) y[c] = mf_avg_pool_channel(p, x + c, w);
}

/* The channels from c0 on (fewer than four), one at a time. Out of line: inlined, they took
 * registers from the blocks. */
static __attribute__((noinline)) void tail(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y,
                                           int32_t c0) {
    MF_POOL_S8_CHANNELS(p, x, w, y, c0, mf_avg_pool_channel)
}

/* Every channel of one output pixel: x at its window's first tap, y at its output. */
static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t c0 = 0;
    for (; c0 + 4 <= p->channels; c0 += 4) block(p, x + c0, w, y + c0);
    if (c0 < p->channels) tail(p, x, w, y, c0);
}

/* TFLite's int8 average pooling: each output channel the average of the taps of its window
 * inside the input; output pixels in row-major order (MF_POOL_S8_NEST), four channels a pass. */
mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_POOL_S8_NEST(p, in, out, pixel)
    return MF_OK;
}
