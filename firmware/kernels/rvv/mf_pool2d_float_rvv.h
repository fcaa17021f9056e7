/* RVV max / average pooling nest for fp16 and fp32 (mf_float_rvv.h picks the type), the body
 * of mf_max_pool2d_f* (max 1) and mf_avg_pool2d_f* (max 0; `max` is a constant after
 * inlining): one LMUL=2 group of channels (fewer at the channel tail), one output pixel at a
 * time over the taps inside the input in (ky, kx) order, as ref/: VFMAX, or VFADD then one
 * VFMUL by the reciprocal of k_h * k_w. */
#include "mf_float_rvv.h"

static inline __attribute__((always_inline)) mf_status mf_pool2d_nest(const mf_conv_params_f *p, const mf_elem *in,
                                                                       mf_elem *out, int max) {
    const int c_n = p->in_c;
    const mf_elem start = max ? (mf_elem)-__builtin_inff() : (mf_elem)0;
    const mf_elem scale = (mf_elem)(1.0f / (float)(p->k_h * p->k_w));
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < c_n; c += MF_BLOCK) {
                const size_t vl = MF_VSETVL((size_t)(c_n - c));
                mf_vec acc = MF_VFMV(start, vl);
                for (int ky = win.ky0; ky < win.ky1; ky++) {
                    const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
                    for (int kx = win.kx0; kx < win.kx1; kx++, x += p->dilation_w * c_n) {
                        const mf_vec v = MF_VLE(x, vl);
                        acc = max ? MF_VFMAX(acc, v, vl) : MF_VFADD(acc, v, vl);
                    }
                }
                MF_VSE(out + c, max ? acc : MF_VFMUL_VF(acc, scale, vl), vl);
            }
        }
    }
    return MF_OK;
}
