/* Scalar RISC-V int8 max pooling: four channels a pass, each tap's four bytes loaded once into
 * four running maxima (one pointer step a tap). Channel tails one at a time. */
#include "mf_rv32.h"
#include "mf_pool_s8_common.h"

static inline int32_t max(int32_t a, int32_t b) { return a > b ? a : b; }

static inline void block4(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t m0 = -128, m1 = -128, m2 = -128, m3 = -128;
    for (const int8_t *row = x, *end = x + w.rows * w.row_step; row != end; row += w.row_step)
        for (const int8_t *t = row, *row_end = row + w.cols * p->channels; t != row_end; t += p->channels)
            m0 = max(m0, mf_rv32_lb(t)), m1 = max(m1, mf_rv32_lb(t + 1)), m2 = max(m2, mf_rv32_lb(t + 2)), m3 = max(m3, mf_rv32_lb(t + 3));
    y[0] = (int8_t)mf_clamp(m0, p->act_min, p->act_max);
    y[1] = (int8_t)mf_clamp(m1, p->act_min, p->act_max);
    y[2] = (int8_t)mf_clamp(m2, p->act_min, p->act_max);
    y[3] = (int8_t)mf_clamp(m3, p->act_min, p->act_max);
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
