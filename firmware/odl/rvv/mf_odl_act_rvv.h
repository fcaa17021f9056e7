/* RVV (Zve32f + Zvfh) clip, add, accumulate, bias gradients: bit for bit ref/mf_odl_act_ref.h (its
 * header states the semantics). Each lane one element, every operation ref's single rounding;
 * bias_grads: the lanes are channels, each lane adding its positions in ref's order (p
 * ascending). clip: x < lo selects lo, else x > hi selects hi, else x (a NaN passes, as ref).
 * The masks: see clip_fw_mask. */
#include "mf_odl_ew_rvv.h"

void MFR_FN(mf_odl_clip_fw_)(int32_t n, float lo, float hi, const mfr_t *in, mfr_t *out) {
    const mfr_s lo_t = (mfr_s)(mfr_t)lo, hi_t = (mfr_s)(mfr_t)hi;
    MFR_EACH_GROUP(i, n, vl) {
        const mfe_v x = mfe_ld(in + i, vl);
        const mfe_v y = mfe_sel_s(hi_t, x, mfe_gt_s(x, hi_t, vl), vl);
        mfe_st(out + i, mfe_sel_s(lo_t, y, mfe_lt_s(x, lo_t, vl), vl), vl);
    }
}

void MFR_FN(mf_odl_clip_bw_)(int32_t n, float lo, float hi, const mfr_t *out, const mfr_t *grad_out, mfr_t *grad_in) {
    const mfr_s lo_t = (mfr_s)(mfr_t)lo, hi_t = (mfr_s)(mfr_t)hi;
    MFR_EACH_GROUP(i, n, vl) {
        const mfe_v o = mfe_ld(out + i, vl);
        const mfe_v zero = mfe_zero(vl);
        const mfe_v g = mfe_sel(mfe_ld(grad_out + i, vl), zero, mfe_lt_s(o, hi_t, vl), vl);
        mfe_st(grad_in + i, mfe_sel(g, zero, mfe_gt_s(o, lo_t, vl), vl), vl);
    }
}

/* The masks are mask registers stored as bytes (VSM, VLM: lane l is bit l % 8 of byte l / 8,
 * ref's layout; a group starts at a multiple of 32 or 64 elements, so at a byte). VSM leaves
 * the bits past n in the last byte undefined (tail-agnostic): they are cleared after. */
void MFR_FN(mf_odl_clip_fw_mask_)(int32_t n, float lo, float hi, const mfr_t *in, mfr_t *out, uint8_t *mask) {
    const mfr_s lo_t = (mfr_s)(mfr_t)lo, hi_t = (mfr_s)(mfr_t)hi;
    MFR_EACH_GROUP(i, n, vl) {
        const mfe_v x = mfe_ld(in + i, vl);
        const mfe_v y0 = mfe_sel_s(hi_t, x, mfe_gt_s(x, hi_t, vl), vl);
        const mfe_v y = mfe_sel_s(lo_t, y0, mfe_lt_s(x, lo_t, vl), vl);
        mfe_st(out + i, y, vl);
        mfe_sm(mask + i / 8, mfe_and(mfe_gt_s(y, lo_t, vl), mfe_lt_s(y, hi_t, vl), vl), vl);
    }
    if (n > 0 && n % 8) mask[n / 8] &= (uint8_t)((1u << (n % 8)) - 1);
}

void MFR_FN(mf_odl_clip_bw_mask_)(int32_t n, const uint8_t *mask, const mfr_t *grad_out, mfr_t *grad_in) {
    MFR_EACH_GROUP(i, n, vl) {
        mfe_st(grad_in + i, mfe_sel(mfe_ld(grad_out + i, vl), mfe_zero(vl), mfe_lm(mask + i / 8, vl), vl), vl);
    }
}

void MFR_FN(mf_odl_add_fw_)(int32_t n, const mfr_t *a, const mfr_t *b, mfr_t *out) {
    MFR_EACH_GROUP(i, n, vl) mfe_st(out + i, mfe_add(mfe_ld(a + i, vl), mfe_ld(b + i, vl), vl), vl);
}

void MFR_FN(mf_odl_accumulate_)(int32_t n, const mfr_t *src, mfr_t *dst) {
    MFR_EACH_GROUP(i, n, vl) mfe_st(dst + i, mfe_add(mfe_ld(dst + i, vl), mfe_ld(src + i, vl), vl), vl);
}

void MFR_FN(mf_odl_bias_grads_)(int32_t positions, int32_t channels, const mfr_t *grad_out, mfr_t *grad_b) {
    MFR_EACH_GROUP(c, channels, vl) {
        mfe_v acc = mfe_ld(grad_b + c, vl);
        const mfr_t *g = grad_out + c;
        for (int32_t p = 0; p < positions; p++, g += channels) acc = mfe_add(acc, mfe_ld(g, vl), vl);
        mfe_st(grad_b + c, acc, vl);
    }
}
