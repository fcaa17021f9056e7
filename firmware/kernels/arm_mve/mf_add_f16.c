/* Helium f16 add: the loop in mf_add_float_mve.h. */
#define MF_FLOAT_F16 1
#include "mf_add_float_mve.h"
