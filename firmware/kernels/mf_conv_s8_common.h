/* The int8 convolution nest of the ISA variants (the reference, ref/mf_conv2d_s8.c, is its own
 * plain loop nest), MF_CONV_S8_PIXEL_PAIRS: the window of each output pixel is copied once into
 * a contiguous patch in the weights' layout (im2col), two pixels at a time, then each block of
 * output channels is one long dot product of both patches with each filter (one weight load for
 * two pixels); the input offset enters once per output through the host-computed filter sums.
 * The nest walks the output pixels in row-major order, in pairs (reading both windows again for
 * each block of output channels): the host's in-place planning relies on that order
 * (toolchain/mcuforge/integer/inplace.py); a nest that changes it must change the lag there. */
#ifndef MF_CONV_S8_COMMON_H
#define MF_CONV_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The valid tap window of output pixel (oy, ox). */
typedef struct {
    int ky0, ky1, kx0, kx1, iy0, ix0;
} mf_window;

static inline mf_window mf_window_of(const mf_conv_params_s8 *p, int oy, int ox) {
    mf_window w;
    w.iy0 = oy * p->stride_h - p->pad_h;
    w.ix0 = ox * p->stride_w - p->pad_w;
    w.ky0 = 0;
    while (w.ky0 < p->k_h && w.iy0 + w.ky0 * p->dilation_h < 0) w.ky0++;
    w.ky1 = p->k_h;
    while (w.ky1 > w.ky0 && w.iy0 + (w.ky1 - 1) * p->dilation_h >= p->in_h) w.ky1--;
    w.kx0 = 0;
    while (w.kx0 < p->k_w && w.ix0 + w.kx0 * p->dilation_w < 0) w.kx0++;
    w.kx1 = p->k_w;
    while (w.kx1 > w.kx0 && w.ix0 + (w.kx1 - 1) * p->dilation_w >= p->in_w) w.kx1--;
    return w;
}

/* Elements of one im2col patch: k_h x k_w x in_c, rounded up to a whole number of the variant's
 * chunks (`chunk` elements). The SIMD variants' weights are stored blocked to match (the host's
 * toolchain/mcuforge/integer/emit.py: CONV_LAYOUTS): blocks of `block` output channels, each as
 * patch / chunk chunks of `block` x `chunk` bytes, zero-padded, so the inner loop needs no tails
 * (mf_conv_layout_s8). The host plans two patches of scratch (mf_conv_pairs_buffer_size). */
static inline int32_t mf_conv_patch_size(const mf_conv_params_s8 *p, int32_t chunk) {
    return (p->k_h * p->k_w * p->in_c + chunk - 1) / chunk * chunk;
}

/* The variant's element moves into a patch: copy n input bytes, or fill n elements with value,
 * from element `at` of the patch (int8, or int16 for variants that widen once here). */
typedef void (*mf_patch_copy)(void *patch, int32_t at, const int8_t *src, int32_t n);
typedef void (*mf_patch_fill)(void *patch, int32_t at, int8_t value, int32_t n);

/* The im2col patch of window w: k_h x k_w x in_c elements in the weights' layout. The taps
 * outside the input hold the input zero point, as TFLite pads: with the offset they add 0, so
 * every pixel, border or not, takes input_offset * (sum of the filter's weights). */
static inline void mf_conv_im2col(const mf_conv_params_s8 *p, const int8_t *in, mf_window w, void *patch,
                                  mf_patch_copy copy, mf_patch_fill fill) {
    const int32_t c = p->in_c, row = p->k_w * c;
    const int8_t zero_point = (int8_t)-p->input_offset;
    if (p->dilation_w == 1 && w.ky1 - w.ky0 == p->k_h && w.kx1 - w.kx0 == p->k_w) { /* inside: rows only */
        const int8_t *x = in + (w.iy0 * p->in_w + w.ix0) * c;
        for (int32_t at = 0; at < p->k_h * row; at += row, x += p->dilation_h * p->in_w * c) copy(patch, at, x, row);
        return;
    }
    for (int ky = 0, at = 0; ky < p->k_h; ky++, at += row) {
        if (ky < w.ky0 || ky >= w.ky1) {
            fill(patch, at, zero_point, row);
            continue;
        }
        int32_t x = ((w.iy0 + ky * p->dilation_h) * p->in_w + w.ix0) * c; /* input offset of tap kx = 0 */
        if (p->dilation_w == 1) {
            fill(patch, at, zero_point, w.kx0 * c);
            copy(patch, at + w.kx0 * c, in + x + w.kx0 * c, (w.kx1 - w.kx0) * c);
            fill(patch, at + w.kx1 * c, zero_point, (p->k_w - w.kx1) * c);
        } else {
            for (int kx = 0; kx < p->k_w; kx++) {
                if (kx < w.kx0 || kx >= w.kx1) fill(patch, at + kx * c, zero_point, c);
                else copy(patch, at + kx * c, in + x + kx * p->dilation_w * c, c);
            }
        }
    }
}

/* A 1x1 unpadded convolution over a whole number of chunks of input channels, with int8 patches,
 * needs no im2col: the input pixel is the patch, and the host plans no scratch (p->scratch =
 * NULL). */
static inline int mf_conv_is_direct(const mf_conv_params_s8 *p, int32_t chunk, int32_t esize) {
    return esize == 1 && p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0 && p->in_c % chunk == 0;
}

/* The scratch MF_CONV_S8_PIXEL_PAIRS needs, in bytes (a variant's mf_conv2d_s8_get_buffer_size):
 * two patches of `esize`-byte elements, none for a direct convolution. */
static inline int32_t mf_conv_pairs_buffer_size(const mf_conv_params_s8 *p, int32_t chunk, int32_t esize) {
    return mf_conv_is_direct(p, chunk, esize) ? 0 : 2 * mf_conv_patch_size(p, chunk) * esize;
}

/* The patch of output pixel i (row-major): the input pixel itself when direct, else its im2col
 * copy in patch. */
static inline __attribute__((always_inline)) const void *mf_conv_patch_of(const mf_conv_params_s8 *p,
                                                                          const int8_t *in, int i, void *patch,
                                                                          mf_patch_copy copy, mf_patch_fill fill) {
    int oy = i / p->out_w, ox = i % p->out_w;
    if (!p->scratch) return in + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_c;
    mf_conv_im2col(p, in, mf_window_of(p, oy, ox), patch, copy, fill);
    return patch;
}

/* The SIMD variants' nest: output pixels in pairs (the last one alone computed twice), their
 * patches (elements of ESIZE bytes), then PAIR(p, patch0, patch1, y0, y1) computes every output
 * channel of both pixels. Without scratch the convolution must be direct (mf_conv_is_direct). */
#define MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, ESIZE, COPY, FILL, PAIR)                       \
    {                                                                                            \
        if (!(p)->scratch && !mf_conv_is_direct(p, CHUNK, ESIZE)) return MF_ERR_ARG;             \
        const int32_t patch_ = mf_conv_patch_size(p, CHUNK) * (ESIZE), pixels_ = (p)->out_h * (p)->out_w; \
        int8_t *scratch0_ = (p)->scratch, *scratch1_ = (p)->scratch + patch_;                    \
        for (int i = 0; i < pixels_; i += 2) {                                                   \
            int j = i + 1 < pixels_ ? i + 1 : i;                                                 \
            const void *patch0_ = mf_conv_patch_of(p, in, i, scratch0_, COPY, FILL);             \
            const void *patch1_ = mf_conv_patch_of(p, in, j, scratch1_, COPY, FILL);             \
            PAIR(p, patch0_, patch1_, (out) + i * (p)->out_c, (out) + j * (p)->out_c);          \
        }                                                                                        \
    }

#endif
