/* Reference f16 avg pooling, portable C. */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_POOL mf_avg_pool2d_f16
#define MF_POOL_MAX 0
#include "mf_pool2d_float_ref.h"
