/* The body of mf_snn_maxpool_s32 / _s8: max pooling, channels first, no padding; 2x2 windows of
 * stride 2 (the usual case) without the inner loops. */
#ifndef MF_SNN_POOL_COMMON_H
#define MF_SNN_POOL_COMMON_H

#include "mf_kernels.h"

#define MF_SNN_MAX(a, b) ((a) > (b) ? (a) : (b))

#define MF_SNN_MAXPOOL(NAME, T)                                                                    \
    mf_status NAME(const mf_snn_pool_params *p, const T *in, T *out) {                             \
        if (p->k_h < 1 || p->k_w < 1) return MF_ERR_ARG;                                           \
        const int32_t pairs = p->k_h == 2 && p->k_w == 2 && p->stride_h == 2 && p->stride_w == 2;  \
        for (int32_t c = 0; c < p->c; c++)                                                         \
            for (int32_t oy = 0; oy < p->out_h; oy++) {                                            \
                const T *row = in + (c * p->in_h + oy * p->stride_h) * p->in_w;                    \
                T *o = out + (c * p->out_h + oy) * p->out_w;                                       \
                if (pairs) {                                                                       \
                    const T *next = row + p->in_w;                                                 \
                    for (int32_t ox = 0; ox < p->out_w; ox++)                                      \
                        o[ox] = MF_SNN_MAX(MF_SNN_MAX(row[2 * ox], row[2 * ox + 1]),               \
                                           MF_SNN_MAX(next[2 * ox], next[2 * ox + 1]));            \
                    continue;                                                                      \
                }                                                                                  \
                for (int32_t ox = 0; ox < p->out_w; ox++) {                                        \
                    const T *base = row + ox * p->stride_w;                                        \
                    T best = base[0];                                                              \
                    for (int32_t i = 0; i < p->k_h; i++)                                           \
                        for (int32_t j = 0; j < p->k_w; j++)                                       \
                            best = MF_SNN_MAX(best, base[i * p->in_w + j]);                        \
                    o[ox] = best;                                                                  \
                }                                                                                  \
            }                                                                                      \
        return MF_OK;                                                                              \
    }

#endif
