/* RISC-V vector int8 average pooling: up to 32 channels a pass (e8, m2), their sums over the
 * window in int16 lanes (VWADD.WV, a load and an add a tap), added into int32 (m8) every 256
 * taps; rounded (a masked add) and divided by the count (VDIV.VX) on the same lanes. */
#include "mf_rvv_dot.h"
#include "mf_pool_s8_common.h"

static inline void pixel(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y) {
    if (w.cols > MF_POOL_MAX_INT16_TAPS) { /* a row too long for the int16 chunks */
        MF_POOL_S8_CHANNELS(p, x, w, y, 0, mf_avg_pool_channel)
        return;
    }
    int32_t count = w.rows * w.cols, half = count / 2;
    for (size_t c = 0, vl; c < (size_t)p->channels; c += vl) {
        vl = __riscv_vsetvl_e8m2((size_t)p->channels - c);
        vint32m8_t s = __riscv_vmv_v_x_i32m8(0, vl);
        for (int32_t r0 = 0, chunk = MF_POOL_CHUNK_ROWS(w); r0 < w.rows; r0 += chunk) {
            vint16m4_t a = __riscv_vmv_v_x_i16m4(0, vl);
            int32_t r1 = r0 + chunk < w.rows ? r0 + chunk : w.rows;
            for (const int8_t *row = x + c + r0 * w.row_step, *end = x + c + r1 * w.row_step; row != end; row += w.row_step)
                for (const int8_t *t = row, *row_end = row + w.cols * p->channels; t != row_end; t += p->channels)
                    a = __riscv_vwadd_wv_i16m4(a, __riscv_vle8_v_i8m2(t, vl), vl);
            s = __riscv_vwadd_wv_i32m8(s, a, vl);
        }
        /* mf_pool_average: sum + half above zero, sum - half elsewhere, divided truncating */
        vbool4_t positive = __riscv_vmsgt_vx_i32m8_b4(s, 0, vl);
        s = __riscv_vsub_vx_i32m8(s, half, vl);
        s = __riscv_vadd_vx_i32m8_mu(positive, s, s, 2 * half, vl);
        s = __riscv_vdiv_vx_i32m8(s, count, vl);
        s = __riscv_vmin_vx_i32m8(__riscv_vmax_vx_i32m8(s, p->act_min, vl), p->act_max, vl);
        __riscv_vse8_v_i8m2(y + c, __riscv_vncvt_x_x_w_i8m2(__riscv_vncvt_x_x_w_i16m4(s, vl), vl), vl);
    }
}

/* TFLite's int8 average pooling: each output channel the average of the taps of its window
 * inside the input; output pixels in row-major order (MF_POOL_S8_NEST), up to 32 channels a pass. */
mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_POOL_S8_NEST(p, in, out, pixel)
    return MF_OK;
}
