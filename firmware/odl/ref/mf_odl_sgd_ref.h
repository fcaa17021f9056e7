/* Reference SGD with momentum and weight decay, PyTorch's (dampening 0, not Nesterov).
 * Included by mf_odl_sgd_{f32,f16}.c with T and S defined (mf_odl_ref.h). Per element, in
 * float (values read as float), each step its own rounding to float:
 *     g = grad + weight_decay * w
 *     v = momentum * m + g;          m = (T)v
 *     w = (T)(w - lr * v)            (v unrounded: for _f16 the step is not rounded to fp16
 *                                     before it is applied)
 * m and w are rounded to T once each. With m zero, the first step sets m = g, as PyTorch's.
 * m NULL (momentum 0: PyTorch keeps no buffer either): v = g. */
#include "mf_odl_ref.h"

void MF_ODL_FN(mf_odl_sgd_)(int32_t n, float lr, float momentum, float weight_decay, T *w, T *m,
                            const T *grad) {
    for (int32_t i = 0; i < n; i++) {
        const float wi = (float)w[i];
        const float decay = weight_decay * wi;
        const float g = (float)grad[i] + decay;
        float v = g;
        if (m) {
            const float mm = momentum * (float)m[i];
            v = mm + g;
            m[i] = (T)v;
        }
        const float step = lr * v;
        const float wn = wi - step;
        w[i] = (T)wn;
    }
}
