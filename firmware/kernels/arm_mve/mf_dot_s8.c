/* Helium: VMLADAVA.S8 multiplies 16 int8 pairs and accumulates into a scalar; VCTP predicates
 * the tail, so there is no scalar epilogue. */
#include <arm_mve.h>

#include "mf_kernels.h"

#if !MF_HAVE_MVE
#error "arm_mve kernels need Helium (MVE): -mcpu=cortex-m55 or cortex-m85"
#endif

mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out) {
    if (n < 0) return MF_ERR_ARG;
    int32_t acc = 0;
    for (; n > 0; n -= 16, a += 16, b += 16) {
        mve_pred16_t p = vctp8q((uint32_t)n);
        acc = vmladavaq_p_s8(acc, vld1q_z_s8(a, p), vld1q_z_s8(b, p), p);
    }
    *out = acc;
    return MF_OK;
}
