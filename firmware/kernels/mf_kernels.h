/* mcuforge kernels: the one public header of the kernel API.
 *
 * Every kernel has a portable reference in ref/ and may have ISA variants with the same file and
 * symbol name (arm_dsp/, arm_mve/, rvv/); the target file's kernels.variants picks the first
 * that exists. Kernels only compute: parameters are prepared on the host.
 */
#ifndef MF_KERNELS_H
#define MF_KERNELS_H

#include <stdint.h>

#include "mf_features.h"

typedef enum {
    MF_OK = 0,
    MF_ERR_ARG = -1, /* an argument out of range (e.g. a negative length) */
} mf_status;

/* IEEE binary16. Arithmetic is native where the core has it (Zfh, Armv8.1-M FP16). */
typedef _Float16 mf_f16;

/* *out = sum(a[i] * b[i]) over n elements, exact in int32 for n < 2^17. */
mf_status mf_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t *out);

/* *out = sum(a[i] * b[i]) in fp16 arithmetic; the summation order depends on the variant. */
mf_status mf_dot_f16(const mf_f16 *a, const mf_f16 *b, int32_t n, mf_f16 *out);

#endif
