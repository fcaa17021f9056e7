/* RVV f16 avg pooling: the nest in mf_pool2d_float_rvv.h. */
#define MF_FLOAT_F16 1
#define MF_POOL_MAX 0
#include "mf_pool2d_float_rvv.h"
