/* Reference f16 add, portable C. */
#include "mf_kernels_float.h"

typedef mf_f16 mf_elem;
#define MF_ADD mf_add_f16
#include "mf_add_float_ref.h"
