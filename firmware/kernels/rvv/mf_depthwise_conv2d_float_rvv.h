/* RVV depthwise conv2d nest for fp16 and fp32 (mf_float_rvv.h picks the type), the body of
 * mf_depthwise_conv2d_f16 and mf_depthwise_conv2d_f32, vectors over channels: one LMUL=2 group
 * (MF_BLOCK channels, fewer at the channel tail). Runs of up to MF_PIXELS output pixels of one
 * row whose windows lie inside the input left and right share each tap's weight load: per tap
 * one weight load, then per pixel one input load and one VFMACC.VV into accumulators started
 * from the bias (a shorter run repeats its first pixel in the spare accumulators). Pixels whose
 * window crosses the left or right edge go one at a time. Taps outside the input are skipped,
 * never multiplied by zero, so each lane adds the same products in the same order as ref/. No
 * scratch. */
#include "mf_float_rvv.h"

#define MF_PIXELS 4

/* Channels [c, c + MF_BLOCK) of `pixels` (<= wide: 1 or MF_PIXELS, a constant after inlining)
 * output pixels of one row, the first at window `win`, all with its taps; the lanes of missing
 * pixels repeat the first one and are not stored. */
static inline __attribute__((always_inline)) void mf_lanes(const mf_conv_params_f *p, const mf_elem *in, mf_window_f win,
                                                           int wide, int pixels, int c, mf_elem *out, mf_elem lo, mf_elem hi) {
    const int c_n = p->in_c, c_pad = (c_n + MF_BLOCK - 1) / MF_BLOCK * MF_BLOCK;
    const int step = p->stride_w * c_n, tap = p->dilation_w * c_n;
    const int s1 = pixels > 1 ? step : 0, s2 = pixels > 2 ? 2 * step : 0, s3 = pixels > 3 ? 3 * step : 0;
    const size_t vl = MF_VSETVL((size_t)(c_n - c));
    mf_vec a0 = MF_VLE((const mf_elem *)p->bias + c, vl), a1 = a0, a2 = a0, a3 = a0;
    for (int ky = win.ky0; ky < win.ky1; ky++) {
        const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
        const mf_elem *w = (const mf_elem *)p->weights + (ky * p->k_w + win.kx0) * c_pad + c;
        for (int kx = win.kx0; kx < win.kx1; kx++, x += tap, w += c_pad) {
            const mf_vec wv = MF_VLE(w, vl);
            a0 = MF_VFMACC_VV(a0, MF_VLE(x, vl), wv, vl);
            if (wide > 1) {
                a1 = MF_VFMACC_VV(a1, MF_VLE(x + s1, vl), wv, vl);
                a2 = MF_VFMACC_VV(a2, MF_VLE(x + s2, vl), wv, vl);
                a3 = MF_VFMACC_VV(a3, MF_VLE(x + s3, vl), wv, vl);
            }
        }
    }
    mf_store_block(out + c, a0, lo, hi, c_n - c);
    if (pixels > 1) mf_store_block(out + c_n + c, a1, lo, hi, c_n - c);
    if (pixels > 2) mf_store_block(out + 2 * c_n + c, a2, lo, hi, c_n - c);
    if (pixels > 3) mf_store_block(out + 3 * c_n + c, a3, lo, hi, c_n - c);
}

static inline __attribute__((always_inline)) mf_status mf_depthwise_conv2d_nest(const mf_conv_params_f *p,
                                                                                const mf_elem *in, mf_elem *out) {
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w;) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            const int run = mf_whole_run(p, win, oy, ox, MF_PIXELS); /* 0: across an edge, one pixel */
            mf_elem *o = out + (oy * p->out_w + ox) * p->in_c;
            for (int c = 0; c < p->in_c; c += MF_BLOCK) {
                if (run) mf_lanes(p, in, win, MF_PIXELS, run, c, o, lo, hi);
                else mf_lanes(p, in, win, 1, 1, c, o, lo, hi);
            }
            ox += run ? run : 1;
        }
    }
    return MF_OK;
}
