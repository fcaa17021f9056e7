/* Reference int8 fully connected, portable C: TFLite's int8 fully connected (as TFLite Micro's
 * reference kernel), the specification that the ISA variants match bit for bit.
 *
 * in: rows x depth, out: rows x units; bias, multiplier and shift per unit. Each unit of each
 * row is its bias plus the dot product of (x + input_offset) with (w + filter_offset), w the
 * unit's row of the weights (units x depth), in int32, in order; requantized (mf_requantize:
 * TFLite's MultiplyByQuantizedMultiplier), moved by the output offset and clamped to the
 * activation range. (The ISA variants take symmetric weights only, filter_offset 0, as
 * TFLite's int8 spec.) p->bias_with_offset is not read here. */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

/* The dot product of one input row with one unit's weights, each moved by its offset. */
static int32_t dot(const int8_t *x, const int8_t *w, const mf_fc_params_s8 *p) {
    int32_t acc = 0;
    for (int d = 0; d < p->depth; d++) acc += (x[d] + p->input_offset) * (w[d] + p->filter_offset);
    return acc;
}

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        for (int u = 0; u < p->units; u++) {
            int32_t acc = p->bias[u] + dot(x, p->weights + u * p->depth, p);
            acc = mf_requantize(acc, p->multiplier[u], p->shift[u]) + p->output_offset;
            out[r * p->units + u] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}
