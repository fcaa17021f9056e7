/* mcuforge ODL SGD with momentum, fp32.
 * The loops and the order of their sums: mf_odl_sgd_ref.h. */
#define T float
#define S f32
#include "mf_odl_sgd_ref.h"
