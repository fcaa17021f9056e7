#include "mf_kernels.h"

mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch) {
    if (n_in < 0 || n_out < 0 || n_in > 65536) return MF_ERR_ARG;
    uint16_t *events = (uint16_t *)scratch;
    int32_t count = 0;
    for (int32_t i = 0; i < n_in; i++) /* the spike list */
        if (x[i] != 0) events[count++] = (uint16_t)i;
    if (bias)
        for (int32_t o = 0; o < n_out; o++) cur[o] = bias[o];
    for (int32_t e = 0; e < count; e++) {
        const int32_t i = events[e];
        const int8_t *row = wt + i * n_out;
        if (x[i] == 1) {
            for (int32_t o = 0; o < n_out; o++) cur[o] += row[o];
        } else {
            const int32_t v = x[i];
            for (int32_t o = 0; o < n_out; o++) cur[o] += v * row[o];
        }
    }
    return MF_OK;
}
