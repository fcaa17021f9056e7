/* Helium f32 avg pooling: the nest in mf_pool2d_float_mve.h. */
#define MF_FLOAT_F16 0
#define MF_POOL_MAX 0
#include "mf_pool2d_float_mve.h"
