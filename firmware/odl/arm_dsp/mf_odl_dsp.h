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

#endif
