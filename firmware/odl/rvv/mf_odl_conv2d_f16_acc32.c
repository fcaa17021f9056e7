/* mcuforge ODL conv2d, RVV (Zve32f + Zvfh), fp16 storage, products and sums in fp32,
 * each element rounded to fp16 once: bit for bit ref/mf_odl_conv2d_f16_acc32.c.
 * How: mf_odl_conv2d_rvv.h. */
#define MFR_MODE MFR_ACC32
#include "mf_odl_conv2d_rvv.h"
