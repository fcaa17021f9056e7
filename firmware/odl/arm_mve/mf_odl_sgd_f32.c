/* mcuforge ODL sgd, Helium (MVE-F), f32: bit for bit ref/mf_odl_sgd_f32.c.
 * How: mf_odl_sgd_mve.h. */
#define MFV_MODE MFV_F32
#include "mf_odl_sgd_mve.h"
