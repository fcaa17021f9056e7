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

MF_DW_S8_KERNEL(static inline __attribute__((always_inline)), BLOCK, acc_t, mf_dw_sums_init, mf_dw_sums_row, pad, store)
