/* mcuforge ODL conv2d, Helium (MVE-F), fp32: bit for bit ref/mf_odl_conv2d_f32.c.
 * How: mf_odl_conv2d_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_conv2d_mve.h"
