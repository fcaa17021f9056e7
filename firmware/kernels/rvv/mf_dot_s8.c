#include "mf_rvv_dot.h"
#include "mf_kernels.h"

mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out) {
    if (n < 0) return MF_ERR_ARG;
    *out = mf_rvv_dot_s8(0, a, b, n);
    return MF_OK;
}
