/* Reference f32 depthwise conv2d, portable C. */
#include "mf_kernels_float.h"

typedef float mf_elem;
#define MF_DEPTHWISE mf_depthwise_conv2d_f32
#include "mf_depthwise_conv2d_float_ref.h"
