/* The evaluator's native CPU helpers: the int8 arithmetic of the device, over a whole batch.
 *
 * Built for the host (shared library, loaded with ctypes) from this file and the portable
 * reference kernels in firmware/kernels/ref, so every requantization, add, pooling and softmax
 * here is the device's own C: the same functions, the same integers. Only the multiply-adds of
 * convolutions and dense layers run elsewhere (exact integer sums in float BLAS/oneDNN); their
 * sums arrive here as floats that hold integers exactly. */
#include <stdint.h>
#include <string.h>

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* out[r][c] = clamp(MultiplyByQuantizedMultiplier(acc[r][c] + bias[c], mult[c], shift[c]) + offset),
 * as every int8 convolution and dense kernel ends (int32 accumulator). */
#define MF_EVAL_REQUANTIZE(NAME, T)                                                                 \
    void NAME(const T *restrict acc, int64_t rows, int32_t channels, const int32_t *restrict bias,  \
              const int32_t *restrict mult, const int32_t *restrict shift, int32_t offset,          \
              int32_t lo, int32_t hi, int8_t *restrict out) {                                       \
        for (int64_t r = 0; r < rows; r++) {                                                        \
            const T *a = acc + r * channels;                                                        \
            int8_t *o = out + r * channels;                                                         \
            for (int32_t c = 0; c < channels; c++) {                                                \
                int32_t x = (int32_t)a[c] + bias[c];                                                \
                o[c] = (int8_t)mf_clamp(mf_requantize(x, mult[c], shift[c]) + offset, lo, hi);      \
            }                                                                                       \
        }                                                                                           \
    }

MF_EVAL_REQUANTIZE(mf_eval_requantize_f32, float)
MF_EVAL_REQUANTIZE(mf_eval_requantize_f64, double)

/* out[i] = table[(a[i] + 128) * 256 + b[i] + 128]: an elementwise op of two int8 tensors as a
 * table of all 65,536 input pairs, which the reference kernel itself fills (mf_eval_add). */
void mf_eval_lookup2(const int8_t *restrict table, int64_t n, const int8_t *restrict a,
                     const int8_t *restrict b, int8_t *restrict out) {
    for (int64_t i = 0; i < n; i++) out[i] = table[(a[i] + 128) * 256 + (b[i] + 128)];
}

/* Elementwise add of n elements: the reference kernel, in slices its int32 size can count. */
int mf_eval_add(const mf_add_params_s8 *params, int64_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    mf_add_params_s8 p = *params;
    for (int64_t done = 0; done < n; done += p.size) {
        p.size = (int32_t)(n - done < (1 << 30) ? n - done : (1 << 30));
        if (mf_add_s8(&p, a + done, b + done, out + done) != MF_OK) return 1;
    }
    return 0;
}

/* Pooling of `batch` samples, one reference call per sample. */
int mf_eval_pool(int max, const mf_pool_params_s8 *p, int64_t batch, const int8_t *in, int8_t *out) {
    int64_t in_size = (int64_t)p->in_h * p->in_w * p->channels;
    int64_t out_size = (int64_t)p->out_h * p->out_w * p->channels;
    for (int64_t i = 0; i < batch; i++) {
        mf_status s = max ? mf_max_pool2d_s8(p, in + i * in_size, out + i * out_size)
                          : mf_avg_pool2d_s8(p, in + i * in_size, out + i * out_size);
        if (s != MF_OK) return 1;
    }
    return 0;
}

/* Softmax over `rows` rows of p->depth values (p->rows is ignored: slices of it are used). */
int mf_eval_softmax(const mf_softmax_params_s8 *params, int64_t rows, const int8_t *in, int8_t *out) {
    mf_softmax_params_s8 p = *params;
    for (int64_t done = 0; done < rows; done += p.rows) {
        p.rows = (int32_t)(rows - done < (1 << 20) ? rows - done : (1 << 20));
        if (mf_softmax_s8(&p, in + done * p.depth, out + done * p.depth) != MF_OK) return 1;
    }
    return 0;
}

/* The float operand of a convolution: int8 NHWC samples plus the input offset, zero-padded by
 * top/bottom rows and left/right columns (a padded element is (zero point + offset) = 0, as on
 * the device). Exact: the values are integers of magnitude at most 255. */
#define MF_EVAL_WIDEN(NAME, T)                                                                      \
    void NAME(const int8_t *in, int64_t batch, int32_t h, int32_t w, int32_t c, int32_t offset,    \
              int32_t top, int32_t bottom, int32_t left, int32_t right, T *out) {                   \
        int64_t ow = (int64_t)w + left + right, row = ow * c;                                       \
        for (int64_t b = 0; b < batch; b++) {                                                       \
            T *o = out + b * (h + top + bottom) * row;                                              \
            for (int64_t i = 0; i < top * row; i++) *o++ = 0;                                       \
            for (int32_t y = 0; y < h; y++) {                                                       \
                const int8_t *x = in + ((b * h + y) * w) * c;                                       \
                for (int64_t i = 0; i < (int64_t)left * c; i++) *o++ = 0;                          \
                for (int64_t i = 0; i < (int64_t)w * c; i++) *o++ = (T)(x[i] + offset);             \
                for (int64_t i = 0; i < (int64_t)right * c; i++) *o++ = 0;                         \
            }                                                                                       \
            for (int64_t i = 0; i < bottom * row; i++) *o++ = 0;                                    \
        }                                                                                           \
    }

MF_EVAL_WIDEN(mf_eval_widen_f32, float)
MF_EVAL_WIDEN(mf_eval_widen_f64, double)

/* Depthwise convolution sums over widened (offset, zero-padded) NHWC samples x of hp x wp x c:
 * out[b][oy][ox][k*m + j] = sum over the window of x[..][k] * w[tap][k*m + j]. The outputs of a
 * pixel go in blocks of 32, then 8, then 1, each block's sums held in registers over all taps
 * (32: four independent vector accumulators, so the FMAs do not wait on each other). The
 * operands and every partial sum are integers the float type holds exactly (the caller checks
 * the bound), so the order of the additions and contraction into FMAs do not matter. */
#define MF_EVAL_DW_TAPS(T, WIDTH, X_OF_LANE)                                                          \
    for (int32_t i = 0; i < kh; i++) {                                                               \
        for (int32_t jj = 0; jj < kw; jj++) {                                                        \
            const T *xr = x0 + (i * dh * wp + jj * dw) * c;                                          \
            const T *wr = w + (i * kw + jj) * cm + q;                                                \
            for (int l = 0; l < (WIDTH); l++) acc[l] += (X_OF_LANE) * wr[l];                         \
        }                                                                                            \
    }

/* Outputs q..q+WIDTH-1 of one pixel; m == 1 (one output per input channel) has its own loop. */
#define MF_EVAL_DW_BLOCK(T, WIDTH)                                                                   \
    for (; q + (WIDTH) <= cm; q += (WIDTH)) {                                                        \
        T acc[WIDTH] = {0};                                                                          \
        if (m % (WIDTH) == 0) { /* one input channel feeds the whole block */                        \
            MF_EVAL_DW_TAPS(T, WIDTH, xr[q / m])                                                     \
        } else {                                                                                     \
            MF_EVAL_DW_TAPS(T, WIDTH, xr[(q + l) / m])                                               \
        }                                                                                            \
        for (int l = 0; l < (WIDTH); l++) o[q + l] = acc[l];                                         \
    }

/* m == 1: 32 channels at a time in four vector accumulators (independent FMA chains). */
#define MF_EVAL_DW_VECTOR(T, V)                                                                      \
    for (; q + 4 * MF_EVAL_VLEN <= cm; q += 4 * MF_EVAL_VLEN) {                                      \
        V acc[4] = {0};                                                                              \
        for (int32_t i = 0; i < kh; i++) {                                                           \
            for (int32_t jj = 0; jj < kw; jj++) {                                                    \
                const T *xr = x0 + (i * dh * wp + jj * dw) * c + q;                                  \
                const T *wr = w + (i * kw + jj) * cm + q;                                            \
                for (int v = 0; v < 4; v++) {                                                        \
                    V a, b;                                                                          \
                    memcpy(&a, xr + v * MF_EVAL_VLEN, sizeof a);                                     \
                    memcpy(&b, wr + v * MF_EVAL_VLEN, sizeof b);                                     \
                    acc[v] += a * b;                                                                 \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
        memcpy(o + q, acc, sizeof acc);                                                              \
    }

#define MF_EVAL_VLEN 8
typedef float mf_eval_vf32 __attribute__((vector_size(MF_EVAL_VLEN * sizeof(float))));
typedef double mf_eval_vf64 __attribute__((vector_size(MF_EVAL_VLEN * sizeof(double))));

#define MF_EVAL_DEPTHWISE(NAME, T, V)                                                                \
    void NAME(const T *restrict x, int64_t batch, int32_t hp, int32_t wp, int32_t c, int32_t m,      \
              const T *restrict w, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,        \
              int32_t dw, int32_t oh, int32_t ow, T *restrict out) {                                 \
        int32_t cm = c * m;                                                                          \
        for (int64_t b = 0; b < batch; b++) {                                                        \
            for (int32_t oy = 0; oy < oh; oy++) {                                                    \
                for (int32_t ox = 0; ox < ow; ox++) {                                                \
                    T *o = out + ((b * oh + oy) * ow + ox) * cm;                                     \
                    const T *x0 = x + ((b * hp + oy * sh) * wp + ox * sw) * c;                       \
                    int32_t q = 0;                                                                   \
                    if (m == 1) {                                                                    \
                        MF_EVAL_DW_VECTOR(T, V)                                                      \
                    }                                                                                \
                    MF_EVAL_DW_BLOCK(T, 32)                                                          \
                    MF_EVAL_DW_BLOCK(T, 8)                                                           \
                    MF_EVAL_DW_BLOCK(T, 1)                                                           \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }

MF_EVAL_DEPTHWISE(mf_eval_depthwise_f32, float, mf_eval_vf32)
MF_EVAL_DEPTHWISE(mf_eval_depthwise_f64, double, mf_eval_vf64)
