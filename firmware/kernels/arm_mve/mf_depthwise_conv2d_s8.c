/* Helium depthwise convolution: four output channels per int32x4 accumulator, widening byte
 * loads (VLDRB.S32), tail-predicated. Depth multiplier 1: VMUL + VADD per tap; one input
 * channel (a convolution of a 1-channel input, any multiplier): VMLA by the broadcast input.
 * Other layouts take the scalar path. Requantization on four lanes. */
#include "mf_mve_dot.h"
#include "mf_dwconv_s8_common.h"

mf_status mf_depthwise_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    const int broadcast = p->in_c == 1;
    if (!broadcast && p->depth_multiplier != 1) return mf_depthwise_scalar(p, in, out);
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            mf_window w = mf_window_of(p, oy, ox);
            int8_t *y = out + (oy * p->out_w + ox) * p->out_c;
            for (int c0 = 0; c0 < p->out_c; c0 += 4) {
                mve_pred16_t pred = vctp32q((uint32_t)(p->out_c - c0));
                int32x4_t acc = vldrwq_z_s32(p->bias + c0, pred);
                for (int ky = w.ky0; ky < w.ky1; ky++)
                    for (int kx = w.kx0; kx < w.kx1; kx++) {
                        int pixel = (w.iy0 + ky * p->dilation_h) * p->in_w + w.ix0 + kx * p->dilation_w;
                        int32x4_t k = vldrbq_z_s32(p->weights + (ky * p->k_w + kx) * p->out_c + c0, pred);
                        if (broadcast) {
                            acc = vmlaq_n_s32(acc, k, in[pixel] + p->input_offset);
                        } else { /* zeroed tail lanes: k = 0 */
                            int32x4_t x = vldrbq_z_s32(in + pixel * p->in_c + c0, pred);
                            acc = vaddq_s32(acc, vmulq_s32(vaddq_n_s32(x, p->input_offset), k));
                        }
                    }
                mf_mve_store4(y, acc, p->multiplier, p->shift, c0, p->out_c - c0 < 4 ? p->out_c - c0 : 4,
                              p->output_offset, p->act_min, p->act_max);
            }
        }
    return MF_OK;
}
