/* Output pixels in row-major order, each from its window, one channel and one tap at a time
 * (the nest in mf_pool_s8_common.h). */
#include "mf_pool_s8_common.h"

static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    MF_POOL_S8_CHANNELS(p, x, w, y, 0, mf_max_pool_channel)
}

MF_POOL_S8_KERNEL(mf_max_pool2d_s8, pixel)
