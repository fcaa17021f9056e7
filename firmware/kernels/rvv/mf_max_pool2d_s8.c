/* RISC-V vector int8 max pooling: up to 128 channels a pass (e8, m8), VMAX.VV over the window's
 * taps (a load and a max a tap), the clamp on the same lanes. */
#include "mf_rvv_dot.h"
#include "mf_pool_s8_common.h"

static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    for (size_t c = 0, vl; c < (size_t)p->channels; c += vl) {
        vl = __riscv_vsetvl_e8m8((size_t)p->channels - c);
        vint8m8_t m = __riscv_vmv_v_x_i8m8(-128, vl);
        for (const int8_t *row = x + c, *end = row + w.rows * w.row_step; row != end; row += w.row_step)
            for (const int8_t *t = row, *row_end = row + w.cols * p->channels; t != row_end; t += p->channels)
                m = __riscv_vmax_vv_i8m8(m, __riscv_vle8_v_i8m8(t, vl), vl);
        m = __riscv_vmin_vx_i8m8(__riscv_vmax_vx_i8m8(m, (int8_t)p->act_min, vl), (int8_t)p->act_max, vl);
        __riscv_vse8_v_i8m8(y + c, m, vl);
    }
}

/* TFLite's int8 max pooling: each output channel the largest value of the taps of its window
 * inside the input; output pixels in row-major order (MF_POOL_S8_NEST), up to 128 channels a pass. */
mf_status mf_max_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_POOL_S8_NEST(p, in, out, pixel)
    return MF_OK;
}
