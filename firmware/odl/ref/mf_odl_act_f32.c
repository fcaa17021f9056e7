/* mcuforge ODL clip, add, accumulate, bias gradients, fp32.
 * The loops and the order of their sums: mf_odl_act_ref.h. */
#define T float
#define S f32
#include "mf_odl_act_ref.h"
