/* Cortex-M DSP extension: SXTB16 unpacks two int8 lanes to int16, SMLAD does two MACs. */
#include <arm_acle.h>

#include "mf_kernels.h"

#if !MF_HAVE_DSP
#error "arm_dsp kernels need the Arm DSP extension (-mcpu=cortex-m4/m7/m33/m55)"
#endif

static inline int32_t load_s8x4(const int8_t *p) {
    int32_t v;
    __builtin_memcpy(&v, p, 4);  /* one LDR; Cortex-M4/M7 allow unaligned word loads */
    return v;
}

mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out) {
    if (n < 0) return MF_ERR_ARG;
    int32_t acc = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        int32_t va = load_s8x4(a + i), vb = load_s8x4(b + i);
        acc = __smlad(__sxtb16(va), __sxtb16(vb), acc);                        /* lanes 0, 2 */
        acc = __smlad(__sxtb16(__ror(va, 8)), __sxtb16(__ror(vb, 8)), acc);    /* lanes 1, 3 */
    }
    for (; i < n; i++) acc += (int32_t)a[i] * b[i];
    *out = acc;
    return MF_OK;
}
