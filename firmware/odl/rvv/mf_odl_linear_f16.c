/* mcuforge ODL linear, RVV (Zve32f + Zvfh), fp16, every product and sum
 * rounded to fp16: bit for bit ref/mf_odl_linear_f16.c.
 * How: mf_odl_linear_rvv.h. */
#define MFR_MODE MFR_F16
#include "mf_odl_linear_rvv.h"
