/* Common to the Cortex-M4/M7 (scalar FPv4/FPv5) fp32 on-device-learning variants (arm_dsp/).
 *
 * Plain C, bit-identical with ref/: each output element's products and sums are computed in
 * exactly ref's order (firmware/odl/ref/mf_odl_*_ref.h), one operation per statement and with
 * contraction off (no VFMA / VMLA: the product is rounded before the sum). Speed comes from
 * computing several output elements at once (shared loads, 4-8 accumulators in registers),
 * hoisted window ranges and pointer increments. The block helpers are always_inline with
 * constant block sizes: clang unrolls their small loops and keeps the accumulators in S
 * registers. */
#ifndef MF_ODL_DSP_H
#define MF_ODL_DSP_H

#include "mf_odl.h"
#include "mf_odl_window.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MF_ODL_INLINE static inline __attribute__((always_inline))

/* grad_b[c] += grad_out[p][c] over the n positions p ascending (ref's order), channels c of
 * `channels`: four channels a pass, each with its own sum in a register. */
MF_ODL_INLINE void mf_odl_dsp_bias_grads(int n, int channels, const float *grad_out, float *grad_b) {
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
        float a0 = grad_b[c], a1 = grad_b[c + 1], a2 = grad_b[c + 2], a3 = grad_b[c + 3];
        const float *g = grad_out + c;
        for (int o = 0; o < n; o++) {
            a0 = a0 + g[0];
            a1 = a1 + g[1];
            a2 = a2 + g[2];
            a3 = a3 + g[3];
            g += channels;
        }
        grad_b[c] = a0;
        grad_b[c + 1] = a1;
        grad_b[c + 2] = a2;
        grad_b[c + 3] = a3;
    }
    for (; c < channels; c++) {
        float a0 = grad_b[c];
        const float *g = grad_out + c;
        for (int o = 0; o < n; o++) {
            a0 = a0 + *g;
            g += channels;
        }
        grad_b[c] = a0;
    }
}

#endif
