/* Helium int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches; for each block of four output channels, every 16-byte chunk of the patches takes two
 * input loads, four weight loads (the host stores each block's four filters interleaved by
 * chunk, zero-padded) and eight VMLADAVA, with no tails. The input offset enters once per output
 * through the filter sums; requantization on four lanes. */
#include "mf_mve_dot.h"
#include "mf_conv_s8_common.h"

#define CHUNK 16
#define BLOCK 4
#define ELEMENT 1 /* bytes per patch element: int8 */

/* The sums of one block of four filters with both patches: a[channel], b[channel]. */
typedef struct {
    int32x4_t a, b;
} sums_t;

static inline sums_t block(const int8_t *x0, const int8_t *x1, const int8_t *w, int32_t chunks) {
    /* the first chunk starts the sums (VMLADAV: no zeroing of eight registers per block) */
    int8x16_t u = vld1q_s8(x0), v = vld1q_s8(x1), k = vld1q_s8(w);
    int32_t a0 = vmladavq_s8(u, k), b0 = vmladavq_s8(v, k);
    k = vld1q_s8(w + CHUNK);
    int32_t a1 = vmladavq_s8(u, k), b1 = vmladavq_s8(v, k);
    k = vld1q_s8(w + 2 * CHUNK);
    int32_t a2 = vmladavq_s8(u, k), b2 = vmladavq_s8(v, k);
    k = vld1q_s8(w + 3 * CHUNK);
    int32_t a3 = vmladavq_s8(u, k), b3 = vmladavq_s8(v, k);
    x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK;
    for (chunks--; chunks > 0; chunks--, x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK) {
        u = vld1q_s8(x0), v = vld1q_s8(x1), k = vld1q_s8(w);
        a0 = vmladavaq_s8(a0, u, k), b0 = vmladavaq_s8(b0, v, k);
        k = vld1q_s8(w + CHUNK);
        a1 = vmladavaq_s8(a1, u, k), b1 = vmladavaq_s8(b1, v, k);
        k = vld1q_s8(w + 2 * CHUNK);
        a2 = vmladavaq_s8(a2, u, k), b2 = vmladavaq_s8(b2, v, k);
        k = vld1q_s8(w + 3 * CHUNK);
        a3 = vmladavaq_s8(a3, u, k), b3 = vmladavaq_s8(b3, v, k);
    }
    sums_t s;
    s.a = vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2), 3);
    s.b = vsetq_lane_s32(b3, vsetq_lane_s32(b2, vsetq_lane_s32(b1, vdupq_n_s32(b0), 1), 2), 3);
    return s;
}

/* Requantizes both pixels' sums of a block, with its parameters loaded once: four channels from
 * oc0 (pred: all lanes in whole blocks, the tail's lanes in the last). */
static inline void store_pair(const mf_conv_params_s8 *p, int8_t *y0, int8_t *y1, int oc0, mve_pred16_t pred,
                              sums_t s) {
    int32x4_t bias = vldrwq_z_s32(p->bias_with_offset + oc0, pred);
    int32x4_t multiplier = vldrwq_z_s32(p->multiplier + oc0, pred), shift = vldrwq_z_s32(p->shift + oc0, pred);
    int32x4_t a = mf_mve_requantize(vaddq_s32(s.a, bias), multiplier, shift, p->output_offset, p->act_min, p->act_max);
    int32x4_t b = mf_mve_requantize(vaddq_s32(s.b, bias), multiplier, shift, p->output_offset, p->act_min, p->act_max);
    vstrbq_p_s32(y0 + oc0, a, pred);
    vstrbq_p_s32(y1 + oc0, b, pred);
}

static inline void pair(const mf_conv_params_s8 *p, const int8_t *patch0, const int8_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    int oc0 = 0;
    for (; oc0 + BLOCK <= p->out_c; oc0 += BLOCK, w += BLOCK * CHUNK * chunks) /* whole blocks: no predication */
        store_pair(p, y0, y1, oc0, vctp32q(BLOCK), block(patch0, patch1, w, chunks));
    if (oc0 < p->out_c)
        store_pair(p, y0, y1, oc0, vctp32q((uint32_t)(p->out_c - oc0)), block(patch0, patch1, w, chunks));
}

/* TFLite's int8 convolution, bit for bit with ref/: output pixels in row-major pairs
 * (MF_CONV_S8_PIXEL_PAIRS), each pair's patches by `pair`. Needs the host-computed
 * bias_with_offset and mf_conv2d_s8_get_buffer_size bytes of scratch. */
mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->bias_with_offset) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, ELEMENT, mf_mve_copy_s8, mf_mve_fill_s8, pair)
    return MF_OK;
}

/* The weight layout `pair` reads (the host stores the weights so: integer/emit.py), BLOCK
 * filters by CHUNK bytes, in order; two pixels at a time. */
const mf_conv_layout_s8 *mf_conv2d_s8_get_layout(void) {
    static const mf_conv_layout_s8 layout = {BLOCK, CHUNK, ELEMENT, 0, 2};
    return &layout;
}

/* Two im2col patches, none for a direct (1x1, unpadded, whole chunks) convolution. */
int32_t mf_conv2d_s8_get_buffer_size(const mf_conv_params_s8 *p) {
    return mf_conv_pairs_buffer_size(p, CHUNK, ELEMENT);
}
