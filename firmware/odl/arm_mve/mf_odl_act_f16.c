/* mcuforge ODL act, Helium (MVE-F), f16: bit for bit ref/mf_odl_act_f16.c.
 * How: mf_odl_act_mve.h. */
#define MFV_MODE MFV_F16
#include "mf_odl_act_mve.h"
