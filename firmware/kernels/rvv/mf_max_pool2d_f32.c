/* RVV f32 max pooling: the nest in mf_pool2d_float_rvv.h. */
#define MF_FLOAT_F16 0
#define MF_POOL_MAX 1
#include "mf_pool2d_float_rvv.h"
