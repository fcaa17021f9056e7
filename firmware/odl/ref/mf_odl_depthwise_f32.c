/* mcuforge ODL depthwise, fp32.
 * The loop nests and the order of their sums: mf_odl_depthwise_ref.h. */
#define T float
#define ACC float
#define S f32
#include "mf_odl_depthwise_ref.h"
