/* mcuforge ODL depthwise, RVV (Zve32f + Zvfh), fp16, every product and sum
 * rounded to fp16: bit for bit ref/mf_odl_depthwise_f16.c.
 * How: mf_odl_depthwise_rvv.h. */
#define MFR_MODE MFR_F16
#include "mf_odl_depthwise_rvv.h"
