/* Reference f32 max pooling, portable C. */
#include "mf_kernels_float.h"

typedef float mf_elem;
#define MF_POOL mf_max_pool2d_f32
#define MF_POOL_MAX 1
#include "mf_pool2d_float_ref.h"
