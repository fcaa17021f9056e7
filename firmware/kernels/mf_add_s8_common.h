/* The int8 add loop, shared by the reference and the scalar ISA variants (TFLite's int8 add):
 * both inputs offset and shifted left, each rescaled, summed, the sum rescaled to the output.
 * RESCALE(x, multiplier, shift) is MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0),
 * the reference's or a variant's faster exact one. */
#ifndef MF_ADD_S8_COMMON_H
#define MF_ADD_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

#define MF_ADD_S8_LOOP(p, a, b, out, RESCALE)                                                    \
    for (int32_t i = 0; i < (p)->size; i++) {                                                    \
        int32_t x1 = (int32_t)((uint32_t)((a)[i] + (p)->input1_offset) << (p)->left_shift);       \
        int32_t x2 = (int32_t)((uint32_t)((b)[i] + (p)->input2_offset) << (p)->left_shift);       \
        int32_t sum = RESCALE(x1, (p)->input1_multiplier, (p)->input1_shift) +                   \
                      RESCALE(x2, (p)->input2_multiplier, (p)->input2_shift);                    \
        int32_t y = RESCALE(sum, (p)->output_multiplier, (p)->output_shift) + (p)->output_offset; \
        (out)[i] = (int8_t)mf_clamp(y, (p)->act_min, (p)->act_max);                              \
    }

#endif
