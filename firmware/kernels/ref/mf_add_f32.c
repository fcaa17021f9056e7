/* Reference f32 add, portable C. */
#include "mf_kernels_float.h"

typedef float mf_elem;
#define MF_ADD mf_add_f32
#include "mf_add_float_ref.h"
