#include "mf_kernels.h"

mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out) {
    if (n < 0) return MF_ERR_ARG;
    int32_t acc = 0;
    for (int32_t i = 0; i < n; i++) acc += (int32_t)a[i] * b[i];
    *out = acc;
    return MF_OK;
}
