/* Cortex-M DSP int8 max pooling: four channels a word, the maximum of four signed bytes by
 * SSUB8 (the GE flags of a >= b per byte) and SEL: three instructions a tap for four channels.
 * Channel tails one at a time. */
#include "mf_dsp_dot.h"
#include "mf_pool_s8_common.h"

/* Per signed byte: max(a, b) and min(a, b). One asm statement each: SEL reads the GE flags the
 * SSUB8 before it set. */
static inline int32_t max4(int32_t a, int32_t b) {
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

static inline int32_t min4(int32_t a, int32_t b) {
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

static inline int32_t bytes4(int32_t v) { return (int32_t)((uint8_t)v * 0x01010101u); }

static inline void block4(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t m = bytes4(-128);
    for (const int8_t *row = x, *end = x + w.rows * w.row_step; row != end; row += w.row_step)
        for (const int8_t *t = row, *row_end = row + w.cols * p->channels; t != row_end; t += p->channels)
            m = max4(mf_dsp_load4(t), m);
    m = min4(max4(m, bytes4(p->act_min)), bytes4(p->act_max));
    __builtin_memcpy(y, &m, 4); /* one STR, unaligned allowed */
}

/* The channels from c0 on (fewer than four), one at a time. Out of line: inlined, they took
 * registers from the blocks. */
static __attribute__((noinline)) void tail(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y,
                                           int32_t c0) {
    MF_POOL_S8_CHANNELS(p, x, w, y, c0, mf_max_pool_channel)
}

/* Every channel of one output pixel: x at its window's first tap, y at its output. */
static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t c0 = 0;
    for (; c0 + 4 <= p->channels; c0 += 4) block4(p, x + c0, w, y + c0);
    if (c0 < p->channels) tail(p, x, w, y, c0);
}

/* TFLite's int8 max pooling: each output channel the largest value of the taps of its window
 * inside the input; output pixels in row-major order (MF_POOL_S8_NEST), four channels a pass. */
mf_status mf_max_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_POOL_S8_NEST(p, in, out, pixel)
    return MF_OK;
}
