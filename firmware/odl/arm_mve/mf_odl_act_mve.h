/* Helium (MVE-F) clip, add, accumulate, bias gradients: bit for bit ref/mf_odl_act_ref.h (its
 * header states the semantics). Each lane one element, every operation ref's single rounding;
 * bias_grads: the lanes are channels, each lane adding its positions in ref's order (p
 * ascending). clip: x < lo selects lo, else x > hi selects hi, else x (a NaN passes, as ref).
 * The masks: see clip_fw_mask. */
#include "mf_odl_ew_mve.h"

/* y = x > hi ? hi : x, then y < lo ? lo : y: ref's choice whenever lo <= hi or a bound is NaN
 * (x > hi leaves y = hi, never < lo); lo > hi takes ref's scalar loop. */
#define MFV_CLIP(i, m, tail)                                                     \
    {                                                                            \
        const mfv_v x = mfv_load(in + (i), m, tail);                             \
        const mfv_v y = mfv_sel(hi_v, x, mfv_gt_s(x, hi_t));                     \
        mfv_store(out + (i), mfv_sel(lo_v, y, mfv_lt_s(y, lo_t)), m, tail);      \
    }

void MFV_FN(mf_odl_clip_fw_)(int32_t n, float lo, float hi, const mfv_t *in, mfv_t *out) {
    const mfv_s lo_t = (mfv_s)(mfv_t)lo, hi_t = (mfv_s)(mfv_t)hi;
    if (lo_t > hi_t) {
        for (int32_t i = 0; i < n; i++) {
            const mfv_t x = in[i];
            out[i] = x < (mfv_t)lo_t ? (mfv_t)lo_t : (x > (mfv_t)hi_t ? (mfv_t)hi_t : x);
        }
        return;
    }
    const mfv_v lo_v = mfv_dup(lo_t), hi_v = mfv_dup(hi_t);
    MFV_GROUPS(n, MFV_CLIP);
}

#define MFV_CLIP_BW(i, m, tail)                                                                         \
    {                                                                                                   \
        const mfv_v o = mfv_load(out + (i), m, tail);                                                   \
        const mfv_v g = mfv_sel(mfv_load(grad_out + (i), m, tail), zero, mfv_gt_s(o, lo_t));            \
        mfv_store(grad_in + (i), mfv_sel(g, zero, mfv_lt_s(o, hi_t)), m, tail);                         \
    }

void MFV_FN(mf_odl_clip_bw_)(int32_t n, float lo, float hi, const mfv_t *out, const mfv_t *grad_out, mfv_t *grad_in) {
    const mfv_s lo_t = (mfv_s)(mfv_t)lo, hi_t = (mfv_s)(mfv_t)hi;
    const mfv_v zero = mfv_zero();
    MFV_GROUPS(n, MFV_CLIP_BW);
}

/* A mask byte is 8 elements: one fp16 group, or two fp32 groups (bits 0-3, 4-7); the bits of
 * a group's lanes are summed across (VADDV: distinct bits, so the sum is their or). */
void MFV_FN(mf_odl_clip_fw_mask_)(int32_t n, float lo, float hi, const mfv_t *in, mfv_t *out, uint8_t *mask) {
    const mfv_s lo_t = (mfv_s)(mfv_t)lo, hi_t = (mfv_s)(mfv_t)hi;
    const mfv_v lo_v = mfv_dup(lo_t), hi_v = mfv_dup(hi_t);
    for (int32_t i = 0; i < n; i += 8) {
        uint32_t bits = 0;
        for (int h = 0; h < 8 && i + h < n; h += MFV_LANES) {
            const mve_pred16_t m = mfv_pred((int)(n - i - h));
            const mfv_v x = mfv_ld_z(in + i + h, m);
            const mfv_v y0 = mfv_sel(hi_v, x, mfv_gt_s(x, hi_t));
            const mfv_v y = mfv_sel(lo_v, y0, mfv_lt_s(x, lo_t));
            mfv_st_p(out + i + h, y, m);
            bits |= mfv_bits(mfv_gt_s(y, lo_t) & mfv_lt_s(y, hi_t) & m, h);
        }
        mask[i / 8] = (uint8_t)bits;
    }
}

void MFV_FN(mf_odl_clip_bw_mask_)(int32_t n, const uint8_t *mask, const mfv_t *grad_out, mfv_t *grad_in) {
    const mfv_v zero = mfv_zero();
    for (int32_t i = 0; i < n; i += MFV_LANES) {
        const mve_pred16_t m = mfv_pred((int)(n - i));
        const mve_pred16_t here = mfv_from_bits(mask[i / 8], (int)(i % 8));
        mfv_st_p(grad_in + i, mfv_sel(mfv_ld_z(grad_out + i, m), zero, here), m);
    }
}

#define MFV_ADD(i, m, tail) mfv_store(out + (i), mfv_add(mfv_load(a + (i), m, tail), mfv_load(b + (i), m, tail)), m, tail)
#define MFV_ACC(i, m, tail) mfv_store(dst + (i), mfv_add(mfv_load(dst + (i), m, tail), mfv_load(src + (i), m, tail)), m, tail)

void MFV_FN(mf_odl_add_fw_)(int32_t n, const mfv_t *a, const mfv_t *b, mfv_t *out) { MFV_GROUPS(n, MFV_ADD); }

void MFV_FN(mf_odl_accumulate_)(int32_t n, const mfv_t *src, mfv_t *dst) { MFV_GROUPS(n, MFV_ACC); }

void MFV_FN(mf_odl_bias_grads_)(int32_t positions, int32_t channels, const mfv_t *grad_out, mfv_t *grad_b) {
    MFV_EACH_GROUP(c, channels, m) {
        mfv_v acc = mfv_ld_z(grad_b + c, m);
        const mfv_t *g = grad_out + c;
        for (int32_t p = 0; p < positions; p++, g += channels) acc = mfv_add(acc, mfv_ld_z(g, m));
        mfv_st_p(grad_b + c, acc, m);
    }
}
