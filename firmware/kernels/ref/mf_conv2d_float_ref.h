/* The reference conv2d nest (NHWC, blocked weights, see mf_kernels_float.h), written once for
 * every element type: the including file defines mf_elem and MF_CONV2D, and MF_ACC where the
 * accumulator type differs from mf_elem (float for fp16 with fp32 accumulation). Each output
 * pixel accumulates 32 bytes of accumulators (MF_REF_STEP channels: a weight block, half of
 * one with fp32 accumulation) at a time in a local array (registers on cores with enough of
 * them), from the bias, then over the taps inside the input in (ky, kx, ic) order: the order
 * the ISA variants use too. The activation clamps the accumulator (bounds rounded to mf_elem
 * first), then it is rounded to mf_elem once. */
#include "mf_kernels_float.h"

#ifndef MF_ACC
#define MF_ACC mf_elem
#endif

#define MF_REF_BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_elem)) /* channels of a weight block */
#define MF_REF_STEP (MF_FLOAT_BLOCK_BYTES / (int)sizeof(MF_ACC))  /* channels of a pass */

mf_status MF_CONV2D(const mf_conv_params_f *p, const mf_elem *in, mf_elem *out) {
    const int block_len = p->k_h * p->k_w * p->in_c * MF_REF_BLOCK;
    const mf_elem lo = (mf_elem)p->act_min, hi = (mf_elem)p->act_max;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += p->out_c) {
            const mf_elem *w = (const mf_elem *)p->weights, *bias = (const mf_elem *)p->bias;
            for (int ob = 0; ob < p->out_c; ob += MF_REF_BLOCK, w += block_len) {
                for (int oc = ob; oc < ob + MF_REF_BLOCK && oc < p->out_c; oc += MF_REF_STEP) {
                    MF_ACC acc[MF_REF_STEP];
                    for (int j = 0; j < MF_REF_STEP; j++) acc[j] = (MF_ACC)bias[oc + j];
                    const mf_elem *wk = w + (oc - ob);
                    for (int ky = 0; ky < p->k_h; ky++) {
                        const int iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                        for (int kx = 0; kx < p->k_w; kx++, wk += p->in_c * MF_REF_BLOCK) {
                            const int ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                            const mf_elem *x = in + (iy * p->in_w + ix) * p->in_c;
                            for (int ic = 0; ic < p->in_c; ic++) {
                                for (int j = 0; j < MF_REF_STEP; j++)
                                    acc[j] += (MF_ACC)x[ic] * (MF_ACC)wk[ic * MF_REF_BLOCK + j];
                            }
                        }
                    }
                    const int n = p->out_c - oc < MF_REF_STEP ? p->out_c - oc : MF_REF_STEP;
                    for (int j = 0; j < n; j++) {
                        const MF_ACC v = acc[j] < (MF_ACC)lo ? (MF_ACC)lo : acc[j];
                        out[oc + j] = (mf_elem)(v > (MF_ACC)hi ? (MF_ACC)hi : v);
                    }
                }
            }
        }
    }
    return MF_OK;
}
