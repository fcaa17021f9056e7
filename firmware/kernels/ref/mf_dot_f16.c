#include "mf_kernels.h"

mf_status mf_dot_f16(const mf_f16 *a, const mf_f16 *b, int32_t n, mf_f16 *out) {
    if (n < 0) return MF_ERR_ARG;
    mf_f16 acc = 0;
    for (int32_t i = 0; i < n; i++) acc += a[i] * b[i];
    *out = acc;
    return MF_OK;
}
