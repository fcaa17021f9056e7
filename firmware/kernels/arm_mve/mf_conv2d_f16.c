/* Helium f16 conv2d: the nest in mf_conv2d_float_mve.h. */
#define MF_FLOAT_F16 1
#include "mf_conv2d_float_mve.h"
