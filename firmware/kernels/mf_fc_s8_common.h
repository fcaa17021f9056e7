/* The int8 fully-connected loop nest, shared by the reference kernel, the ISA variants and the
 * packed-weight kernels: each supplies the dot product of one input row with one unit's
 * weights (MF_FC_DOT, with x = the row, u = the unit), the nest requantizes and clamps. */
#ifndef MF_FC_S8_COMMON_H
#define MF_FC_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

#define MF_FC_S8_LOOPS(p, in, out, DOT)                                                          \
    for (int r = 0; r < (p)->rows; r++) {                                                        \
        const int8_t *x = (in) + r * (p)->depth;                                                 \
        for (int u = 0; u < (p)->units; u++) {                                                   \
            int32_t acc = (p)->bias[u] + (DOT);                                                  \
            acc = mf_requantize(acc, (p)->multiplier[u], (p)->shift[u]) + (p)->output_offset;    \
            (out)[r * (p)->units + u] = (int8_t)mf_clamp(acc, (p)->act_min, (p)->act_max);       \
        }                                                                                        \
    }

#endif
