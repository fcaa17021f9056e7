/* Reference f16 depthwise conv2d, portable C. */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_DEPTHWISE mf_depthwise_conv2d_f16
#include "mf_depthwise_conv2d_float_ref.h"
