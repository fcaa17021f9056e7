/* RISC-V vector depthwise convolution: a strip of output channels per pass at e32,m4, int8
 * loads sign-extended (VSEXT.VF4). Depth multiplier 1: VMACC of input and weight vectors; one
 * input channel (a convolution of a 1-channel input, any multiplier): VMACC by the scalar
 * input. Other layouts take the scalar path. Requantization on four lanes. */
#include "mf_rvv_dot.h"
#include "mf_dwconv_s8_common.h"

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    const int broadcast = p->in_c == 1;
    if (!broadcast && p->depth_multiplier != 1) return mf_depthwise_scalar(p, in, out);
    int32_t sums[32];
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            mf_window w = mf_window_of(p, oy, ox);
            int8_t *y = out + (oy * p->out_w + ox) * p->out_c;
            for (int c0 = 0; c0 < p->out_c;) {
                size_t vl = __riscv_vsetvl_e32m4((size_t)(p->out_c - c0) < 32 ? (size_t)(p->out_c - c0) : 32);
                vint32m4_t acc = __riscv_vle32_v_i32m4(p->bias + c0, vl);
                for (int ky = w.ky0; ky < w.ky1; ky++)
                    for (int kx = w.kx0; kx < w.kx1; kx++) {
                        int pixel = (w.iy0 + ky * p->dilation_h) * p->in_w + w.ix0 + kx * p->dilation_w;
                        vint32m4_t k = __riscv_vsext_vf4_i32m4(
                            __riscv_vle8_v_i8m1(p->weights + (ky * p->k_w + kx) * p->out_c + c0, vl), vl);
                        if (broadcast) {
                            acc = __riscv_vmacc_vx_i32m4(acc, in[pixel] + p->input_offset, k, vl);
                        } else {
                            vint32m4_t x = __riscv_vsext_vf4_i32m4(__riscv_vle8_v_i8m1(in + pixel * p->in_c + c0, vl), vl);
                            acc = __riscv_vmacc_vv_i32m4(acc, __riscv_vadd_vx_i32m4(x, p->input_offset, vl), k, vl);
                        }
                    }
                __riscv_vse32_v_i32m4(sums, acc, vl);
                for (size_t i = 0, n; i < vl; i += n) { /* requantized four lanes at a time */
                    n = vl - i < 4 ? vl - i : 4;
                    mf_rvv_requantize_store(y, __riscv_vle32_v_i32m1(sums + i, n), p->multiplier, p->shift,
                                            c0 + (int)i, n, p->output_offset, p->act_min, p->act_max);
                }
                c0 += (int)vl;
            }
        }
    return MF_OK;
}
