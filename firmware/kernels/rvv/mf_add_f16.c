/* RVV f16 add: the loop in mf_add_float_rvv.h. */
#define MF_FLOAT_F16 1
#include "mf_add_float_rvv.h"
