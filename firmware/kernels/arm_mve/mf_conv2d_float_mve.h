/* Helium conv2d nest for fp16 and fp32 (mf_float_mve.h picks the type). MF_PIXELS output
 * pixels of one row share each weight block: per input element two q-register weight loads
 * feed 2 x MF_PIXELS VFMAs (vector x scalar) into accumulators started from the bias. Where a
 * filter row lies inside the input for every pixel, its k_w taps are one contiguous run of k_w
 * * in_c elements (NHWC, dilation 1); elsewhere each tap is a run of in_c elements, filter
 * rows above or below the input are skipped, and other taps outside the input read a zero
 * pixel in planned scratch instead of branching. */
#include "mf_float_mve.h"

#define MF_PIXELS 3

typedef struct {
    mf_vec lo[MF_PIXELS], hi[MF_PIXELS]; /* the block's low and high q register, per pixel */
} mf_acc;

static inline void mf_run(mf_acc *acc, const mf_elem *const x[MF_PIXELS], const mf_elem *w, int n) {
    mf_acc a = *acc;
    for (int i = 0; i < n; i++, w += 2 * MF_LANES) {
        const mf_vec w0 = MF_VLD(w), w1 = MF_VLD(w + MF_LANES);
        for (int j = 0; j < MF_PIXELS; j++) {
            const mf_elem s = x[j][i];
            a.lo[j] = MF_VFMA_N(a.lo[j], w0, s);
            a.hi[j] = MF_VFMA_N(a.hi[j], w1, s);
        }
    }
    *acc = a;
}

mf_status MF_FN(conv2d)(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const int ic_n = p->in_c, oc_n = p->out_c, block = 2 * MF_LANES;
    const int block_len = p->k_h * p->k_w * ic_n * block;
    mf_elem *zeros = (mf_elem *)p->scratch;
    for (int i = 0; i < ic_n; i++) zeros[i] = 0;
    const mf_vec lo = MF_VDUP((mf_elem)p->act_min), hi = MF_VDUP((mf_elem)p->act_max);
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox += MF_PIXELS) {
            const int pixels = p->out_w - ox < MF_PIXELS ? p->out_w - ox : MF_PIXELS;
            const int ix_first = ox * p->stride_w - p->pad_left;
            const int ix_last = (ox + pixels - 1) * p->stride_w - p->pad_left + (p->k_w - 1) * p->dilation_w;
            const int whole_rows = p->dilation_w == 1 && ix_first >= 0 && ix_last < p->in_w;
            mf_elem *o = out + (oy * p->out_w + ox) * oc_n;
            const mf_elem *wb = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
            for (int oc = 0; oc < oc_n; oc += block, wb += block_len, bias += block) {
                mf_acc acc;
                for (int j = 0; j < MF_PIXELS; j++) acc.lo[j] = MF_VLD(bias), acc.hi[j] = MF_VLD(bias + MF_LANES);
                const mf_elem *wk = wb;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h) { /* the whole filter row reads padding */
                        wk += p->k_w * ic_n * block;
                        continue;
                    }
                    const mf_elem *x[MF_PIXELS];
                    if (whole_rows) {
                        for (int j = 0; j < MF_PIXELS; j++)
                            x[j] = in + (iy * p->in_w + ix_first + (j < pixels ? j : 0) * p->stride_w) * ic_n;
                        mf_run(&acc, x, wk, p->k_w * ic_n);
                        wk += p->k_w * ic_n * block;
                        continue;
                    }
                    for (int kx = 0; kx < p->k_w; kx++, wk += ic_n * block) {
                        for (int j = 0; j < MF_PIXELS; j++) {
                            const int ix = ix_first + (j < pixels ? j : 0) * p->stride_w + kx * p->dilation_w;
                            x[j] = ix >= 0 && ix < p->in_w ? in + (iy * p->in_w + ix) * ic_n : zeros;
                        }
                        mf_run(&acc, x, wk, ic_n);
                    }
                }
                for (int j = 0; j < pixels; j++) mf_store_block(o + j * oc_n + oc, acc.lo[j], acc.hi[j], lo, hi, oc_n - oc);
            }
        }
    }
    return MF_OK;
}
