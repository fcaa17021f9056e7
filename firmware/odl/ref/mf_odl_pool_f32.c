/* mcuforge ODL average and max pooling, fp32.
 * The loops and the order of their sums: mf_odl_pool_ref.h. */
#define T float
#define S f32
#include "mf_odl_pool_ref.h"
