/* Helium f16 max pooling: the nest in mf_pool2d_float_mve.h. */
#define MF_FLOAT_F16 1
#define MF_POOL_MAX 1
#include "mf_pool2d_float_mve.h"
