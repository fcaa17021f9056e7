/* mcuforge ODL linear, Helium (MVE-F), fp32: bit for bit ref/mf_odl_linear_f32.c.
 * How: mf_odl_linear_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_linear_mve.h"
