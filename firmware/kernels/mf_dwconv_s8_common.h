/* The int8 depthwise convolution nests of the ISA variants (the reference,
 * ref/mf_depthwise_conv2d_s8.c, is its own plain loop nest): output pixels walk the image, each
 * variant vectorizes over the channels of one output pixel. The host writes the output over the
 * input where the input dies with the layer, relying on that row-major pixel order
 * (toolchain/mcuforge/integer/inplace.py). */
#ifndef MF_DWCONV_S8_COMMON_H
#define MF_DWCONV_S8_COMMON_H

#include "mf_conv_s8_common.h"

/* Channel oc (= ic * M + m) of one output pixel, one MAC at a time. */
static inline int8_t mf_dw_channel_scalar(const mf_conv_params_s8 *p, const int8_t *in, mf_window w, int oc) {
    int ic = oc / p->depth_multiplier;
    int32_t acc = p->bias[oc];
    for (int ky = w.ky0; ky < w.ky1; ky++)
        for (int kx = w.kx0; kx < w.kx1; kx++) {
            int iy = w.iy0 + ky * p->dilation_h, ix = w.ix0 + kx * p->dilation_w;
            acc += (in[(iy * p->in_w + ix) * p->in_c + ic] + p->input_offset) * p->weights[(ky * p->k_w + kx) * p->out_c + oc];
        }
    acc = mf_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)mf_clamp(acc, p->act_min, p->act_max);
}

/* The whole depthwise convolution one MAC at a time, as the reference: the variants' path for
 * layouts their vector loops do not take. */
static inline mf_status mf_depthwise_scalar(const mf_conv_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            mf_window w = mf_window_of(p, oy, ox);
            for (int oc = 0; oc < p->out_c; oc++)
                out[(oy * p->out_w + ox) * p->out_c + oc] = mf_dw_channel_scalar(p, in, w, oc);
        }
    return MF_OK;
}

/* The valid taps of one output pixel, as the SIMD nest walks them: the input and weight offsets
 * of its first valid tap, rows x cols valid taps, and the strides between rows and columns. */
typedef struct {
    int32_t x, w, rows, cols, x_row, x_col, w_row;
    mf_window win;
} mf_dw_taps;

static inline mf_dw_taps mf_dw_taps_of(const mf_conv_params_s8 *p, int oy, int ox) {
    mf_dw_taps t;
    t.win = mf_window_of(p, oy, ox);
    t.x = ((t.win.iy0 + t.win.ky0 * p->dilation_h) * p->in_w + t.win.ix0 + t.win.kx0 * p->dilation_w) * p->in_c;
    t.w = (t.win.ky0 * p->k_w + t.win.kx0) * p->out_c;
    t.rows = t.win.ky1 - t.win.ky0, t.cols = t.win.kx1 - t.win.kx0;
    t.x_row = p->dilation_h * p->in_w * p->in_c, t.x_col = p->dilation_w * p->in_c, t.w_row = p->k_w * p->out_c;
    return t;
}

/* A block's sums in general registers, for the variants that keep one int32 per channel
 * (arm_dsp, rv32): mf_dw_sums of BLOCK channels, INIT from bias_with_offset and a C ROW, one MAC
 * per channel and tap (the variant's own hot loop is elsewhere: its PAD, STORE, pixel path). */
#define MF_DW_S8_SCALAR_SUMS(BLOCK)                                                               \
    typedef struct {                                                                             \
        int32_t c[BLOCK];                                                                        \
    } mf_dw_sums;                                                                                \
                                                                                                 \
    static inline mf_dw_sums mf_dw_sums_init(const mf_conv_params_s8 *p, int c0, int n) {        \
        mf_dw_sums a = {{0}};                                                                    \
        for (int i = 0; i < n; i++) a.c[i] = p->bias_with_offset[c0 + i];                        \
        return a;                                                                                \
    }                                                                                            \
                                                                                                 \
    static inline mf_dw_sums mf_dw_sums_row(mf_dw_sums a, const int8_t *x, const int8_t *w, int taps, \
                                            int32_t x_step, int32_t w_step, int n) {             \
        for (; taps > 0; taps--, x += x_step, w += w_step)                                      \
            for (int i = 0; i < n; i++) a.c[i] += x[i] * w[i];                                   \
        return a;                                                                                \
    }

/* The SIMD variants' nest, for depth multiplier 1 (other layouts take mf_depthwise_scalar):
 * output pixels, then blocks of BLOCK channels (then the tail block): BLOCK_FN(p, in, y, taps,
 * c0, n) computes the n channels from c0 of the output pixel y (taps: its mf_dw_taps), each
 * variant with MF_DW_S8_BLOCK in a function of its own (where its registers go to the block),
 * specialized for whole blocks (n = BLOCK, a constant) and the tail; PIXEL_FN(p, in, y, taps)
 * -> c is a path of the variant's own that computes the first c channels of the output pixel
 * (mf_dw_no_pixel: none, 0), the blocks do the rest.
 *
 * MF_DW_S8_BLOCK: one block over the taps of the window. The input offset enters once per output through the host-computed filter sums (INIT starts
 * from p->bias_with_offset = bias + input_offset * sum of the channel's weights), so a tap
 * inside the input is one multiply-accumulate of input and weight, and a tap in the padding
 * (which TFLite skips) adds zero point x weight, cancelling its share of the filter sum. The
 * variant supplies, for acc_t the accumulators of one block of n channels from c0 (n is the
 * constant BLOCK except in the tail block):
 *   INIT(p, c0, n) -> acc_t;
 *   ROW(acc, x, w, taps, x_step, w_step, n) -> acc_t: a row of valid taps, from input x and
 *     weights w at channel c0 of its first tap (taps >= 1);
 *   PAD(acc, w, zero_point, n) -> acc_t: one padded tap, weights w at channel c0;
 *   STORE(p, y, c0, n, acc): requantizes and stores at y + c0. */
#define MF_DW_S8_BLOCK(p, in, y, t, c0, n, acc_t, INIT, ROW, PAD, STORE)                         \
    {                                                                                            \
        acc_t acc_ = INIT(p, c0, n);                                                             \
        const int8_t *xr_ = (in) + (t).x + (c0), *wr_ = (p)->weights + (t).w + (c0);            \
        for (int r_ = 0; r_ < (t).rows; r_++, xr_ += (t).x_row, wr_ += (t).w_row)               \
            acc_ = ROW(acc_, xr_, wr_, (t).cols, (t).x_col, (p)->out_c, n);                      \
        if ((t).rows * (t).cols != (p)->k_h * (p)->k_w) { /* a border pixel: its padded taps */ \
            const int8_t *k_ = (p)->weights + (c0);                                              \
            for (int ky = 0; ky < (p)->k_h; ky++, k_ += (t).w_row) {                             \
                int inside_ = ky >= (t).win.ky0 && ky < (t).win.ky1;                             \
                int left_ = inside_ ? (t).win.kx0 : (p)->k_w, right_ = inside_ ? (t).win.kx1 : (p)->k_w; \
                for (int kx = 0; kx < left_; kx++)                                               \
                    acc_ = PAD(acc_, k_ + kx * (p)->out_c, -(p)->input_offset, n);               \
                for (int kx = right_; kx < (p)->k_w; kx++)                                       \
                    acc_ = PAD(acc_, k_ + kx * (p)->out_c, -(p)->input_offset, n);               \
            }                                                                                    \
        }                                                                                        \
        STORE(p, y, c0, n, acc_);                                                                \
    }

#define MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, BLOCK_FN, PIXEL_FN)                           \
    for (int oy = 0; oy < (p)->out_h; oy++)                                                      \
        for (int ox = 0; ox < (p)->out_w; ox++) {                                                \
            const mf_dw_taps taps_ = mf_dw_taps_of(p, oy, ox);                                   \
            int8_t *y_ = (out) + (oy * (p)->out_w + ox) * (p)->out_c;                            \
            int c0_ = PIXEL_FN(p, in, y_, &taps_);                                               \
            for (; c0_ + (BLOCK) <= (p)->out_c; c0_ += (BLOCK))                                  \
                BLOCK_FN(p, in, y_, &taps_, c0_, BLOCK);                                         \
            if (c0_ < (p)->out_c)                                                                \
                BLOCK_FN(p, in, y_, &taps_, c0_, (p)->out_c - c0_);                              \
        }

/* For a variant's whole-pixel path (PIXEL_FN of MF_DW_S8_CHANNEL_BLOCKS): the offset from `in` of each
 * tap of the pixel's window (row by row; the weights of tap k are k * out_c bytes into the
 * filter), for a layer of at most MF_DW_MAX_TAPS taps and MF_DW_MAX_CHANNELS channels. A tap in
 * the padding points at `zero_points`, a row of the input's zero point (filled here): its
 * product with the weights cancels the tap's share of the filter sum, as PAD does. The taps, or
 * 0 where the layer is too large for the tables. */
#define MF_DW_MAX_TAPS 32
#define MF_DW_MAX_CHANNELS 256

static inline int32_t mf_dw_tap_offsets(const mf_conv_params_s8 *p, const int8_t *in, const mf_dw_taps *t,
                                        int32_t offsets[MF_DW_MAX_TAPS], int8_t zero_points[MF_DW_MAX_CHANNELS]) {
    const int32_t c = p->out_c, taps = p->k_h * p->k_w;
    if (taps > MF_DW_MAX_TAPS || c > MF_DW_MAX_CHANNELS) return 0;
    const mf_window *win = &t->win;
    const int32_t row = p->dilation_h * p->in_w * c, col = p->dilation_w * c;
    const int32_t first = (win->iy0 * p->in_w + win->ix0) * c, pad = (int32_t)(zero_points - in);
    int32_t *o = offsets;
    if (t->rows * t->cols == taps) { /* inside the input: the usual pixel, in adds */
        for (int32_t ky = 0, r = first; ky < p->k_h; ky++, r += row)
            for (int32_t kx = 0, at = r; kx < p->k_w; kx++, at += col) *o++ = at;
        return taps;
    }
    __builtin_memset(zero_points, (int8_t)-p->input_offset, (unsigned)c);
    for (int ky = 0; ky < p->k_h; ky++)
        for (int kx = 0; kx < p->k_w; kx++) {
            int inside = ky >= win->ky0 && ky < win->ky1 && kx >= win->kx0 && kx < win->kx1;
            *o++ = inside ? first + ky * row + kx * col : pad;
        }
    return taps;
}

/* No whole-pixel path: every channel block goes through the block function. */
static inline int mf_dw_no_pixel(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y, const mf_dw_taps *t) {
    (void)p, (void)in, (void)y, (void)t;
    return 0;
}

#endif
