/* RISC-V vector depthwise convolution, depth multiplier 1: blocks of 16 output channels (e8m1
 * at VLEN 128) in an int32 m4 group; per tap, input and weight bytes multiplied into int16
 * (VWMUL) and added to the int32 sums (VWADD.WV). The input offset enters through the filter
 * sums (mf_dwconv_s8_common.h); requantization four lanes (one m1 register of the group) at a
 * time. Other layouts take the scalar path. */
#include "mf_rvv_dot.h"
#include "mf_dwconv_s8_common.h"

#define BLOCK 16 /* channels: e8m1 lanes at the smallest VLEN (zvl128b) */

static inline vint32m4_t init(const mf_conv_params_s8 *p, int c0, int n) {
    return __riscv_vle32_v_i32m4(p->bias_with_offset + c0, (size_t)n);
}

static inline vint32m4_t row(vint32m4_t acc, const int8_t *x, const int8_t *w, int taps, int32_t x_step,
                             int32_t w_step, int n) {
    for (; taps > 0; taps--, x += x_step, w += w_step) {
        vint16m2_t prod = __riscv_vwmul_vv_i16m2(__riscv_vle8_v_i8m1(x, (size_t)n), __riscv_vle8_v_i8m1(w, (size_t)n),
                                                 (size_t)n);
        acc = __riscv_vwadd_wv_i32m4(acc, prod, (size_t)n);
    }
    return acc;
}

static inline vint32m4_t pad(vint32m4_t acc, const int8_t *w, int32_t zero_point, int n) {
    vint16m2_t prod = __riscv_vwmul_vx_i16m2(__riscv_vle8_v_i8m1(w, (size_t)n), (int8_t)zero_point, (size_t)n);
    return __riscv_vwadd_wv_i32m4(acc, prod, (size_t)n);
}

/* Requantizes lanes 4i.. of the block (one m1 register of the group), if it has any. */
static inline void store_part(const mf_conv_params_s8 *p, int8_t *y, int c, int n, vint32m1_t part) {
    if (n > 0)
        mf_rvv_requantize_store(y, part, p->multiplier, p->shift, c, n < 4 ? (size_t)n : 4, p->output_offset,
                                p->act_min, p->act_max);
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, vint32m4_t acc) {
    store_part(p, y, c0, n, __riscv_vget_v_i32m4_i32m1(acc, 0));
    store_part(p, y, c0 + 4, n - 4, __riscv_vget_v_i32m4_i32m1(acc, 1));
    store_part(p, y, c0 + 8, n - 8, __riscv_vget_v_i32m4_i32m1(acc, 2));
    store_part(p, y, c0 + 12, n - 12, __riscv_vget_v_i32m4_i32m1(acc, 3));
}

/* Channels c0.. (n of them) of output pixel y: MF_DW_S8_BLOCK with this file's hooks, for
 * whole blocks (n = BLOCK, a constant) and the tail. */
static inline void block(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y,
                         const mf_dw_taps *taps, int c0, int n) {
    if (n == BLOCK) MF_DW_S8_BLOCK(p, in, y, *taps, c0, BLOCK, vint32m4_t, init, row, pad, store)
    else MF_DW_S8_BLOCK(p, in, y, *taps, c0, n, vint32m4_t, init, row, pad, store)
}

/* Depth multiplier 1 with the host-computed bias_with_offset: output pixels in row-major order
 * (MF_DW_S8_CHANNEL_BLOCKS), each in blocks of BLOCK channels, then the tail block. Other
 * layouts take the scalar path (mf_depthwise_scalar). */
mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->depth_multiplier != 1 || !p->bias_with_offset) return mf_depthwise_scalar(p, in, out);
    MF_DW_S8_CHANNEL_BLOCKS(p, in, out, BLOCK, block, mf_dw_no_pixel)
    return MF_OK;
}
