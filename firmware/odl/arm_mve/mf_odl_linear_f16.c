/* mcuforge ODL linear, Helium (MVE-F), fp16, every product and sum
 * rounded to fp16: bit for bit ref/mf_odl_linear_f16.c.
 * How: mf_odl_linear_mve.h. */
#define MFV_MODE MFV_F16
#include "mf_odl_linear_mve.h"
