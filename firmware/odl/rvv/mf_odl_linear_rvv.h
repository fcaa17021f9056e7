/* RVV linear layer, forward and backward, for every mode of mf_odl_rvv.h: the body of
 * mf_odl_linear_{f32,f16,f16_acc32}.c, bit for bit what ref/mf_odl_linear_ref.h specifies.
 *
 * fw: lanes over outputs; each lane's weight row w[o][..] is `in` elements from the next, so a
 * strided load (VLSE) reads one element of every lane's row; two vectors of outputs share each
 * input element (VFMUL.VF, then VFADD), i ascending.
 * bw_input_grads: lanes over inputs: w[o][i..] is contiguous; four vectors of inputs share each
 * grad_out element, o ascending.
 * bw_param_grads: one product and one sum per element: four vectors of inputs stay in registers
 * while the rows go by, each row's grad_out element times them added into grad_w. */
#include "mf_odl_rvv.h"

/* ---- fw ---- */

/* Outputs [o, o + vl) and, when two, [o + vl, o + 2 vl). */
MFR_INLINE void mfr_fw_block(const mf_odl_linear_t *p, const mfr_t *in, const mfr_t *w, const mfr_t *b, mfr_t *out,
                             int o, int two, size_t vl) {
    const int n_in = p->in;
    const ptrdiff_t stride = n_in * (ptrdiff_t)sizeof(mfr_t);
    mfr_a a0 = b ? mfr_acc_ld(b + o, vl) : mfr_zero(vl), a1 = a0;
    if (two && b) a1 = mfr_acc_ld(b + o + vl, vl);
    const mfr_t *w0 = w + o * n_in, *w1 = w0 + vl * n_in;
    for (int i = 0; i < n_in; i++, w0++, w1++) {
        const mfr_s s = mfr_scalar(in + i);
        a0 = mfr_mac_s(a0, mfr_lds(w0, stride, vl), s, vl);
        if (two) a1 = mfr_mac_s(a1, mfr_lds(w1, stride, vl), s, vl);
    }
    mfr_acc_st(out + o, a0, vl);
    if (two) mfr_acc_st(out + o + vl, a1, vl);
}

void MFR_FN(mf_odl_linear_fw_)(const mf_odl_linear_t *p, const mfr_t *in, const mfr_t *w, const mfr_t *b, mfr_t *out) {
    const int n_out = p->out, vlmax = (int)mfr_vlmax();
    int o = 0;
    for (; o + 2 * vlmax <= n_out; o += 2 * vlmax) mfr_fw_block(p, in, w, b, out, o, 1, (size_t)vlmax);
    for (int vl; o < n_out; o += vl) {
        vl = (int)mfr_vsetvl(n_out - o);
        mfr_fw_block(p, in, w, b, out, o, 0, (size_t)vl);
    }
}

/* ---- bw_param_grads ---- */

/* grad_w[o][i..] for every o: inputs [i, i + ng * vl), ng <= 4. */
MFR_INLINE void mfr_bwp_block(const mf_odl_linear_t *p, const mfr_t *in, const mfr_t *grad_out, mfr_t *grad_w, int i,
                              int ng, size_t vl) {
    const int n_in = p->in;
    const mfr_v x0 = mfr_ld(in + i, vl);
    mfr_v x1 = x0, x2 = x0, x3 = x0;
    if (ng > 1) x1 = mfr_ld(in + i + vl, vl);
    if (ng > 2) x2 = mfr_ld(in + i + 2 * vl, vl);
    if (ng > 3) x3 = mfr_ld(in + i + 3 * vl, vl);
    mfr_t *gw = grad_w + i;
    for (int o = 0; o < p->out; o++, gw += n_in) {
        const mfr_s s = mfr_scalar(grad_out + o);
        mfr_acc_st(gw, mfr_mac_s(mfr_acc_ld(gw, vl), x0, s, vl), vl);
        if (ng > 1) mfr_acc_st(gw + vl, mfr_mac_s(mfr_acc_ld(gw + vl, vl), x1, s, vl), vl);
        if (ng > 2) mfr_acc_st(gw + 2 * vl, mfr_mac_s(mfr_acc_ld(gw + 2 * vl, vl), x2, s, vl), vl);
        if (ng > 3) mfr_acc_st(gw + 3 * vl, mfr_mac_s(mfr_acc_ld(gw + 3 * vl, vl), x3, s, vl), vl);
    }
}

void MFR_FN(mf_odl_linear_bw_param_grads_)(const mf_odl_linear_t *p, const mfr_t *in, const mfr_t *grad_out,
                                           mfr_t *grad_w, mfr_t *grad_b) {
    const int n_in = p->in, vlmax = (int)mfr_vlmax();
    int i = 0;
    for (; i + 4 * vlmax <= n_in; i += 4 * vlmax) mfr_bwp_block(p, in, grad_out, grad_w, i, 4, (size_t)vlmax);
    for (int vl; i < n_in; i += vl) {
        vl = (int)mfr_vsetvl(n_in - i);
        mfr_bwp_block(p, in, grad_out, grad_w, i, 1, (size_t)vl);
    }
    if (!grad_b) return;
    for (int o = 0, vl; o < p->out; o += vl) {
        vl = (int)mfr_vsetvl(p->out - o);
        mfr_acc_st(grad_b + o, mfr_add(mfr_acc_ld(grad_b + o, vl), mfr_ld(grad_out + o, vl), vl), vl);
    }
}

/* ---- bw_input_grads ---- */

/* grad_in[i..] for inputs [i, i + ng * vl), ng <= 4. */
MFR_INLINE void mfr_bwi_block(const mf_odl_linear_t *p, const mfr_t *grad_out, const mfr_t *w, mfr_t *grad_in, int i,
                              int ng, size_t vl) {
    const int n_in = p->in;
    mfr_a a0 = mfr_zero(vl), a1 = a0, a2 = a0, a3 = a0;
    const mfr_t *wo = w + i;
    for (int o = 0; o < p->out; o++, wo += n_in) {
        const mfr_s s = mfr_scalar(grad_out + o);
        a0 = mfr_mac_s(a0, mfr_ld(wo, vl), s, vl);
        if (ng > 1) a1 = mfr_mac_s(a1, mfr_ld(wo + vl, vl), s, vl);
        if (ng > 2) a2 = mfr_mac_s(a2, mfr_ld(wo + 2 * vl, vl), s, vl);
        if (ng > 3) a3 = mfr_mac_s(a3, mfr_ld(wo + 3 * vl, vl), s, vl);
    }
    mfr_acc_st(grad_in + i, a0, vl);
    if (ng > 1) mfr_acc_st(grad_in + i + vl, a1, vl);
    if (ng > 2) mfr_acc_st(grad_in + i + 2 * vl, a2, vl);
    if (ng > 3) mfr_acc_st(grad_in + i + 3 * vl, a3, vl);
}

void MFR_FN(mf_odl_linear_bw_input_grads_)(const mf_odl_linear_t *p, const mfr_t *grad_out, const mfr_t *w,
                                           mfr_t *grad_in) {
    const int n_in = p->in, vlmax = (int)mfr_vlmax();
    int i = 0;
    for (; i + 4 * vlmax <= n_in; i += 4 * vlmax) mfr_bwi_block(p, grad_out, w, grad_in, i, 4, (size_t)vlmax);
    for (int vl; i < n_in; i += vl) {
        vl = (int)mfr_vsetvl(n_in - i);
        mfr_bwi_block(p, grad_out, w, grad_in, i, 1, (size_t)vl);
    }
}
