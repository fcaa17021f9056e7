/* Helium depthwise conv2d nest for fp16 and fp32 (mf_float_mve.h picks the type), the body of
 * mf_depthwise_conv2d_f16 and mf_depthwise_conv2d_f32, vectors over channels: one weight block
 * (2 * MF_LANES channels, two q registers) at a time, only the channel tail predicated. Runs of
 * up to MF_PIXELS output pixels of one row whose windows lie inside the input left and right
 * share each tap's weight loads: per tap two weight loads, then per pixel two input loads and
 * two VFMAs (vector x vector) into accumulators started from the bias (a shorter run repeats
 * its first pixel in the spare accumulators). Pixels whose window crosses the left or right
 * edge go one at a time. Taps outside the input are skipped, never multiplied by zero, so each
 * lane adds the same products in the same order as ref/. No scratch. */
#include "mf_float_mve.h"

#define MF_PIXELS 2
#define MF_LOAD(ptr, pred) (whole ? MF_VLD(ptr) : MF_VLD_Z(ptr, pred))

/* Channels [c, c + 2 * MF_LANES) of `pixels` (<= wide: 1 or MF_PIXELS) output pixels of one row,
 * the first at window `win`, all with its taps; the lanes of a missing pixel repeat the first
 * one and are not stored. `whole`: all 2 * MF_LANES channels exist (no predication). `wide` and
 * `whole` are constants after inlining. */
static inline __attribute__((always_inline)) void mf_block(const mf_conv_params_f *p, const mf_elem *in, mf_window_f win,
                                                           int wide, int whole, int pixels, int c, mf_elem *out,
                                                           mf_vec lo, mf_vec hi) {
    const int c_n = p->in_c, c_pad = (c_n + 2 * MF_LANES - 1) / (2 * MF_LANES) * (2 * MF_LANES);
    const int tap = p->dilation_w * c_n, s1 = pixels > 1 ? p->stride_w * c_n : 0;
    const int n = c_n - c;
    const mve_pred16_t p0 = MF_VCTP((uint32_t)n), p1 = MF_VCTP((uint32_t)(n > MF_LANES ? n - MF_LANES : 0));
    const mf_elem *bias = (const mf_elem *)p->bias + c;
    mf_vec a0 = MF_VLD(bias), a1 = MF_VLD(bias + MF_LANES), b0 = a0, b1 = a1;
    for (int ky = win.ky0; ky < win.ky1; ky++) {
        const mf_elem *x = in + ((win.iy0 + ky * p->dilation_h) * p->in_w + win.ix0 + win.kx0 * p->dilation_w) * c_n + c;
        const mf_elem *w = (const mf_elem *)p->weights + (ky * p->k_w + win.kx0) * c_pad + c;
        for (int kx = win.kx0; kx < win.kx1; kx++, x += tap, w += c_pad) {
            const mf_vec w0 = MF_VLD(w), w1 = MF_VLD(w + MF_LANES);
            a0 = MF_VFMA(a0, MF_LOAD(x, p0), w0);
            a1 = MF_VFMA(a1, MF_LOAD(x + MF_LANES, p1), w1);
            if (wide > 1) {
                b0 = MF_VFMA(b0, MF_LOAD(x + s1, p0), w0);
                b1 = MF_VFMA(b1, MF_LOAD(x + s1 + MF_LANES, p1), w1);
            }
        }
    }
    mf_store_lanes(out + c, a0, lo, hi, p0, whole);
    mf_store_lanes(out + c + MF_LANES, a1, lo, hi, p1, whole);
    if (pixels > 1) {
        mf_store_lanes(out + c_n + c, b0, lo, hi, p0, whole);
        mf_store_lanes(out + c_n + c + MF_LANES, b1, lo, hi, p1, whole);
    }
}

static inline __attribute__((always_inline)) mf_status mf_depthwise_conv2d_nest(const mf_conv_params_f *p,
                                                                                const mf_elem *in, mf_elem *out) {
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    const int block = 2 * MF_LANES, whole = p->in_c / block * block; /* channels before the predicated tail */
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w;) {
            const mf_window_f win = mf_window_f_at(p, oy, ox);
            const int run = mf_whole_run(p, win, oy, ox, MF_PIXELS); /* 0: across an edge, one pixel */
            mf_elem *o = out + (oy * p->out_w + ox) * p->in_c;
            if (run) {
                for (int c = 0; c < whole; c += block) mf_block(p, in, win, MF_PIXELS, 1, run, c, o, lo, hi);
                if (whole < p->in_c) mf_block(p, in, win, MF_PIXELS, 0, run, whole, o, lo, hi);
            } else {
                for (int c = 0; c < whole; c += block) mf_block(p, in, win, 1, 1, 1, c, o, lo, hi);
                if (whole < p->in_c) mf_block(p, in, win, 1, 0, 1, whole, o, lo, hi);
            }
            ox += run ? run : 1;
        }
    }
    return MF_OK;
}
