/* mcuforge ODL linear, RVV (Zve32f + Zvfh), fp32: bit for bit ref/mf_odl_linear_f32.c.
 * How: mf_odl_linear_rvv.h. */
#define MFR_MODE MFR_F32
#include "mf_odl_linear_rvv.h"
