/* RVV conv2d nest for fp16, fp32 and fp16 with fp32 accumulation (mf_float_rvv.h picks the
 * types), the body of mf_conv2d_f16, mf_conv2d_f32 and mf_conv2d_f16_acc32. MF_PIXELS output
 * pixels of one row share each weight block: per input element one LMUL=2 weight load feeds
 * MF_PIXELS VFMACC.VF or VFWMACC.VF (vector x the pixel's scalar input) into accumulators
 * (mf_acc) started from the bias; two elements per iteration halve the pointer arithmetic.
 * Where a filter row lies inside the input for every pixel, its k_w taps are one contiguous run
 * of k_w * in_c elements (NHWC, dilation 1); elsewhere each tap is a run of in_c elements,
 * filter rows above or below the input are skipped, and other taps outside the input read a
 * zero pixel in planned scratch instead of branching. */
#include "mf_float_rvv.h"

#define MF_PIXELS 4

/* RVV register types cannot live in arrays or structs: the four accumulators go by pointer. */
static inline void mf_run(mf_acc *acc0, mf_acc *acc1, mf_acc *acc2, mf_acc *acc3, const mf_elem *const x[MF_PIXELS],
                          const mf_elem *w, int n, size_t vl) {
    mf_acc a0 = *acc0, a1 = *acc1, a2 = *acc2, a3 = *acc3;
    const mf_elem *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
    int i = 0;
    for (; i + 1 < n; i += 2, w += 2 * MF_BLOCK) {
        const mf_vec w0 = MF_VLE(w, vl), w1 = MF_VLE(w + MF_BLOCK, vl);
        a0 = MF_ACC_FMA(MF_ACC_FMA(a0, x0[i], w0, vl), x0[i + 1], w1, vl);
        a1 = MF_ACC_FMA(MF_ACC_FMA(a1, x1[i], w0, vl), x1[i + 1], w1, vl);
        a2 = MF_ACC_FMA(MF_ACC_FMA(a2, x2[i], w0, vl), x2[i + 1], w1, vl);
        a3 = MF_ACC_FMA(MF_ACC_FMA(a3, x3[i], w0, vl), x3[i + 1], w1, vl);
    }
    if (i < n) {
        const mf_vec w0 = MF_VLE(w, vl);
        a0 = MF_ACC_FMA(a0, x0[i], w0, vl);
        a1 = MF_ACC_FMA(a1, x1[i], w0, vl);
        a2 = MF_ACC_FMA(a2, x2[i], w0, vl);
        a3 = MF_ACC_FMA(a3, x3[i], w0, vl);
    }
    *acc0 = a0, *acc1 = a1, *acc2 = a2, *acc3 = a3;
}

static inline __attribute__((always_inline)) mf_status mf_conv2d_nest(const mf_conv_params_f *p, const mf_elem *in,
                                                                      mf_elem *out) {
    const int ic_n = p->in_c, oc_n = p->out_c;
    const int block_len = p->k_h * p->k_w * ic_n * MF_BLOCK;
    mf_elem *zeros = (mf_elem *)p->scratch;
    for (int i = 0; i < ic_n; i++) zeros[i] = 0;
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox += MF_PIXELS) {
            const int pixels = p->out_w - ox < MF_PIXELS ? p->out_w - ox : MF_PIXELS;
            const int ix_first = ox * p->stride_w - p->pad_left;
            const int ix_last = (ox + pixels - 1) * p->stride_w - p->pad_left + (p->k_w - 1) * p->dilation_w;
            const int whole_rows = p->dilation_w == 1 && ix_first >= 0 && ix_last < p->in_w;
            mf_elem *o = out + (oy * p->out_w + ox) * oc_n;
            const mf_elem *wb = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
            for (int oc = 0; oc < oc_n; oc += MF_BLOCK, wb += block_len, bias += MF_BLOCK) {
                const size_t vl = MF_VSETVL(MF_BLOCK);
                mf_acc a0 = MF_ACC_LOAD(bias, vl), a1 = a0, a2 = a0, a3 = a0;
                const mf_elem *wk = wb;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h) { /* the whole filter row reads padding */
                        wk += p->k_w * ic_n * MF_BLOCK;
                        continue;
                    }
                    const mf_elem *x[MF_PIXELS];
                    if (whole_rows) {
                        for (int j = 0; j < MF_PIXELS; j++)
                            x[j] = in + (iy * p->in_w + ix_first + (j < pixels ? j : 0) * p->stride_w) * ic_n;
                        mf_run(&a0, &a1, &a2, &a3, x, wk, p->k_w * ic_n, vl);
                        wk += p->k_w * ic_n * MF_BLOCK;
                        continue;
                    }
                    for (int kx = 0; kx < p->k_w; kx++, wk += ic_n * MF_BLOCK) {
                        for (int j = 0; j < MF_PIXELS; j++) {
                            const int ix = ix_first + (j < pixels ? j : 0) * p->stride_w + kx * p->dilation_w;
                            x[j] = ix >= 0 && ix < p->in_w ? in + (iy * p->in_w + ix) * ic_n : zeros;
                        }
                        mf_run(&a0, &a1, &a2, &a3, x, wk, ic_n, vl);
                    }
                }
                const int n = oc_n - oc;
                mf_store_block(o + oc, a0, lo, hi, n);
                if (pixels > 1) mf_store_block(o + oc_n + oc, a1, lo, hi, n);
                if (pixels > 2) mf_store_block(o + 2 * oc_n + oc, a2, lo, hi, n);
                if (pixels > 3) mf_store_block(o + 3 * oc_n + oc, a3, lo, hi, n);
            }
        }
    }
    return MF_OK;
}
