/* Helium f16 dense: the nest in mf_dense_float_mve.h. */
#define MF_FLOAT_F16 1
#include "mf_dense_float_mve.h"
