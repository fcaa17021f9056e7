/* The body of mf_snn_maxpool_s32 / _s8: max pooling, channels first, no padding. */
#ifndef MF_SNN_POOL_COMMON_H
#define MF_SNN_POOL_COMMON_H

#include "mf_kernels.h"

#define MF_SNN_MAXPOOL(NAME, T)                                                                    \
    mf_status NAME(const mf_snn_pool_params *p, const T *in, T *out) {                             \
        if (p->k_h < 1 || p->k_w < 1) return MF_ERR_ARG;                                           \
        for (int32_t c = 0; c < p->c; c++)                                                         \
            for (int32_t oy = 0; oy < p->out_h; oy++)                                              \
                for (int32_t ox = 0; ox < p->out_w; ox++) {                                        \
                    const T *base = in + (c * p->in_h + oy * p->stride_h) * p->in_w + ox * p->stride_w; \
                    T best = base[0];                                                              \
                    for (int32_t i = 0; i < p->k_h; i++)                                           \
                        for (int32_t j = 0; j < p->k_w; j++)                                       \
                            if (base[i * p->in_w + j] > best) best = base[i * p->in_w + j];        \
                    out[(c * p->out_h + oy) * p->out_w + ox] = best;                               \
                }                                                                                  \
        return MF_OK;                                                                              \
    }

#endif
