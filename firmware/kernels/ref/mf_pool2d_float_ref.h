/* The reference max / average pooling nest (NHWC, mf_conv_params_f without weights, see
 * mf_kernels_float.h) for both element types and both ops: the including file defines mf_elem,
 * MF_POOL (the entry point) and MF_POOL_MAX (1: max, 0: average). Each output channel starts
 * from -inf (max) or 0 (average), takes the taps inside the input in (ky, kx) order, and an
 * average is multiplied by the reciprocal of k_h * k_w (the compiler binds average pooling
 * without padding only): the order the ISA variants use too. */
#include "mf_kernels_float.h"

mf_status MF_POOL(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const int c_n = p->in_c;
    const mf_elem scale = (mf_elem)(1.0f / (float)(p->k_h * p->k_w));
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < c_n; c++) {
                mf_elem acc = MF_POOL_MAX ? (mf_elem)-__builtin_inff() : (mf_elem)0;
                for (int ky = win.ky0; ky < win.ky1; ky++) {
                    for (int kx = win.kx0; kx < win.kx1; kx++) {
                        const mf_elem x = in[((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + kx * p->dilation_w) * c_n + c];
                        if (MF_POOL_MAX) acc = x > acc ? x : acc;
                        else acc += x;
                    }
                }
                out[c] = MF_POOL_MAX ? acc : acc * scale;
            }
        }
    }
    return MF_OK;
}
