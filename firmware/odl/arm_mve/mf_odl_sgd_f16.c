/* mcuforge ODL sgd, Helium (MVE-F), f16: bit for bit ref/mf_odl_sgd_f16.c.
 * How: mf_odl_sgd_mve.h. */
#define MFV_MODE MFV_F16
#include "mf_odl_sgd_mve.h"
