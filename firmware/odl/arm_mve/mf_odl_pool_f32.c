/* mcuforge ODL pool, Helium (MVE-F), f32: bit for bit ref/mf_odl_pool_f32.c.
 * How: mf_odl_pool_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_pool_mve.h"
