/* mcuforge ODL SGD with momentum, fp16.
 * The loops and the order of their sums: mf_odl_sgd_ref.h. */
#define T mf_odl_f16
#define S f16
#include "mf_odl_sgd_ref.h"
