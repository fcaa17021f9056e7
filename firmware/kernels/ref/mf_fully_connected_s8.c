#include "mf_fc_s8_common.h"

static int32_t dot(const int8_t *x, const int8_t *w, const mf_fc_params_s8 *p) {
    int32_t acc = 0;
    for (int d = 0; d < p->depth; d++) acc += (x[d] + p->input_offset) * (w[d] + p->filter_offset);
    return acc;
}

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    MF_FC_S8_LOOPS(p, in, out, dot(x, p->weights + u * p->depth, p))
    return MF_OK;
}
