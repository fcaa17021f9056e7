/* mcuforge ODL depthwise, RVV (Zve32f + Zvfh), fp32: bit for bit ref/mf_odl_depthwise_f32.c.
 * How: mf_odl_depthwise_rvv.h. */
#define MFR_MODE MFR_F32
#include "mf_odl_depthwise_rvv.h"
