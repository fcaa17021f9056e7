/* Reference f32 conv2d, portable C (with Zfh or Armv8.1-M FP16 the compiler uses scalar
 * half-precision arithmetic). */
#include "mf_kernels_float.h"

typedef float mf_elem;
#define MF_CONV2D mf_conv2d_f32
#include "mf_conv2d_float_ref.h"
