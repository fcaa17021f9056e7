/* Helium f32 conv2d: the nest in mf_conv2d_float_mve.h. */
#define MF_FLOAT_F16 0
#include "mf_conv2d_float_mve.h"
