/* The int8 add loop, shared by the reference and the scalar ISA variants (TFLite's int8 add):
 * each input's offset, left shift and rescaling come from a host table of all 256 byte values
 * (p->table1, p->table2, the same integers); the sum is rescaled to the output. RESCALE(x,
 * multiplier, shift) is MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0), the
 * reference's or a variant's faster exact one. */
#ifndef MF_ADD_S8_COMMON_H
#define MF_ADD_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

#define MF_ADD_S8_LOOP(p, a, b, out, RESCALE)                                                    \
    for (int32_t i = 0; i < (p)->size; i++) {                                                    \
        int32_t sum = (p)->table1[(a)[i] + 128] + (p)->table2[(b)[i] + 128];                     \
        int32_t y = RESCALE(sum, (p)->output_multiplier, (p)->output_shift) + (p)->output_offset; \
        (out)[i] = (int8_t)mf_clamp(y, (p)->act_min, (p)->act_max);                              \
    }

#endif
