/* Helium f32 add: the loop in mf_add_float_mve.h. */
#define MF_FLOAT_F16 0
#include "mf_add_float_mve.h"
