/* Helium int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches; for each block of four output channels, every 16-byte chunk of the patches takes two
 * input loads, four weight loads (the host stores each block's four filters interleaved by
 * chunk, zero-padded) and eight VMLADAVA, with no tails. The input offset enters once per output
 * through the filter sums; requantization on four lanes. */
#include "mf_mve_dot.h"
#include "mf_conv_s8_common.h"

#define CHUNK 16
#define BLOCK 4

/* Requantizes the accumulators of n channels from oc0 of both pixels, with the block's
 * parameters loaded once. */
static inline void store_pair(const mf_conv_params_s8 *p, int8_t *y0, int8_t *y1, int oc0, int n, int32x4_t a,
                              int32x4_t b) {
    mve_pred16_t pred = vctp32q((uint32_t)n);
    int32x4_t bias = vldrwq_z_s32(p->bias_with_offset + oc0, pred);
    int32x4_t multiplier = vldrwq_z_s32(p->multiplier + oc0, pred), shift = vldrwq_z_s32(p->shift + oc0, pred);
    a = mf_mve_requantize(vaddq_s32(a, bias), multiplier, shift, p->output_offset, p->act_min, p->act_max);
    b = mf_mve_requantize(vaddq_s32(b, bias), multiplier, shift, p->output_offset, p->act_min, p->act_max);
    vstrbq_p_s32(y0 + oc0, a, pred);
    vstrbq_p_s32(y1 + oc0, b, pred);
}

static inline void pair(const mf_conv_params_s8 *p, const int8_t *patch0, const int8_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    for (int oc0 = 0; oc0 < p->out_c; oc0 += BLOCK) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        const int8_t *x0 = patch0, *x1 = patch1;
        for (int32_t c = 0; c < chunks; c++, x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK) {
            int8x16_t u = vld1q_s8(x0), v = vld1q_s8(x1), k = vld1q_s8(w);
            a0 = vmladavaq_s8(a0, u, k), b0 = vmladavaq_s8(b0, v, k);
            k = vld1q_s8(w + CHUNK);
            a1 = vmladavaq_s8(a1, u, k), b1 = vmladavaq_s8(b1, v, k);
            k = vld1q_s8(w + 2 * CHUNK);
            a2 = vmladavaq_s8(a2, u, k), b2 = vmladavaq_s8(b2, v, k);
            k = vld1q_s8(w + 3 * CHUNK);
            a3 = vmladavaq_s8(a3, u, k), b3 = vmladavaq_s8(b3, v, k);
        }
        int n = p->out_c - oc0 < BLOCK ? p->out_c - oc0 : BLOCK;
        int32x4_t a = vdupq_n_s32(0), b = vdupq_n_s32(0);
        a = vsetq_lane_s32(a0, a, 0), a = vsetq_lane_s32(a1, a, 1), a = vsetq_lane_s32(a2, a, 2);
        a = vsetq_lane_s32(a3, a, 3);
        b = vsetq_lane_s32(b0, b, 0), b = vsetq_lane_s32(b1, b, 1), b = vsetq_lane_s32(b2, b, 2);
        b = vsetq_lane_s32(b3, b, 3);
        store_pair(p, y0, y1, oc0, n, a, b);
    }
}

mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->bias_with_offset) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, 1, mf_mve_copy_s8, mf_mve_fill_s8, pair)
    return MF_OK;
}
