/* Reference int8 add, portable C: TFLite's int8 add (as TFLite Micro's reference kernel), the
 * specification that the ISA variants match bit for bit.
 *
 * out[i] = requantized(a[i] + b[i]), elementwise. TFLite moves each input by its offset, shifts
 * it left by left_shift and rescales it by its own multiplier and shift; those terms depend on
 * the input byte only, so the host computes them for all 256 bytes (p->table1, p->table2: byte
 * v at [v + 128], the same integers). Their sum is rescaled to the output
 * (MultiplyByQuantizedMultiplierSmallerThanOneExp), moved by the output offset and clamped to
 * the activation range. */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: x * multiplier * 2^(shift - 31), shift <= 0. */
static int32_t scale_down(int32_t x, int32_t multiplier, int32_t shift) {
    return mf_rdbp(mf_srdhm(x, multiplier), -shift);
}

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    for (int32_t i = 0; i < p->size; i++) {
        int32_t sum = p->table1[a[i] + 128] + p->table2[b[i] + 128];
        int32_t y = scale_down(sum, p->output_multiplier, p->output_shift) + p->output_offset;
        out[i] = (int8_t)mf_clamp(y, p->act_min, p->act_max);
    }
    return MF_OK;
}
