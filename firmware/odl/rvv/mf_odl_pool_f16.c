/* mcuforge ODL pool, RVV (Zve32f + Zvfh), f16: bit for bit ref/mf_odl_pool_f16.c.
 * How: mf_odl_pool_rvv.h. */
#define MFR_MODE MFR_F16
#include "mf_odl_pool_rvv.h"
