/* Helium max / average pooling for fp16 and fp32 (mf_float_mve.h picks the type; the including
 * file sets MF_POOL_MAX to 1 for max, 0 for average): MF_LANES channels per q register, only the
 * channel tail predicated, one output pixel at a time over the taps inside the input in
 * (ky, kx) order, as ref/: VMAXNM, or VADD then one VMUL by the reciprocal of k_h * k_w. */
#include "mf_float_mve.h"

#if MF_POOL_MAX
#define MF_POOL_FN MF_FN(max_pool2d)
#define MF_POOL_STEP(acc, x) MF_VMAX(acc, x)
#else
#define MF_POOL_FN MF_FN(avg_pool2d)
#define MF_POOL_STEP(acc, x) MF_VADD(acc, x)
#endif

mf_status MF_POOL_FN(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const int c_n = p->in_c;
    const mf_vec start = MF_VDUP(MF_POOL_MAX ? (mf_elem)-__builtin_inff() : (mf_elem)0);
    const mf_vec scale = MF_VDUP((mf_elem)(1.0f / (float)(p->k_h * p->k_w)));
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            for (int c = 0; c < c_n; c += MF_LANES) {
                const mve_pred16_t pred = MF_VCTP((uint32_t)(c_n - c));
                mf_vec acc = start;
                for (int ky = win.ky0; ky < win.ky1; ky++) {
                    const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
                    for (int kx = win.kx0; kx < win.kx1; kx++, x += p->dilation_w * c_n) acc = MF_POOL_STEP(acc, MF_VLD_Z(x, pred));
                }
                MF_VST_P(out + c, MF_POOL_MAX ? acc : MF_VMUL(acc, scale), pred);
            }
        }
    }
    return MF_OK;
}
