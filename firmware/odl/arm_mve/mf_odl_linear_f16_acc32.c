/* mcuforge ODL linear, Helium (MVE-F), fp16 storage, products and sums in fp32,
 * each element rounded to fp16 once: bit for bit ref/mf_odl_linear_f16_acc32.c.
 * How: mf_odl_linear_mve.h. */
#define MFV_MODE MFV_ACC32
#include "mf_odl_linear_mve.h"
