/* RISC-V vector int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches; for each block of four output channels and each 32-byte chunk of the patches (the
 * host stores each block's four filters interleaved by chunk, zero-padded: one e8,m8 load),
 * per pixel and channel: VWMUL + VWMACC of the two 16-byte halves into int16 (two products of
 * int8 fit) and VWREDSUM into the int32 accumulator. The input offset enters once per output through the
 * filter sums; requantization on four lanes. */
#include "mf_rvv_dot.h"
#include "mf_conv_s8_common.h"

#define CHUNK 32
#define HALF 16 /* bytes per int8 register at VLEN 128 (zvl128b) */
#define BLOCK 4
#define ELEMENT 1 /* bytes per patch element: int8 */

static void copy(void *patch, int32_t at, const int8_t *src, int32_t n) {
    int8_t *dst = (int8_t *)patch + at;
    for (size_t left = (size_t)n, vl; left > 0; left -= vl, src += vl, dst += vl) {
        vl = __riscv_vsetvl_e8m1(left);
        __riscv_vse8_v_i8m1(dst, __riscv_vle8_v_i8m1(src, vl), vl);
    }
}

static void fill(void *patch, int32_t at, int8_t value, int32_t n) {
    int8_t *dst = (int8_t *)patch + at;
    for (size_t left = (size_t)n, vl; left > 0; left -= vl, dst += vl) {
        vl = __riscv_vsetvl_e8m1(left);
        __riscv_vse8_v_i8m1(dst, __riscv_vmv_v_x_i8m1(value, vl), vl);
    }
}

/* x . k over one chunk in int16 lanes: two products of int8 per lane fit. */
static inline vint16m2_t chunk_products(vint8m2_t x, vint8m2_t k) {
    vint16m2_t prod = __riscv_vwmul_vv_i16m2(__riscv_vget_v_i8m2_i8m1(x, 0), __riscv_vget_v_i8m2_i8m1(k, 0), HALF);
    return __riscv_vwmacc_vv_i16m2(prod, __riscv_vget_v_i8m2_i8m1(x, 1), __riscv_vget_v_i8m2_i8m1(k, 1), HALF);
}

static inline void store_pixel(const mf_conv_params_s8 *p, int8_t *y, int oc0, size_t n, const int32_t *acc) {
    vint32m1_t v = __riscv_vadd_vv_i32m1(__riscv_vle32_v_i32m1(acc, n), __riscv_vle32_v_i32m1(p->bias_with_offset + oc0, n), n);
    mf_rvv_requantize_store(y, v, p->multiplier, p->shift, oc0, n, p->output_offset, p->act_min, p->act_max);
}

static inline void pair(const mf_conv_params_s8 *p, const int8_t *patch0, const int8_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    for (int oc0 = 0; oc0 < p->out_c; oc0 += BLOCK) {
        vint32m1_t a0 = __riscv_vmv_s_x_i32m1(0, 1), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        const int8_t *x0 = patch0, *x1 = patch1;
        for (int32_t c = 0; c < chunks; c++, x0 += CHUNK, x1 += CHUNK, w += BLOCK * CHUNK) {
            /* all eight products first, then the eight reductions: two vtype changes per chunk */
            vint8m2_t u = __riscv_vle8_v_i8m2(x0, CHUNK), v = __riscv_vle8_v_i8m2(x1, CHUNK);
            vint8m8_t k = __riscv_vle8_v_i8m8(w, BLOCK * CHUNK);
            vint16m2_t pa0 = chunk_products(u, __riscv_vget_v_i8m8_i8m2(k, 0));
            vint16m2_t pb0 = chunk_products(v, __riscv_vget_v_i8m8_i8m2(k, 0));
            vint16m2_t pa1 = chunk_products(u, __riscv_vget_v_i8m8_i8m2(k, 1));
            vint16m2_t pb1 = chunk_products(v, __riscv_vget_v_i8m8_i8m2(k, 1));
            vint16m2_t pa2 = chunk_products(u, __riscv_vget_v_i8m8_i8m2(k, 2));
            vint16m2_t pb2 = chunk_products(v, __riscv_vget_v_i8m8_i8m2(k, 2));
            vint16m2_t pa3 = chunk_products(u, __riscv_vget_v_i8m8_i8m2(k, 3));
            vint16m2_t pb3 = chunk_products(v, __riscv_vget_v_i8m8_i8m2(k, 3));
            a0 = __riscv_vwredsum_vs_i16m2_i32m1(pa0, a0, HALF), b0 = __riscv_vwredsum_vs_i16m2_i32m1(pb0, b0, HALF);
            a1 = __riscv_vwredsum_vs_i16m2_i32m1(pa1, a1, HALF), b1 = __riscv_vwredsum_vs_i16m2_i32m1(pb1, b1, HALF);
            a2 = __riscv_vwredsum_vs_i16m2_i32m1(pa2, a2, HALF), b2 = __riscv_vwredsum_vs_i16m2_i32m1(pb2, b2, HALF);
            a3 = __riscv_vwredsum_vs_i16m2_i32m1(pa3, a3, HALF), b3 = __riscv_vwredsum_vs_i16m2_i32m1(pb3, b3, HALF);
        }
        int n = p->out_c - oc0 < BLOCK ? p->out_c - oc0 : BLOCK;
        const int32_t a[BLOCK] = {__riscv_vmv_x_s_i32m1_i32(a0), __riscv_vmv_x_s_i32m1_i32(a1),
                                  __riscv_vmv_x_s_i32m1_i32(a2), __riscv_vmv_x_s_i32m1_i32(a3)};
        const int32_t b[BLOCK] = {__riscv_vmv_x_s_i32m1_i32(b0), __riscv_vmv_x_s_i32m1_i32(b1),
                                  __riscv_vmv_x_s_i32m1_i32(b2), __riscv_vmv_x_s_i32m1_i32(b3)};
        store_pixel(p, y0, oc0, (size_t)n, a);
        store_pixel(p, y1, oc0, (size_t)n, b);
    }
}

/* TFLite's int8 convolution, bit for bit with ref/: output pixels in row-major pairs
 * (MF_CONV_S8_PIXEL_PAIRS), each pair's patches by `pair`. Needs the host-computed
 * bias_with_offset and mf_conv2d_s8_get_buffer_size bytes of scratch. */
mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->bias_with_offset) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, ELEMENT, copy, fill, pair)
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
