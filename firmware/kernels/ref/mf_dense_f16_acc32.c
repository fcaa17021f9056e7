/* Reference f16 dense with fp32 accumulation, portable C (as mf_conv2d_f16_acc32.c). */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_ACC float
#define MF_DENSE mf_dense_f16_acc32
#include "mf_dense_float_ref.h"
