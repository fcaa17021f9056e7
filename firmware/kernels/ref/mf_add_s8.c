#include "mf_add_s8_common.h"

/* MultiplyByQuantizedMultiplierSmallerThanOneExp */
static int32_t scale_down(int32_t x, int32_t multiplier, int32_t shift) {
    return mf_rdbp(mf_srdhm(x, multiplier), -shift);
}

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    MF_ADD_S8_LOOP(p, a, b, out, scale_down)
    return MF_OK;
}
