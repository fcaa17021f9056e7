/* The reference depthwise conv2d nest (NHWC, depth multiplier 1, weights [k_h][k_w][channels
 * padded to whole blocks], see mf_kernels_float.h), written once for both element types: the
 * including file defines mf_elem and MF_DEPTHWISE. Each output pixel accumulates one block of
 * channels at a time in a local array (registers, for whole blocks), from the bias, then over
 * the taps inside the input in (ky, kx) order, skipping the taps outside: the order the ISA
 * variants use too. */
#include "mf_kernels_float.h"

#define MF_REF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem))

/* Channels [c, c + n) of one output pixel; n is MF_REF_BLOCK (a constant after inlining: the
 * accumulators can live in registers) or the channel tail. */
static inline __attribute__((always_inline)) void mf_dw_block(const mf_conv_params_f *p, const mf_elem *in,
                                                              mf_window_f win, int c, int n, mf_elem *out) {
    const int c_pad = (p->in_c + MF_REF_BLOCK - 1) / MF_REF_BLOCK * MF_REF_BLOCK;
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    mf_elem acc[MF_REF_BLOCK];
    for (int j = 0; j < n; j++) acc[j] = ((const mf_elem *)p->bias)[c + j];
    for (int ky = win.ky0; ky < win.ky1; ky++) {
        for (int kx = win.kx0; kx < win.kx1; kx++) {
            const int iy = win.iy0 + ky * p->dilation_h, ix = win.ix0 + kx * p->dilation_w;
            const mf_elem *x = in + (iy * p->in_w + ix) * p->in_c + c;
            const mf_elem *w = (const mf_elem *)p->weights + (ky * p->k_w + kx) * c_pad + c;
            for (int j = 0; j < n; j++) acc[j] += x[j] * w[j];
        }
    }
    for (int j = 0; j < n; j++) {
        const mf_elem v = acc[j] < lo ? lo : acc[j];
        out[c + j] = v > hi ? hi : v;
    }
}

mf_status MF_DEPTHWISE(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const int c_n = p->in_c, whole = c_n / MF_REF_BLOCK * MF_REF_BLOCK;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < whole; c += MF_REF_BLOCK) mf_dw_block(p, in, win, c, MF_REF_BLOCK, out);
            if (whole < c_n) mf_dw_block(p, in, win, whole, c_n - whole, out);
        }
    }
    return MF_OK;
}
