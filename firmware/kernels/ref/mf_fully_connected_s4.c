/* Reference int8 x int4 fully connected, portable C (no ISA variants): the int8 kernel with
 * packed weights, two per byte (low nibble first, two's complement), each unit's row
 * byte-aligned ((depth + 1) / 2 bytes).
 *
 * in: rows x depth, out: rows x units; bias, multiplier and shift per unit. Each unit of each
 * row is its bias plus the dot product of (x + input_offset) with the unit's int4 weights,
 * in int32, in order; requantized (mf_requantize: TFLite's MultiplyByQuantizedMultiplier), moved
 * by the output offset and clamped to the activation range. */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The dot product of one input row (moved by the input offset) with one unit's int4 weights. */
static int32_t dot(const int8_t *x, const uint8_t *w, const mf_fc_params_s8 *p) {
    int32_t acc = 0;
    for (int d = 0; d < p->depth; d++) {
        int32_t nibble = (w[d >> 1] >> ((d & 1) * 4)) & 0xF;
        acc += (x[d] + p->input_offset) * (nibble > 7 ? nibble - 16 : nibble);
    }
    return acc;
}

mf_status mf_fully_connected_s4(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            int32_t acc = p->bias[u] + dot(x, (const uint8_t *)p->weights + u * ((p->depth + 1) / 2), p);
            acc = mf_requantize(acc, p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
