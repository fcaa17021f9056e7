/* The int8 pooling nest of the ISA variants (the references, ref/mf_avg_pool2d_s8.c and
 * ref/mf_max_pool2d_s8.c, are their own plain loop nests): output pixels in row-major order,
 * each from the in-bounds taps of its window (padding only shrinks the window; an average
 * divides by the in-bounds taps). A variant vectorizes over the channels of one
 * output pixel and writes a block of channels after reading the whole window for it: the host
 * writes the output over the input where the input dies with the layer, relying on that order
 * (toolchain/mcuforge/integer/inplace.py). */
#ifndef MF_POOL_S8_COMMON_H
#define MF_POOL_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The in-bounds taps of one output pixel: rows x cols taps from input element `first` (its
 * channel 0), rows row_step elements apart, taps `channels` elements apart in a row. */
typedef struct {
    int32_t first, rows, cols, row_step;
} mf_pool_window;

static inline mf_pool_window mf_pool_window_of(const mf_pool_params_s8 *p, int oy, int ox) {
    int y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    int ys = y0 < 0 ? 0 : y0, ye = y0 + p->k_h > p->in_h ? p->in_h : y0 + p->k_h;
    int xs = x0 < 0 ? 0 : x0, xe = x0 + p->k_w > p->in_w ? p->in_w : x0 + p->k_w;
    mf_pool_window w;
    w.first = (ys * p->in_w + xs) * p->channels;
    w.rows = ye - ys, w.cols = xe - xs, w.row_step = p->in_w * p->channels;
    return w;
}

/* TFLite's average of `count` values summing to `sum`: rounded half away from zero (C division
 * truncates toward zero). */
static inline int32_t mf_pool_average(int32_t sum, int32_t count) {
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* One channel of one output pixel, one tap at a time, as the reference (the variants' channel
 * tails); x points at the channel in the window's first tap. */
static inline int8_t mf_avg_pool_channel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w) {
    int32_t sum = 0;
    for (int32_t r = 0; r < w.rows; r++, x += w.row_step)
        for (int32_t c = 0; c < w.cols; c++) sum += x[c * p->channels];
    return (int8_t)mf_clamp(mf_pool_average(sum, w.rows * w.cols), p->act_min, p->act_max);
}

static inline int8_t mf_max_pool_channel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w) {
    int32_t max = -128;
    for (int32_t r = 0; r < w.rows; r++, x += w.row_step)
        for (int32_t c = 0; c < w.cols; c++) {
            int32_t v = x[c * p->channels];
            max = v > max ? v : max;
        }
    return (int8_t)mf_clamp(max, p->act_min, p->act_max);
}

/* The SIMD variants sum int8 taps in int16 lanes: up to 256 taps, |sum| <= 128 * 256 = 32768,
 * and 256 taps of -128 are -32768, still an int16. A larger window is summed in chunks of
 * MF_POOL_CHUNK_ROWS(w) rows, each chunk's int16 sums added into int32; a window row of more
 * than 256 taps takes the channel-at-a-time path. */
#define MF_POOL_MAX_INT16_TAPS 256
#define MF_POOL_CHUNK_ROWS(w) (MF_POOL_MAX_INT16_TAPS / (w).cols)

/* The nest: PIXEL(p, x, w, y) computes every channel of one output pixel, x pointing at the
 * window's first in-bounds tap, w its mf_pool_window, y its output. Returns MF_ERR_ARG from the
 * enclosing kernel on a window without in-bounds taps. */
#define MF_POOL_S8_NEST(p, in, out, PIXEL)                                                       \
    for (int oy_ = 0; oy_ < (p)->out_h; oy_++)                                                   \
        for (int ox_ = 0; ox_ < (p)->out_w; ox_++) {                                             \
            mf_pool_window w_ = mf_pool_window_of(p, oy_, ox_);                                  \
            if (w_.rows <= 0 || w_.cols <= 0) return MF_ERR_ARG;                                 \
            PIXEL(p, (in) + w_.first, w_, (out) + (oy_ * (p)->out_w + ox_) * (p)->channels);     \
        }

/* Channels from c0 to the last of one output pixel, one at a time: CHANNEL is
 * mf_avg_pool_channel or mf_max_pool_channel. */
#define MF_POOL_S8_CHANNELS(p, x, w, y, c0, CHANNEL)                                             \
    for (int32_t c_ = (c0); c_ < (p)->channels; c_++) (y)[c_] = CHANNEL(p, (x) + c_, w);

#endif
