/* mcuforge ODL act, RVV (Zve32f + Zvfh), f16: bit for bit ref/mf_odl_act_f16.c.
 * How: mf_odl_act_rvv.h. */
#define MFR_MODE MFR_F16
#include "mf_odl_act_rvv.h"
