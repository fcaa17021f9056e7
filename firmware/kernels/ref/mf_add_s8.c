#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* MultiplyByQuantizedMultiplierSmallerThanOneExp */
static int32_t scale_down(int32_t x, int32_t multiplier, int32_t shift) {
    return mf_rdbp(mf_srdhm(x, multiplier), -shift);
}

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    for (int32_t i = 0; i < p->size; i++) {
        int32_t x1 = (a[i] + p->input1_offset) * (1 << p->left_shift);
        int32_t x2 = (b[i] + p->input2_offset) * (1 << p->left_shift);
        int32_t sum = scale_down(x1, p->input1_multiplier, p->input1_shift) +
                      scale_down(x2, p->input2_multiplier, p->input2_shift);
        int32_t y = scale_down(sum, p->output_multiplier, p->output_shift) + p->output_offset;
        out[i] = (int8_t)mf_clamp(y, p->act_min, p->act_max);
    }
    return MF_OK;
}
