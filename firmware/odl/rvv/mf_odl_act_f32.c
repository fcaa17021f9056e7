/* mcuforge ODL act, RVV (Zve32f + Zvfh), f32: bit for bit ref/mf_odl_act_f32.c.
 * How: mf_odl_act_rvv.h. */
#define MFR_MODE MFR_F32
#include "mf_odl_act_rvv.h"
