/* Helium conv2d nest for fp16, fp32 and fp16 with fp32 accumulation (mf_float_mve.h picks the
 * types), the body of mf_conv2d_f16, mf_conv2d_f32 and mf_conv2d_f16_acc32. MF_PIXELS output
 * pixels of one row share the weights of a pass (MF_STEP output channels): per input element
 * one pair of q registers of weights (MF_LOAD_PAIR: two loads, or one load widened by
 * VCVTB/VCVTT) feeds 2 x MF_PIXELS VFMAs (vector x scalar) into accumulators started from the
 * bias; with fp32 accumulation 2 pixels, for the 8 q registers hold 4 accumulators, the fp16
 * weights and their widened lanes. Where a filter row lies inside the input for every pixel,
 * its k_w taps are one contiguous run of k_w * in_c elements (NHWC, dilation 1); elsewhere each
 * tap is a run of in_c elements, filter rows above or below the input are skipped, and other
 * taps outside the input read a zero pixel in planned scratch instead of branching. */
#include "mf_float_mve.h"

#define MF_PIXELS (MF_FLOAT_ACC32 ? 2 : 3)

typedef struct {
    mf_vec lo[MF_PIXELS], hi[MF_PIXELS]; /* the block's low and high q register, per pixel */
} mf_acc;

static inline void mf_run(mf_acc *acc, const mf_elem *const x[MF_PIXELS], const mf_elem *w, int n) {
    mf_acc a = *acc;
    for (int i = 0; i < n; i++, w += MF_BLOCK) {
        mf_vec w0, w1;
        MF_LOAD_PAIR(w, w0, w1);
        for (int j = 0; j < MF_PIXELS; j++) {
            const mf_elem s = x[j][i];
            a.lo[j] = MF_VFMA_N(a.lo[j], w0, s);
            a.hi[j] = MF_VFMA_N(a.hi[j], w1, s);
        }
    }
    *acc = a;
}

/* The nest, a statement (the whole body of mf_conv2d_f16, mf_conv2d_f32 and
 * mf_conv2d_f16_acc32 but its return): p, in, out are the kernel's parameters. A macro, not a
 * function: inlined from a function, the f16_acc32 nest's blocks come out in another order and
 * clang allocates its registers differently. */
#define MF_CONV2D_NEST(p, in, out)                                                                                   \
    {                                                                                                                \
        const int ic_n = (p)->in_c, oc_n = (p)->out_c, block = MF_BLOCK;                                             \
        const int block_len = (p)->k_h * (p)->k_w * ic_n * block;                                                    \
        mf_elem *zeros = (mf_elem *)(p)->scratch;                                                                    \
        for (int i = 0; i < ic_n; i++) zeros[i] = 0;                                                                 \
        const mf_vec lo = MF_VDUP((mf_elem)(p)->act_min), hi = MF_VDUP((mf_elem)(p)->act_max);                       \
        for (int oy = 0; oy < (p)->out_h; oy++) {                                                                    \
            for (int ox = 0; ox < (p)->out_w; ox += MF_PIXELS) {                                                     \
                const int pixels = (p)->out_w - ox < MF_PIXELS ? (p)->out_w - ox : MF_PIXELS;                        \
                const int ix_first = ox * (p)->stride_w - (p)->pad_left;                                             \
                const int ix_last = (ox + pixels - 1) * (p)->stride_w - (p)->pad_left                                \
                                    + ((p)->k_w - 1) * (p)->dilation_w;                                              \
                const int whole_rows = (p)->dilation_w == 1 && ix_first >= 0 && ix_last < (p)->in_w;                 \
                mf_elem *o = (out) + (oy * (p)->out_w + ox) * oc_n;                                                  \
                const mf_elem *wb = (const mf_elem *)(p)->weights;                                                   \
                for (int ob = 0; ob < oc_n; ob += block, wb += block_len) {                                          \
                    /* passes of MF_STEP channels: the whole block at once, but 8 channels with ACC32 */             \
                    for (int oc = ob; oc < ob + block && oc < oc_n; oc += MF_STEP) {                                 \
                        const mf_elem *wk = wb + (oc - ob);                                                          \
                        mf_acc acc;                                                                                  \
                        MF_LOAD_PAIR((const mf_elem *)(p)->bias + oc, acc.lo[0], acc.hi[0]);                         \
                        for (int j = 1; j < MF_PIXELS; j++) acc.lo[j] = acc.lo[0], acc.hi[j] = acc.hi[0];            \
                        for (int ky = 0; ky < (p)->k_h; ky++) {                                                      \
                            const int iy = oy * (p)->stride_h - (p)->pad_top + ky * (p)->dilation_h;                 \
                            if (iy < 0 || iy >= (p)->in_h) { /* the whole filter row reads padding */                \
                                wk += (p)->k_w * ic_n * block;                                                       \
                                continue;                                                                            \
                            }                                                                                        \
                            const mf_elem *x[MF_PIXELS];                                                             \
                            if (whole_rows) {                                                                        \
                                for (int j = 0; j < MF_PIXELS; j++)                                                  \
                                    x[j] = (in) + (iy * (p)->in_w + ix_first + (j < pixels ? j : 0) * (p)->stride_w) \
                                                  * ic_n;                                                            \
                                mf_run(&acc, x, wk, (p)->k_w * ic_n);                                                \
                                wk += (p)->k_w * ic_n * block;                                                       \
                                continue;                                                                            \
                            }                                                                                        \
                            for (int kx = 0; kx < (p)->k_w; kx++, wk += ic_n * block) {                              \
                                for (int j = 0; j < MF_PIXELS; j++) {                                                \
                                    const int ix = ix_first + (j < pixels ? j : 0) * (p)->stride_w                   \
                                                   + kx * (p)->dilation_w;                                           \
                                    x[j] = ix >= 0 && ix < (p)->in_w ? (in) + (iy * (p)->in_w + ix) * ic_n : zeros;  \
                                }                                                                                    \
                                mf_run(&acc, x, wk, ic_n);                                                           \
                            }                                                                                        \
                        }                                                                                            \
                        for (int j = 0; j < pixels; j++)                                                             \
                            mf_store_block(o + j * oc_n + oc, acc.lo[j], acc.hi[j], lo, hi, oc_n - oc);              \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }
