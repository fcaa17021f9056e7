/* Helium depthwise conv2d nest for fp16 and fp32 (mf_float_mve.h picks the type), vectors
 * over channels: MF_LANES channels per q register, only the channel tail predicated. Runs of up
 * to MF_PIXELS output pixels of one row whose windows lie inside the input left and right share
 * each tap's weight load: per tap one weight load, then per pixel one input load and one VFMA
 * (vector x vector) into accumulators started from the bias (a shorter run repeats its first
 * pixel in the spare accumulators). Pixels whose window crosses the left or right edge go one
 * at a time. Taps outside the input are skipped, never multiplied by zero, so each lane adds
 * the same products in the same order as ref/. No scratch. */
#include "mf_float_mve.h"

#define MF_PIXELS 4
#define MF_LOAD(ptr) (whole ? MF_VLD(ptr) : MF_VLD_Z(ptr, pred))

/* Channels [c, c + MF_LANES) of `pixels` (<= wide: 1 or MF_PIXELS) output pixels of one row,
 * the first at window `win`, all with its taps; the lanes of missing pixels repeat the first
 * one and are not stored. `whole`: all MF_LANES channels exist (no predication). `wide` and
 * `whole` are constants after inlining. */
static inline __attribute__((always_inline)) void mf_lanes(const mf_conv_params_f *p, const mf_elem *in, mf_window_f win,
                                                           int wide, int whole, int pixels, int c, mf_elem *out,
                                                           mf_vec lo, mf_vec hi) {
    const int c_n = p->in_c, c_pad = (c_n + 2 * MF_LANES - 1) / (2 * MF_LANES) * (2 * MF_LANES);
    const int step = p->stride_w * c_n, tap = p->dilation_w * c_n;
    const int s1 = pixels > 1 ? step : 0, s2 = pixels > 2 ? 2 * step : 0, s3 = pixels > 3 ? 3 * step : 0;
    const mve_pred16_t pred = MF_VCTP((uint32_t)(c_n - c));
    mf_vec a0 = MF_VLD((const mf_elem *)p->bias + c), a1 = a0, a2 = a0, a3 = a0;
    for (int ky = win.ky0; ky < win.ky1; ky++) {
        const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
        const mf_elem *w = (const mf_elem *)p->weights + (ky * p->k_w + win.kx0) * c_pad + c;
        for (int kx = win.kx0; kx < win.kx1; kx++, x += tap, w += c_pad) {
            const mf_vec wv = MF_VLD(w);
            a0 = MF_VFMA(a0, MF_LOAD(x), wv);
            if (wide > 1) {
                a1 = MF_VFMA(a1, MF_LOAD(x + s1), wv);
                a2 = MF_VFMA(a2, MF_LOAD(x + s2), wv);
                a3 = MF_VFMA(a3, MF_LOAD(x + s3), wv);
            }
        }
    }
    mf_store_lanes(out + c, a0, lo, hi, pred, whole);
    if (pixels > 1) mf_store_lanes(out + c_n + c, a1, lo, hi, pred, whole);
    if (pixels > 2) mf_store_lanes(out + 2 * c_n + c, a2, lo, hi, pred, whole);
    if (pixels > 3) mf_store_lanes(out + 3 * c_n + c, a3, lo, hi, pred, whole);
}

mf_status MF_FN(depthwise_conv2d)(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w;) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            const int run = mf_whole_run(p, win, oy, ox, MF_PIXELS); /* 0: across an edge, one pixel */
            mf_elem *o = out + (oy * p->out_w + ox) * p->in_c;
            const int whole = p->in_c / MF_LANES * MF_LANES; /* channels before the predicated tail */
            if (run) {
                for (int c = 0; c < whole; c += MF_LANES) mf_lanes(p, in, win, MF_PIXELS, 1, run, c, o, lo, hi);
                if (whole < p->in_c) mf_lanes(p, in, win, MF_PIXELS, 0, run, whole, o, lo, hi);
            } else {
                for (int c = 0; c < whole; c += MF_LANES) mf_lanes(p, in, win, 1, 1, 1, c, o, lo, hi);
                if (whole < p->in_c) mf_lanes(p, in, win, 1, 0, 1, whole, o, lo, hi);
            }
            ox += run ? run : 1;
        }
    }
    return MF_OK;
}
