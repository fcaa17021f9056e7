/* Reference linear (fully connected) layer: forward and backward, one sample, weights
 * w[out][in] (PyTorch's layout), bias[out] (NULL: none). Included by
 * mf_odl_linear_{f32,f16,f16_acc32}.c with T, ACC and S defined (mf_odl_ref.h).
 *
 * Every product is (ACC)a * (ACC)b rounded to ACC, every sum acc + product rounded to ACC, in
 * exactly this order:
 *
 * fw: out[o] = (T) sum, starting from bias[o] (0 without bias) and adding in[i] * w[o][i] for
 *     i ascending.
 * bw_param_grads: grad_w[o][i] = (T)(grad_w[o][i] + grad_out[o] * in[i]) (one product, one
 *     sum); grad_b[o] (when not NULL) = (T)(grad_b[o] + grad_out[o]).
 * bw_input_grads: grad_in[i] = (T) sum, starting from 0 and adding grad_out[o] * w[o][i] for
 *     o ascending.
 *
 * _f32: float throughout. _f16: every product and sum rounded to fp16. _f16_acc32: products
 * and sums in float, rounded to fp16 once per element. */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_linear_fw_)(const mf_odl_linear_t *p, const T *in, const T *w, const T *b, T *out) {
    for (int32_t o = 0; o < p->out; o++) {
        const T *wo = w + o * p->in;
        ACC acc = b ? (ACC)b[o] : (ACC)0;
        for (int32_t i = 0; i < p->in; i++) {
            const ACC prod = (ACC)in[i] * (ACC)wo[i];
            acc = acc + prod;
        }
        out[o] = (T)acc;
    }
}

void MF_ODL_FN(mf_odl_linear_bw_param_grads_)(const mf_odl_linear_t *p, const T *in, const T *grad_out,
                                              T *grad_w, T *grad_b) {
    for (int32_t o = 0; o < p->out; o++) {
        T *gw = grad_w + o * p->in;
        for (int32_t i = 0; i < p->in; i++) {
            const ACC prod = (ACC)grad_out[o] * (ACC)in[i];
            const ACC sum = (ACC)gw[i] + prod;
            gw[i] = (T)sum;
        }
    }
    if (!grad_b) return;
    for (int32_t o = 0; o < p->out; o++) {
        const ACC sum = (ACC)grad_b[o] + (ACC)grad_out[o];
        grad_b[o] = (T)sum;
    }
}

void MF_ODL_FN(mf_odl_linear_bw_input_grads_)(const mf_odl_linear_t *p, const T *grad_out, const T *w,
                                              T *grad_in) {
    for (int32_t i = 0; i < p->in; i++) {
        ACC acc = (ACC)0;
        for (int32_t o = 0; o < p->out; o++) {
            const ACC prod = (ACC)grad_out[o] * (ACC)w[o * p->in + i];
            acc = acc + prod;
        }
        grad_in[i] = (T)acc;
    }
}
