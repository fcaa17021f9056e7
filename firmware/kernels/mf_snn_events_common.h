/* What every variant of mf_snn_events_s8 shares: the spike list, and the driver. The variant
 * adds the rows of the spikes (x = 1) into the currents, a block of outputs at a time, summing
 * each block in int16 registers over at most MF_SNN_CHUNK rows (255 rows of int8 cannot overflow
 * int16) before widening it into cur; other values (x != 1: a first layer's inputs) are
 * multiplied and added here, one by one. */
#ifndef MF_SNN_EVENTS_COMMON_H
#define MF_SNN_EVENTS_COMMON_H

#include "mf_kernels.h"

#define MF_SNN_CHUNK 255

/* The indices of the spikes (x = 1) from list[0] up, their number returned, and of the other
 * non-zero values from list[n - 1] down, their number in *values. Eight inputs at a time while
 * they are zero (most of them, when the spikes are sparse): a load pair, an OR and a branch. Not
 * inlined: the caller keeps its registers for the rows. */
static __attribute__((noinline)) int32_t mf_snn_spike_list(const int8_t *x, int32_t n, uint16_t *list,
                                                           int32_t *values) {
    int32_t ones = 0, others = 0;
    for (int32_t i = 0; i < n; i++) {
        if (((uintptr_t)(x + i) & 7) == 0) { /* aligned: eight inputs at once while they are all zero */
            while (i + 8 <= n) {
                uint32_t w[2];
                __builtin_memcpy(w, __builtin_assume_aligned(x + i, 8), 8);
                if ((w[0] | w[1]) != 0) break;
                i += 8;
            }
            if (i >= n) break;
        }
        if (x[i] == 1) list[ones++] = (uint16_t)i;
        else if (x[i] != 0) list[n - 1 - others++] = (uint16_t)i;
    }
    *values = others;
    return ones;
}

/* rows(cur, wt, n_out, list, count): cur[o] += sum over e < count of wt[list[e] * n_out + o],
 * count <= MF_SNN_CHUNK. */
typedef void (*mf_snn_rows_fn)(int32_t *cur, const int8_t *wt, int32_t n_out, const uint16_t *list, int32_t count);

static inline mf_status mf_snn_events_driver(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias,
                                             int32_t *cur, int32_t n_out, void *scratch, mf_snn_rows_fn rows) {
    if (n_in < 0 || n_out < 0 || n_in > 65536) return MF_ERR_ARG;
    uint16_t *list = (uint16_t *)scratch;
    int32_t values;
    const int32_t count = mf_snn_spike_list(x, n_in, list, &values);
    if (bias)
        for (int32_t o = 0; o < n_out; o++) cur[o] = bias[o];
    for (int32_t e = 0; e < count; e += MF_SNN_CHUNK)
        rows(cur, wt, n_out, list + e, count - e < MF_SNN_CHUNK ? count - e : MF_SNN_CHUNK);
    for (int32_t v = 0; v < values; v++) {
        const int32_t i = list[n_in - 1 - v];
        const int8_t *row = wt + i * n_out;
        for (int32_t o = 0; o < n_out; o++) cur[o] += (int32_t)x[i] * row[o];
    }
    return MF_OK;
}

#endif
