/* Reference f16 dense (fully connected), portable C. */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_DENSE mf_dense_f16
#include "mf_dense_float_ref.h"
