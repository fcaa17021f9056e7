/* What every variant of mf_snn_events_s8 shares: the spike list, and the driver. The variant
 * adds the rows of the spikes (x = 1) into the currents, a block of outputs at a time, summing
 * each block in int16 registers over at most MF_SNN_CHUNK rows (255 rows of int8 cannot overflow
 * int16) before widening it into cur; other values (x != 1: a first layer's inputs) are
 * multiplied and added here, one by one. */
#ifndef MF_SNN_EVENTS_COMMON_H
#define MF_SNN_EVENTS_COMMON_H

#include "mf_kernels.h"

#define MF_SNN_CHUNK 255

/* A variant may bring its own spike list (same contract as mf_snn_spike_list below). */
#ifndef MF_SNN_SPIKE_LIST
#define MF_SNN_SPIKE_LIST mf_snn_spike_list
#endif

/* One input: a spike's index from the bottom of the list, another value's from the top. */
static inline void mf_snn_list_one(const int8_t *x, int32_t i, int32_t n, uint16_t *list, int32_t *ones,
                                   int32_t *others) {
    if (x[i] == 1) list[(*ones)++] = (uint16_t)i;
    else if (x[i] != 0) list[n - 1 - (*others)++] = (uint16_t)i;
}

/* Four inputs from i, their bytes in w: all 0 or 1 (spikes), the four indices are written
 * without branches, each kept only where its byte is 1 (the writes stay below the values at the
 * top: at least one of the n inputs is zero while an index is not kept); else one by one. */
static inline void mf_snn_list_word(uint32_t w, const int8_t *x, int32_t i, int32_t n, uint16_t *list,
                                    int32_t *ones, int32_t *others) {
    if ((w & 0xFEFEFEFEu) == 0) {
        int32_t k = *ones;
        list[k] = (uint16_t)i;
        k += (int32_t)(w & 1u);
        list[k] = (uint16_t)(i + 1);
        k += (int32_t)((w >> 8) & 1u);
        list[k] = (uint16_t)(i + 2);
        k += (int32_t)((w >> 16) & 1u);
        list[k] = (uint16_t)(i + 3);
        *ones = k + (int32_t)(w >> 24);
        return;
    }
    for (int32_t k = i; k < i + 4; k++) mf_snn_list_one(x, k, n, list, ones, others);
}

/* The indices of the spikes (x = 1) from list[0] up, their number returned, and of the other
 * non-zero values from list[n - 1] down, their number in *values. Eight inputs at a time once
 * aligned: all zero (most of them, when the spikes are sparse), a load pair, an OR and a
 * branch; else a word at a time. Not inlined: the caller keeps its registers for the rows. */
static __attribute__((noinline, unused)) int32_t mf_snn_spike_list(const int8_t *x, int32_t n,
                                                                   uint16_t *list, int32_t *values) {
    int32_t ones = 0, others = 0, i = 0;
    for (; i < n && ((uintptr_t)(x + i) & 7) != 0; i++) mf_snn_list_one(x, i, n, list, &ones, &others);
    for (; i + 8 <= n; i += 8) {
        uint32_t w[2];
        __builtin_memcpy(w, __builtin_assume_aligned(x + i, 8), 8);
        if ((w[0] | w[1]) == 0) continue;
        if (w[0]) mf_snn_list_word(w[0], x, i, n, list, &ones, &others);
        if (w[1]) mf_snn_list_word(w[1], x, i + 4, n, list, &ones, &others);
    }
    for (; i < n; i++) mf_snn_list_one(x, i, n, list, &ones, &others);
    *values = others;
    return ones;
}

/* rows(cur, wt, n_out, list, count, base): cur[o] = (base ? base[o] : cur[o]) + the sum over
 * e < count of wt[list[e] * n_out + o], count <= MF_SNN_CHUNK (the first chunk starts from the
 * bias, and saves copying it). */
typedef void (*mf_snn_rows_fn)(int32_t *cur, const int8_t *wt, int32_t n_out, const uint16_t *list, int32_t count,
                               const int32_t *base);

static inline mf_status mf_snn_events_driver(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias,
                                             int32_t *cur, int32_t n_out, void *scratch, mf_snn_rows_fn rows) {
    if (n_in < 0 || n_out < 0 || n_in > 65536) return MF_ERR_ARG;
    uint16_t *list = (uint16_t *)scratch;
    int32_t values;
    const int32_t count = MF_SNN_SPIKE_LIST(x, n_in, list, &values);
    if (bias && count == 0)
        for (int32_t o = 0; o < n_out; o++) cur[o] = bias[o];
    for (int32_t e = 0; e < count; e += MF_SNN_CHUNK)
        rows(cur, wt, n_out, list + e, count - e < MF_SNN_CHUNK ? count - e : MF_SNN_CHUNK, e == 0 ? bias : 0);
    for (int32_t v = 0; v < values; v++) {
        const int32_t i = list[n_in - 1 - v];
        const int8_t *row = wt + i * n_out;
        for (int32_t o = 0; o < n_out; o++) cur[o] += (int32_t)x[i] * row[o];
    }
    return MF_OK;
}

#endif
