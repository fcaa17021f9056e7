/* The body of mf_lif_s16_step / mf_lif_s32_step: one time step of a layer of neurons, as
 * toolchain/mcuforge/snn/neuron.py states it, in the accumulator type ACC_T (int32 for int16
 * membranes, int64 for int32 ones), stored saturated to [LO, HI]. QUAL: the function's storage
 * class (empty for the kernel itself; static where an ISA variant keeps it for the cases its
 * vector loop does not take). */
#ifndef MF_LIF_COMMON_H
#define MF_LIF_COMMON_H

#include "mf_kernels.h"

/* (u * q + 2^14) >> 15: the leak, rounding half up (arithmetic shift). */
#define MF_LIF_LEAK(ACC_T, u, q) ((ACC_T)(((ACC_T)(u) * (q) + (1 << 14)) >> 15))
#define MF_LIF_SAT(u, LO, HI) ((u) < (LO) ? (LO) : (u) > (HI) ? (HI) : (u))
/* snnTorch's default neuron: Leaky, reset by subtraction one step late, one beta. */
#define MF_LIF_DEFAULT(p) \
    ((p)->kind == MF_LIF_LEAKY && (p)->reset == MF_RESET_SUBTRACT && (p)->delay && (p)->beta_step == 0)

#define MF_LIF_STEP(QUAL, NAME, MEM_T, ACC_T, LO, HI)                                                    \
    QUAL mf_status NAME(const mf_lif_params *p, MEM_T *mem, MEM_T *syn, const int32_t *cur, int8_t *spk) {   \
        if (p->n < 0) return MF_ERR_ARG;                                                                \
        const ACC_T theta = p->theta;                                                                   \
        const int zero_first = p->kind == MF_LIF_LEAKY && p->reset == MF_RESET_ZERO;                    \
        if (MF_LIF_DEFAULT(p)) {                                                                        \
            const ACC_T beta = p->beta[0]; /* snnTorch's default neuron: one loop without branches */   \
            for (int32_t i = 0; i < p->n; i++) {                                                        \
                ACC_T u = mem[i];                                                                       \
                const ACC_T r = u > theta;                                                              \
                u = MF_LIF_LEAK(ACC_T, u, beta) + cur[i] - r * theta;                                   \
                spk[i] = (int8_t)(u > theta);                                                           \
                mem[i] = (MEM_T)MF_LIF_SAT(u, LO, HI);                                                  \
            }                                                                                           \
            return MF_OK;                                                                               \
        }                                                                                               \
        for (int32_t i = 0; i < p->n; i++) {                                                            \
            ACC_T u = mem[i];                                                                           \
            const ACC_T r = u > theta;                                                                  \
            ACC_T drive = cur[i];                                                                       \
            if (p->kind == MF_LIF_SYNAPTIC) {                                                           \
                ACC_T y = MF_LIF_LEAK(ACC_T, syn[i], p->alpha[i * p->alpha_step]) + drive;              \
                y = MF_LIF_SAT(y, LO, HI);                                                              \
                syn[i] = (MEM_T)y;                                                                      \
                drive = y;                                                                              \
            } else if (p->v != 0) {                                                                     \
                drive += (ACC_T)p->v[i * p->v_step] * spk[i];                                           \
            }                                                                                           \
            if (zero_first && r) u = 0;                                                                 \
            u = MF_LIF_LEAK(ACC_T, u, p->beta[i * p->beta_step]) + drive;                               \
            if (p->reset == MF_RESET_SUBTRACT) u -= r * theta;                                          \
            else if (p->reset == MF_RESET_ZERO && !zero_first && r) u = 0;                              \
            const ACC_T s = u > theta;                                                                  \
            if (!p->delay && p->reset != MF_RESET_NONE) u -= (s - r) * (p->reset == MF_RESET_SUBTRACT ? theta : u); \
            mem[i] = (MEM_T)MF_LIF_SAT(u, LO, HI);                                                      \
            spk[i] = (int8_t)s;                                                                         \
        }                                                                                               \
        return MF_OK;                                                                                   \
    }

#endif
