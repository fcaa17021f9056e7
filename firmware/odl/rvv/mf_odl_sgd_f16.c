/* mcuforge ODL sgd, RVV (Zve32f + Zvfh), f16: bit for bit ref/mf_odl_sgd_f16.c.
 * How: mf_odl_sgd_rvv.h. */
#define MFR_MODE MFR_F16
#include "mf_odl_sgd_rvv.h"
