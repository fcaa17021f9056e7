/* Reference f16 conv2d with fp32 accumulation, portable C: fp16 in memory, each product
 * (exact in fp32) and sum in fp32, rounded to fp16 once after the activation. What clang makes
 * of the contracted multiply-add: Cortex-M7 VCVTB.F32.F16 + VFMA.F32; Cortex-M4 VCVTB.F32.F16 +
 * VMUL.F32 + VADD.F32 (VFMA takes 3 cycles there, the pair 2). */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_ACC float
#define MF_CONV2D mf_conv2d_f16_acc32
#include "mf_conv2d_float_ref.h"
