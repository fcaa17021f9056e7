#include "mf_kernels.h"

/* Each output a dot product (mf_dot_s8: the target's ISA variant). */
mf_status mf_snn_dense_s8(const int8_t *x, int32_t n_in, const int8_t *w, const int32_t *bias, int32_t *cur,
                          int32_t n_out) {
    if (n_in < 0 || n_out < 0) return MF_ERR_ARG;
    for (int32_t o = 0; o < n_out; o++) {
        int32_t acc;
        mf_dot_s8(w + o * n_in, x, n_in, &acc);
        cur[o] = (bias ? bias[o] : cur[o]) + acc;
    }
    return MF_OK;
}
