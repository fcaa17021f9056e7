/* Reference f32 dense (fully connected), portable C. */
#include "mf_kernels_float.h"

typedef float mf_elem;
#define MF_DENSE mf_dense_f32
#include "mf_dense_float_ref.h"
