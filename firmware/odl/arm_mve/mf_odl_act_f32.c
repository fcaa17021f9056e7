/* mcuforge ODL act, Helium (MVE-F), f32: bit for bit ref/mf_odl_act_f32.c.
 * How: mf_odl_act_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_act_mve.h"
