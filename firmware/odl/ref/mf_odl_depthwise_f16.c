/* mcuforge ODL depthwise, fp16, every product and sum rounded to fp16.
 * The loop nests and the order of their sums: mf_odl_depthwise_ref.h. */
#define T mf_odl_f16
#define ACC mf_odl_f16
#define S f16
#include "mf_odl_depthwise_ref.h"
