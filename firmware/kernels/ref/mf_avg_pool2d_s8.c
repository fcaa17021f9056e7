/* Reference int8 average pooling, portable C: TFLite's int8 average pooling (as TFLite Micro's
 * reference kernel), the specification that the ISA variants match bit for bit.
 *
 * Input and output NHWC, batch 1, the same channels. Each output channel is the average of the
 * input values of the taps of its window inside the input (padding only shrinks the window, and
 * the average divides by the taps inside), rounded half away from zero, clamped to the
 * activation range (input and output share their scale and zero point). Output
 * pixels are computed one at a time in row-major order, every channel of a pixel after reading
 * its window: the host's in-place planning relies on that order (integer/inplace.py). A window
 * without a tap inside the input is an error (MF_ERR_ARG). */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The taps of one output pixel's window inside the input: rows x cols taps from input element
 * `first` (its channel 0), rows row_step elements apart, taps `channels` elements apart in a
 * row. */
typedef struct {
    int32_t first, rows, cols, row_step;
} window;

static inline window window_of(const mf_pool_params_s8 *p, int oy, int ox) {
    int y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w; /* tap (0, 0) */
    int ys = y0 < 0 ? 0 : y0, ye = y0 + p->k_h > p->in_h ? p->in_h : y0 + p->k_h; /* rows [ys, ye) */
    int xs = x0 < 0 ? 0 : x0, xe = x0 + p->k_w > p->in_w ? p->in_w : x0 + p->k_w; /* columns [xs, xe) */
    window w;
    w.first = (ys * p->in_w + xs) * p->channels;
    w.rows = ye - ys, w.cols = xe - xs, w.row_step = p->in_w * p->channels;
    return w;
}

/* TFLite's average of `count` values summing to `sum`: rounded half away from zero (C division
 * truncates toward zero). */
static inline int32_t average(int32_t sum, int32_t count) {
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* One output channel: x points at the channel in the window's first tap. */
static inline int8_t channel(const mf_pool_params_s8 *p, const int8_t *x, window w) {
    int32_t sum = 0;
    for (int32_t r = 0; r < w.rows; r++, x += w.row_step) {
        for (int32_t c = 0; c < w.cols; c++) sum += x[c * p->channels];
    }
    return (int8_t)mf_clamp(average(sum, w.rows * w.cols), p->act_min, p->act_max);
}

/* Every channel of one output pixel: x points at the window's first tap, y at the output. */
static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, window w, int8_t *y) {
    for (int32_t c = 0; c < p->channels; c++) y[c] = channel(p, x + c, w);
}

mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const window w = window_of(p, oy, ox);
            if (w.rows <= 0 || w.cols <= 0) return MF_ERR_ARG;
            pixel(p, in + w.first, w, out + (oy * p->out_w + ox) * p->channels);
        }
    }
    return MF_OK;
}
