/* Helium f16 depthwise conv2d: the nest in mf_depthwise_conv2d_float_mve.h. */
#define MF_FLOAT_F16 1
#include "mf_depthwise_conv2d_float_mve.h"
