/* mcuforge ODL sgd, RVV (Zve32f + Zvfh), f32: bit for bit ref/mf_odl_sgd_f32.c.
 * How: mf_odl_sgd_rvv.h. */
#define MFR_MODE MFR_F32
#include "mf_odl_sgd_rvv.h"
