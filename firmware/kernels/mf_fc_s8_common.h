/* The int8 fully-connected nest of the ISA variants (the reference, ref/mf_fully_connected_s8.c,
 * is its own plain loop nest). */
#ifndef MF_FC_S8_COMMON_H
#define MF_FC_S8_COMMON_H

#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The ISA variants' nest: BLOCK units at a time over one input row, so that each input load
 * serves BLOCK units, then the remaining units as one short block: BLOCK_FN(p, x, u0, n, y)
 * computes, requantizes and stores the n units from u0 of input row x at y + u0 (n is the
 * constant BLOCK except in the tail block). The input offset enters once per unit through the
 * host-computed filter sums (mf_fc_offset): symmetric weights only, as TFLite's int8 spec. */
#define MF_FC_S8_UNIT_BLOCKS(p, in, out, BLOCK, BLOCK_FN)                                        \
    for (int r_ = 0; r_ < (p)->rows; r_++) {                                                     \
        const int8_t *x_ = (in) + r_ * (p)->depth;                                               \
        int8_t *y_ = (out) + r_ * (p)->units;                                                    \
        int u_ = 0;                                                                              \
        for (; u_ + (BLOCK) <= (p)->units; u_ += (BLOCK)) BLOCK_FN(p, x_, u_, BLOCK, y_);         \
        if (u_ < (p)->units) BLOCK_FN(p, x_, u_, (p)->units - u_, y_);                            \
    }

/* The weights of row k of the block of n units from u0; in a short tail block the rows past its
 * last unit repeat that unit (their sums are computed and not stored). */
static inline const int8_t *mf_fc_row(const mf_fc_params_s8 *p, int u0, int n, int k) {
    return p->weights + (u0 + (k < n ? k : n - 1)) * p->depth;
}

/* What unit u adds to its dot product besides the MACs: the bias and the input offset times the
 * sum of its weights, folded on the host (symmetric weights: filter_offset is 0). */
static inline int32_t mf_fc_offset(const mf_fc_params_s8 *p, int u) {
    return p->bias_with_offset[u];
}

#endif
