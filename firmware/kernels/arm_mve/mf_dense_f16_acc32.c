/* Helium f16 dense with fp32 accumulation: the nest in mf_dense_float_mve.h. */
#define MF_FLOAT_F16 1
#define MF_FLOAT_ACC32 1
#include "mf_dense_float_mve.h"
