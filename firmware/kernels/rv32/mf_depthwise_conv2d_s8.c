/* Scalar RISC-V depthwise convolution, depth multiplier 1: blocks of eight channels, their sums
 * in registers; per tap eight input bytes, eight weight bytes, eight MUL and eight ADD. The input
 * offset enters through the filter sums (mf_dwconv_s8_common.h). Other layouts take the scalar
 * path. */
#include "mf_rv32.h"
#include "mf_dwconv_s8_common.h"

#define BLOCK 8

MF_DW_S8_SCALAR_SUMS(BLOCK)
typedef mf_dw_sums acc_t;

static inline acc_t pad(acc_t a, const int8_t *w, int32_t zero_point, int n) {
    for (int i = 0; i < n; i++) a.c[i] += zero_point * w[i];
    return a;
}

static inline void store(const mf_conv_params_s8 *p, int8_t *y, int c0, int n, acc_t a) {
    const mf_rv32_out o = {p->output_offset, p->act_min, p->act_max};
    for (int i = 0; i < n; i++) {
        int c = c0 + i;
        y[c] = mf_rv32_output(a.c[i], mf_rv32_scale_of(p->multiplier[c], p->shift[c]), o);
    }
}

/* Channels c0.. (n of them) of output pixel y: MF_DW_S8_BLOCK with this file's hooks, for
 * whole blocks (n = BLOCK, a constant) and the tail; inlined, the block's sums stay in
 * registers. */
static inline __attribute__((always_inline)) void block(const mf_conv_params_s8 *p, const int8_t *in, int8_t *y,
                                                        const mf_dw_taps *taps, int c0, int n) {
    if (n == BLOCK) MF_DW_S8_BLOCK(p, in, y, *taps, c0, BLOCK, acc_t, mf_dw_sums_init, mf_dw_sums_row, pad, store)
    else MF_DW_S8_BLOCK(p, in, y, *taps, c0, n, acc_t, mf_dw_sums_init, mf_dw_sums_row, pad, store)
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
