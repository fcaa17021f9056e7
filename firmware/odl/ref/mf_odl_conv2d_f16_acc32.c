/* mcuforge ODL conv2d, fp16 storage, products and sums in fp32, rounded to fp16 once per element.
 * The loop nests and the order of their sums: mf_odl_conv2d_ref.h. */
#define T mf_odl_f16
#define ACC float
#define S f16_acc32
#include "mf_odl_conv2d_ref.h"
