/* Reference f16 conv2d, portable C (with Zfh or Armv8.1-M FP16 the compiler uses scalar
 * half-precision arithmetic). */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_CONV2D mf_conv2d_f16
#include "mf_conv2d_float_ref.h"
