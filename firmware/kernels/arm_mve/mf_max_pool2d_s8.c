/* Helium int8 max pooling: sixteen channels a vector, VMAXQ.S8 over the window's taps (a load
 * and a max a tap), the channel tail's loads and stores predicated. */
#include "mf_mve_dot.h"
#include "mf_pool_s8_common.h"

/* n (<= 16) channels from x; inlined with n = 16, the predicates fold away. */
static inline __attribute__((always_inline)) void block16(const mf_pool_params_s8 *p, const int8_t *x,
                                                          mf_pool_window w, int8_t *y, int32_t n) {
    mve_pred16_t pred = vctp8q((uint32_t)n);
    int8x16_t m = vdupq_n_s8(-128);
    for (const int8_t *row = x, *end = x + w.rows * w.row_step; row != end; row += w.row_step) {
        const int8_t *t = row;
        for (int32_t i = 0; i < w.cols; i++, t += p->channels) m = vmaxq_s8(m, vld1q_z_s8(t, pred));
    }
    m = vminq_s8(vmaxq_s8(m, vdupq_n_s8((int8_t)p->act_min)), vdupq_n_s8((int8_t)p->act_max));
    vstrbq_p_s8(y, m, pred);
}

static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    int32_t c = 0;
    for (; c + 16 <= p->channels; c += 16) block16(p, x + c, w, y + c, 16);
    if (c < p->channels) block16(p, x + c, w, y + c, p->channels - c);
}

/* TFLite's int8 max pooling: each output channel the largest value of the taps of its window
 * inside the input; output pixels in row-major order (MF_POOL_S8_NEST), sixteen channels a vector. */
mf_status mf_max_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_POOL_S8_NEST(p, in, out, pixel)
    return MF_OK;
}
