/* Reference fp32 max pooling, portable C: the specification that the ISA variants (arm_mve/,
 * rvv/) match bit for bit.
 *
 * Input and output NHWC, batch 1; the window fields of mf_conv_params_f (in_c = out_c
 * channels; no weights, no activation). Each output channel is the largest input value of the
 * taps of its window inside the input (-inf where there are none). */
#include "mf_kernels_float.h"

mf_status mf_max_pool2d_f32(const mf_conv_params_f *p, const float *in, float *out) {
    const int c_n = p->in_c;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            /* the input pixel under tap (0, 0) and the taps inside the input */
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < c_n; c++) {
                float acc = -__builtin_inff();
                for (int ky = win.ky0; ky < win.ky1; ky++) {
                    for (int kx = win.kx0; kx < win.kx1; kx++) {
                        const int iy = win.iy0 + ky * p->dilation_h;
                        const float x = in[(iy * p->in_w + win.ix0 + kx * p->dilation_w) * c_n + c];
                        acc = x > acc ? x : acc;
                    }
                }
                out[c] = acc;
            }
        }
    }
    return MF_OK;
}
