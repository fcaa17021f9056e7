/* Reference element-wise ops: clip (ReLU, ReLU6) forward and backward, residual add, gradient
 * accumulation. Included by mf_odl_act_{f32,f16}.c with T and S defined (mf_odl_ref.h);
 * fp16 arithmetic for _f16, each sum rounded to T.
 *
 * clip_fw: lo and hi are rounded to T first (exact for 0, 6 and +inf); out = lo where
 *     in < lo, hi where in > hi, else in (a NaN passes). out may be in.
 * clip_bw: grad_in = grad_out where lo < out < hi (lo, hi rounded to T), else 0: no gradient
 *     at the bounds themselves, as PyTorch's relu (none at 0) and hardtanh / relu6 (none at 0
 *     and 6); lo < out < hi exactly where lo < in < hi. grad_in may be grad_out.
 * clip_fw_mask / clip_bw_mask: as clip_fw / clip_bw, the condition lo < out < hi kept as bit
 *     i % 8 of mask[i / 8] (the bits past n in the last byte are 0).
 * add_fw: out = (T)(a + b). out may be a or b.
 * accumulate: dst = (T)(dst + src).
 * bias_grads: grad_b[c] = (T) sum, starting from the value grad_b holds and adding
 *     grad_out[p][c] for p ascending, each sum rounded to T. */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_clip_fw_)(int32_t n, float lo, float hi, const T *in, T *out) {
    const T lo_t = (T)lo, hi_t = (T)hi;
    for (int32_t i = 0; i < n; i++) {
        const T x = in[i];
        out[i] = x < lo_t ? lo_t : (x > hi_t ? hi_t : x);
    }
}

void MF_ODL_FN(mf_odl_clip_bw_)(int32_t n, float lo, float hi, const T *out, const T *grad_out, T *grad_in) {
    const T lo_t = (T)lo, hi_t = (T)hi;
    for (int32_t i = 0; i < n; i++) grad_in[i] = out[i] > lo_t && out[i] < hi_t ? grad_out[i] : (T)0;
}

void MF_ODL_FN(mf_odl_clip_fw_mask_)(int32_t n, float lo, float hi, const T *in, T *out, uint8_t *mask) {
    const T lo_t = (T)lo, hi_t = (T)hi;
    for (int32_t i = 0; i < n; i += 8) {
        uint8_t bits = 0;
        for (int32_t j = i; j < i + 8 && j < n; j++) {
            const T x = in[j];
            const T y = x < lo_t ? lo_t : (x > hi_t ? hi_t : x);
            out[j] = y;
            bits |= (uint8_t)((y > lo_t && y < hi_t) << (j - i));
        }
        mask[i / 8] = bits;
    }
}

void MF_ODL_FN(mf_odl_clip_bw_mask_)(int32_t n, const uint8_t *mask, const T *grad_out, T *grad_in) {
    for (int32_t i = 0; i < n; i++) grad_in[i] = (mask[i / 8] >> (i % 8)) & 1 ? grad_out[i] : (T)0;
}

void MF_ODL_FN(mf_odl_add_fw_)(int32_t n, const T *a, const T *b, T *out) {
    for (int32_t i = 0; i < n; i++) {
        const T sum = a[i] + b[i];
        out[i] = sum;
    }
}

void MF_ODL_FN(mf_odl_accumulate_)(int32_t n, const T *src, T *dst) {
    for (int32_t i = 0; i < n; i++) {
        const T sum = dst[i] + src[i];
        dst[i] = sum;
    }
}

void MF_ODL_FN(mf_odl_bias_grads_)(int32_t positions, int32_t channels, const T *grad_out, T *grad_b) {
    for (int32_t c = 0; c < channels; c++) {
        T acc = grad_b[c];
        for (int32_t p = 0; p < positions; p++) {
            const T sum = acc + grad_out[p * channels + c];
            acc = sum;
        }
        grad_b[c] = acc;
    }
}
