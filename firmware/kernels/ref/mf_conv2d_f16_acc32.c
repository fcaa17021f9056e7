/* Reference fp16 conv2d with fp32 accumulation, portable C: the specification that the ISA
 * variants (arm_mve/, rvv/) match bit for bit. fp16 in memory (weights, bias, activations, in
 * mf_conv2d_f16's layout); each operand widened to fp32, each product (exact in fp32) and sum in
 * fp32; the activation's bounds rounded to fp16, then the sum clamped and rounded to fp16 once.
 * What clang makes of the contracted multiply-add: Cortex-M7 VCVTB.F32.F16 + VFMA.F32;
 * Cortex-M4 VCVTB.F32.F16 + VMUL.F32 + VADD.F32 (VFMA takes 3 cycles there, the pair 2).
 *
 * Input and output NHWC, batch 1. The weights are stored by the host (codegen/bound.py) in
 * blocks of BLOCK output channels, zero-padded to whole blocks, the block's channels innermost:
 *     weights[out_c / BLOCK][k_h][k_w][in_c][BLOCK],   bias[out_c rounded up to BLOCK]
 * Each output channel starts from its bias and adds x * w over the taps of its window that lie
 * inside the input, in (ky, kx, ic) order (a tap in the padding adds nothing). STEP channels
 * are summed side by side in a local array (registers where the core has enough): 32 bytes of
 * fp32 accumulators, half a block, so a block takes two passes. p->scratch is not read here. */
#include "mf_kernels_float.h"

#define BLOCK (MF_FLOAT_BLOCK_BYTES / (int)sizeof(mf_f16)) /* output channels of a weight block: 16 */
#define STEP (MF_FLOAT_BLOCK_BYTES / (int)sizeof(float))   /* output channels of a pass: 8 */

mf_status mf_conv2d_f16_acc32(const mf_conv_params_f *p, const mf_f16 *in, mf_f16 *out) {
    const int block_len = p->k_h * p->k_w * p->in_c * BLOCK; /* elements of one block's filters */
    const mf_f16 lo = (mf_f16)p->act_min, hi = (mf_f16)p->act_max;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++, out += p->out_c) {
            const mf_f16 *w = (const mf_f16 *)p->weights, *bias = (const mf_f16 *)p->bias;
            for (int ob = 0; ob < p->out_c; ob += BLOCK, w += block_len) {
                /* the passes over block [ob, ob + BLOCK): two here */
                for (int oc = ob; oc < ob + BLOCK && oc < p->out_c; oc += STEP) {
                    float acc[STEP];
                    for (int j = 0; j < STEP; j++) acc[j] = (float)bias[oc + j];
                    const mf_f16 *wk = w + (oc - ob); /* the pass's weights of tap (ky, kx) */
                    for (int ky = 0; ky < p->k_h; ky++) {
                        const int iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                        for (int kx = 0; kx < p->k_w; kx++, wk += p->in_c * BLOCK) {
                            const int ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue; /* padding */
                            const mf_f16 *x = in + (iy * p->in_w + ix) * p->in_c;
                            for (int ic = 0; ic < p->in_c; ic++) {
                                for (int j = 0; j < STEP; j++)
                                    acc[j] += (float)x[ic] * (float)wk[ic * BLOCK + j];
                            }
                        }
                    }
                    /* the pass's real channels (the last block may be partly padding) */
                    const int n = p->out_c - oc < STEP ? p->out_c - oc : STEP;
                    for (int j = 0; j < n; j++) {
                        const float v = acc[j] < (float)lo ? (float)lo : acc[j];
                        out[oc + j] = (mf_f16)(v > (float)hi ? (float)hi : v);
                    }
                }
            }
        }
    }
    return MF_OK;
}
