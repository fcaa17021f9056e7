/* mcuforge ODL depthwise, Helium (MVE-F), fp32: bit for bit ref/mf_odl_depthwise_f32.c.
 * How: mf_odl_depthwise_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_depthwise_mve.h"
