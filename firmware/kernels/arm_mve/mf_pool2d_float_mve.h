/* Helium max / average pooling nest for fp16 and fp32 (mf_float_mve.h picks the type), the
 * body of mf_max_pool2d_f* (max 1) and mf_avg_pool2d_f* (max 0; `max` is a constant after
 * inlining): MF_LANES channels per q register, only the channel tail predicated, one output
 * pixel at a time over the taps inside the input in (ky, kx) order, as ref/: VMAXNM, or VADD
 * then one VMUL by the reciprocal of k_h * k_w. */
#include "mf_float_mve.h"

static inline __attribute__((always_inline)) mf_status mf_pool2d_nest(const mf_conv_params_f *p, const mf_elem *in,
                                                                       mf_elem *out, int max) {
    const int c_n = p->in_c;
    const mf_vec start = MF_VDUP(max ? (mf_elem)-__builtin_inff() : (mf_elem)0);
    const mf_vec scale = MF_VDUP((mf_elem)(1.0f / (float)(p->k_h * p->k_w)));
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < c_n; c += MF_LANES) {
                const mve_pred16_t pred = MF_VCTP((uint32_t)(c_n - c));
                mf_vec acc = start;
                for (int ky = win.ky0; ky < win.ky1; ky++) {
                    const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
                    for (int kx = win.kx0; kx < win.kx1; kx++, x += p->dilation_w * c_n) {
                        const mf_vec v = MF_VLD_Z(x, pred);
                        acc = max ? MF_VMAX(acc, v) : MF_VADD(acc, v);
                    }
                }
                MF_VST_P(out + c, max ? acc : MF_VMUL(acc, scale), pred);
            }
        }
    }
    return MF_OK;
}
