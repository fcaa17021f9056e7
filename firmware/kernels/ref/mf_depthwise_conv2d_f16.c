/* Reference fp16 depthwise conv2d, portable C: the specification that the ISA variants
 * (arm_mve/, rvv/) match bit for bit.
 *
 * Input and output NHWC, batch 1, depth multiplier 1 (in_c == out_c). The weights are stored
 * by the host (codegen/bound.py) tap by tap, each tap's channels contiguous and zero-padded to
 * whole blocks of BLOCK channels:
 *     weights[k_h][k_w][channels rounded up to BLOCK],   bias[channels rounded up to BLOCK]
 * Each channel starts from its bias and adds x * w, in fp16, over the taps of its window that
 * lie inside the input, in (ky, kx) order (the taps in the padding are skipped); the sum is
 * clamped to [act_min, act_max] rounded to fp16. No scratch. */
#include "mf_kernels_float.h"

#define BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_f16)) /* channels of a weight block: 16 */

/* Channels [c, c + n) of the output pixel whose window is `win` (mf_window_f_at: the input
 * pixel under tap (0, 0) and the taps inside the input), summed side by side. n is BLOCK (a
 * constant once inlined: the sums can live in registers) or the channel tail. */
static inline __attribute__((always_inline)) void channels(const mf_conv_params_f *p, const mf_f16 *in,
                                                           mf_window_f win, int c, int n, mf_f16 *out) {
    const int c_pad = (p->in_c + BLOCK - 1) / BLOCK * BLOCK; /* channels of a tap's weights */
    const mf_f16 lo = (mf_f16)p->act_min, hi = (mf_f16)p->act_max;
    mf_f16 acc[BLOCK];
    for (int j = 0; j < n; j++) acc[j] = ((const mf_f16 *)p->bias)[c + j];
    for (int ky = win.ky0; ky < win.ky1; ky++) {
        for (int kx = win.kx0; kx < win.kx1; kx++) {
            const int iy = win.iy0 + ky * p->dilation_h, ix = win.ix0 + kx * p->dilation_w;
            const mf_f16 *x = in + (iy * p->in_w + ix) * p->in_c + c;
            const mf_f16 *w = (const mf_f16 *)p->weights + (ky * p->k_w + kx) * c_pad + c;
            for (int j = 0; j < n; j++) acc[j] += x[j] * w[j];
        }
    }
    for (int j = 0; j < n; j++) {
        const mf_f16 v = acc[j] < lo ? lo : acc[j];
        out[c + j] = v > hi ? hi : v;
    }
}

mf_status mf_depthwise_conv2d_f16(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    const int c_n = p->in_c, whole = c_n / BLOCK * BLOCK; /* channels in whole blocks */
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < whole; c += BLOCK) channels(p, in, win, c, BLOCK, out);
            if (whole < c_n) channels(p, in, win, whole, c_n - whole, out); /* the tail */
        }
    }
    return MF_OK;
}
