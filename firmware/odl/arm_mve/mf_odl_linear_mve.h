/* Helium linear layer, forward and backward, for every mode of mf_odl_mve.h: the body of
 * mf_odl_linear_{f32,f16,f16_acc32}.c, bit for bit what ref/mf_odl_linear_ref.h specifies.
 *
 * fw: lanes over outputs; each lane's weight row w[o][..] is `in` elements from the next, so a
 * gather reads one element of every lane's row (fp32: VLDRW gather with writeback; fp16: VLDRH
 * gather, two groups of 8 rows from one base); MFV_FW_GROUPS groups of outputs share each
 * input element (VMUL by a scalar, then VADD), i ascending.
 * bw_input_grads: lanes over inputs: w[o][i..] is contiguous; 4 groups of inputs share each
 * grad_out element, o ascending.
 * bw_param_grads: one product and one sum per element: 4 groups of inputs stay in registers
 * while the rows go by, each row's grad_out element times them added into grad_w. */
#include "mf_odl_mve.h"

#if MFV_MODE == MFV_F16
typedef mf_odl_f16 mfv_acc_t; /* the scalar fallback's sums */
#define MFV_FW_GROUPS 2
#else
typedef float mfv_acc_t;
#define MFV_FW_GROUPS (MFV_MODE == MFV_F32 ? 2 : 1)
#endif
#define MFV_BW_GROUPS 4

/* ---- fw ---- */

/* Outputs [o, o + ng * MFV_LANES), the last group holding n (<= MFV_LANES) of them. */
MFV_INLINE void mfv_fw_groups(const mf_odl_linear_t *p, const mfv_t *in, const mfv_t *w, const mfv_t *b, mfv_t *out,
                              int o, int ng, int n) {
    const int n_in = p->in;
    mfv_v acc[MFV_FW_GROUPS];
    for (int k = 0; k < ng; k++) {
        const mve_pred16_t m = mfv_pred(k == ng - 1 ? n : MFV_LANES);
        acc[k] = b ? mfv_ld_z(b + o + k * MFV_LANES, m) : mfv_zero();
    }
#if MFV_MODE == MFV_F32
    mfv_gather g[MFV_FW_GROUPS];
    for (int k = 0; k < ng; k++)
        g[k] = mfv_gather_at(mfv_lane_offsets(n_in, k == ng - 1 ? n : MFV_LANES), w + (o + k * MFV_LANES) * n_in);
    const mfv_t *x = in;
    for (int i = n_in >> 1; i > 0; i--) { /* two inputs an iteration: one LDRD */
        mfv_s s0, s1;
        mfv_scalar2(&x, &s0, &s1);
        for (int k = 0; k < ng; k++) {
            const mfv_v w0 = mfv_gather_next(&g[k]);
            const mfv_v w1 = mfv_gather_next(&g[k]);
            acc[k] = mfv_mac_s(mfv_mac_s(acc[k], w0, s0), w1, s1);
        }
    }
    if (n_in & 1)
        for (int k = 0; k < ng; k++) acc[k] = mfv_mac_s(acc[k], mfv_gather_next(&g[k]), mfv_scalar(x));
#else
    /* one base for every group: group k's offsets are k * 8 rows further */
    mfv_lane_off off[MFV_FW_GROUPS];
    for (int k = 0; k < ng; k++)
        off[k] = vaddq_n_u16(mfv_lane_offsets(n_in, k == ng - 1 ? n : MFV_LANES), (uint16_t)(k * MFV_LANES * n_in));
    const mfv_t *wi = w + o * n_in;
    for (int i = 0; i < n_in; i++, wi++) {
        const mfv_s s = mfv_scalar(in + i);
        for (int k = 0; k < ng; k++) {
            mfv_gather g = mfv_gather_at(off[k], wi);
            acc[k] = mfv_mac_s(acc[k], mfv_gather_next(&g), s);
        }
    }
#endif
    for (int k = 0; k < ng; k++)
        mfv_st_p(out + o + k * MFV_LANES, acc[k], mfv_pred(k == ng - 1 ? n : MFV_LANES));
}

/* ref's loop, for rows too long for 16-bit gather offsets */
static void mfv_fw_scalar(const mf_odl_linear_t *p, const mfv_t *in, const mfv_t *w, const mfv_t *b, mfv_t *out) {
    for (int32_t o = 0; o < p->out; o++) {
        const mfv_t *wo = w + o * p->in;
        mfv_acc_t acc = b ? (mfv_acc_t)b[o] : (mfv_acc_t)0;
        for (int32_t i = 0; i < p->in; i++) {
            const mfv_acc_t prod = (mfv_acc_t)in[i] * (mfv_acc_t)wo[i];
            acc = acc + prod;
        }
        out[o] = (mfv_t)acc;
    }
}

void MFV_FN(mf_odl_linear_fw_)(const mf_odl_linear_t *p, const mfv_t *in, const mfv_t *w, const mfv_t *b, mfv_t *out) {
    const int n_out = p->out, block = MFV_FW_GROUPS * MFV_LANES;
    if (p->in > MFV_GATHER_MAX_STRIDE) {
        mfv_fw_scalar(p, in, w, b, out);
        return;
    }
    int o = 0;
    if ((int64_t)p->in * (block - 1) <= (int64_t)MFV_GATHER_MAX_STRIDE * (MFV_LANES - 1)) /* the offsets fit */
        for (; o + block <= n_out; o += block) mfv_fw_groups(p, in, w, b, out, o, MFV_FW_GROUPS, MFV_LANES);
    for (; o < n_out; o += MFV_LANES)
        mfv_fw_groups(p, in, w, b, out, o, 1, n_out - o < MFV_LANES ? n_out - o : MFV_LANES);
}

/* ---- bw_param_grads ---- */

/* grad_w[o][i..] for every o, inputs [i, i + ng * MFV_LANES) (the last group predicated when
 * tail). */
MFV_INLINE void mfv_bwp_groups(const mf_odl_linear_t *p, const mfv_t *in, const mfv_t *grad_out, mfv_t *grad_w, int i,
                               int ng, int tail) {
    const int n_in = p->in;
    const mve_pred16_t m = mfv_pred(n_in - i - (ng - 1) * MFV_LANES);
    mfv_v x[MFV_BW_GROUPS];
    for (int k = 0; k < ng; k++) x[k] = mfv_load(in + i + k * MFV_LANES, m, tail && k == ng - 1);
    mfv_t *gw = grad_w + i;
    for (int o = 0; o < p->out; o++, gw += n_in) {
        const mfv_s s = mfv_scalar(grad_out + o);
        for (int k = 0; k < ng; k++) {
            const int t = tail && k == ng - 1;
            mfv_store(gw + k * MFV_LANES, mfv_mac_s(mfv_load(gw + k * MFV_LANES, m, t), x[k], s), m, t);
        }
    }
}

void MFV_FN(mf_odl_linear_bw_param_grads_)(const mf_odl_linear_t *p, const mfv_t *in, const mfv_t *grad_out,
                                           mfv_t *grad_w, mfv_t *grad_b) {
    const int n_in = p->in, block = MFV_BW_GROUPS * MFV_LANES;
    int i = 0;
    for (; i + block <= n_in; i += block) mfv_bwp_groups(p, in, grad_out, grad_w, i, MFV_BW_GROUPS, 0);
    for (; i + MFV_LANES <= n_in; i += MFV_LANES) mfv_bwp_groups(p, in, grad_out, grad_w, i, 1, 0);
    if (i < n_in) mfv_bwp_groups(p, in, grad_out, grad_w, i, 1, 1);
    if (!grad_b) return;
    for (int o = 0; o < p->out; o += MFV_LANES) {
        const mve_pred16_t m = mfv_pred(p->out - o);
        mfv_st_p(grad_b + o, mfv_add(mfv_ld_z(grad_b + o, m), mfv_ld_z(grad_out + o, m)), m);
    }
}

/* ---- bw_input_grads ---- */

/* grad_in[i..] for inputs [i, i + ng * MFV_LANES). */
MFV_INLINE void mfv_bwi_groups(const mf_odl_linear_t *p, const mfv_t *grad_out, const mfv_t *w, mfv_t *grad_in, int i,
                               int ng, int tail) {
    const int n_in = p->in;
    const mve_pred16_t m = mfv_pred(n_in - i - (ng - 1) * MFV_LANES);
    mfv_v acc[MFV_BW_GROUPS];
    for (int k = 0; k < ng; k++) acc[k] = mfv_zero();
    const mfv_t *wo = w + i;
    for (int o = 0; o < p->out; o++, wo += n_in) {
        const mfv_s s = mfv_scalar(grad_out + o);
        for (int k = 0; k < ng; k++)
            acc[k] = mfv_mac_s(acc[k], mfv_load(wo + k * MFV_LANES, m, tail && k == ng - 1), s);
    }
    for (int k = 0; k < ng; k++) mfv_store(grad_in + i + k * MFV_LANES, acc[k], m, tail && k == ng - 1);
}

void MFV_FN(mf_odl_linear_bw_input_grads_)(const mf_odl_linear_t *p, const mfv_t *grad_out, const mfv_t *w,
                                           mfv_t *grad_in) {
    const int n_in = p->in, block = MFV_BW_GROUPS * MFV_LANES;
    int i = 0;
    for (; i + block <= n_in; i += block) mfv_bwi_groups(p, grad_out, w, grad_in, i, MFV_BW_GROUPS, 0);
    for (; i + MFV_LANES <= n_in; i += MFV_LANES) mfv_bwi_groups(p, grad_out, w, grad_in, i, 1, 0);
    if (i < n_in) mfv_bwi_groups(p, grad_out, w, grad_in, i, 1, 1);
}
