/* RVV f16 dense: the nest in mf_dense_float_rvv.h. */
#define MF_FLOAT_F16 1
#include "mf_dense_float_rvv.h"
