/* Reference f16 conv2d with fp32 accumulation, portable C: fp16 in memory, each product
 * (exact in fp32) and sum in fp32 (Cortex-M4/M7: VCVTB.F32.F16 and VMUL/VADD or VFMA.F32),
 * rounded to fp16 once after the activation. */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_ACC float
#define MF_CONV2D mf_conv2d_f16_acc32
#include "mf_conv2d_float_ref.h"
