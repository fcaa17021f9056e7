/* Helium: int8 dot product with VMLADAVA.S8 (16 MACs per instruction), tail-predicated. */
#ifndef MF_MVE_DOT_H
#define MF_MVE_DOT_H

#include <arm_mve.h>
#include <stdint.h>

#include "mf_features.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

/* acc + sum(a[i] * b[i]) over n int8 elements. */
static inline int32_t mf_mve_dot_s8(int32_t acc, const int8_t *a, const int8_t *b, int32_t n) {
    for (; n > 0; n -= 16, a += 16, b += 16) {
        mve_pred16_t p = vctp8q((uint32_t)n);
        acc = vmladavaq_p_s8(acc, vld1q_z_s8(a, p), vld1q_z_s8(b, p), p);
    }
    return acc;
}

#endif
