/* Reference losses: softmax cross-entropy and mean squared error. Included by
 * mf_odl_loss_{f32,f16}.c with T and S defined (mf_odl_ref.h). Everything is computed in
 * float whatever T is (values read as float); each gradient element is rounded to T once.
 * expf and logf come from the C library (picolibc on the MCU targets, libm on the host).
 *
 * softmax_cross_entropy: m = the largest logit (numerically stable: every exponent <= 0);
 *     sum = expf(logits[i] - m) added from 0 for i ascending;
 *     loss = logf(sum) - (logits[label] - m);
 *     grad[i] = (T)((expf(logits[i] - m) / sum - (i == label)) * scale), the subtraction
 *     only for i == label. grad may be NULL (the loss only).
 * mse: d[i] = out[i] - target[i]; loss = (sum of d[i] * d[i], added from 0 for i ascending) / n;
 *     grad[i] = (T)(d[i] * k), k = (2 * scale) / n. grad may be NULL. */
#include "mf_odl_ref.h"

float expf(float);
float logf(float);

float MF_ODL_FN(mf_odl_softmax_cross_entropy_)(int32_t n, const T *logits, int32_t label, float scale, T *grad) {
    float m = (float)logits[0];
    for (int32_t i = 1; i < n; i++) {
        if ((float)logits[i] > m) m = (float)logits[i];
    }
    float sum = 0.0f;
    for (int32_t i = 0; i < n; i++) {
        const float e = expf((float)logits[i] - m);
        sum = sum + e;
    }
    const float shifted = (float)logits[label] - m;
    const float loss = logf(sum) - shifted;
    if (grad) {
        for (int32_t i = 0; i < n; i++) {
            float q = expf((float)logits[i] - m) / sum;
            if (i == label) q = q - 1.0f;
            grad[i] = (T)(q * scale);
        }
    }
    return loss;
}

float MF_ODL_FN(mf_odl_mse_)(int32_t n, const T *out, const T *target, float scale, T *grad) {
    const float k = (2.0f * scale) / (float)n;
    float sum = 0.0f;
    for (int32_t i = 0; i < n; i++) {
        const float d = (float)out[i] - (float)target[i];
        const float sq = d * d;
        sum = sum + sq;
        if (grad) grad[i] = (T)(d * k);
    }
    return sum / (float)n;
}
