/* RVV f16 conv2d with fp32 accumulation: the nest in mf_conv2d_float_rvv.h. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_conv2d_float_rvv.h"
