/* RISC-V vectors: a block of outputs (one e16m4 register group) summed over the chunk's spikes
 * with VWADD.WV (each int8 row widened and added in one instruction), then widened into the
 * int32 currents with VWADD.WV again. */
#include <riscv_vector.h>

#include "mf_features.h"
#include "mf_snn_events_common.h"

#if !MF_HAVE_RVV
#error "rvv kernels need the RISC-V vector extension (-march=..._zve32x or _v)"
#endif

static void rows(int32_t *cur, const int8_t *wt, int32_t n, const uint16_t *list, int32_t count,
                 const int32_t *base) {
    for (size_t o = 0, vl; o < (size_t)n; o += vl) {
        vl = __riscv_vsetvl_e16m4((size_t)n - o);
        vint16m4_t a = __riscv_vmv_v_x_i16m4(0, vl);
        for (int32_t e = 0; e < count; e++)
            a = __riscv_vwadd_wv_i16m4(a, __riscv_vle8_v_i8m2(wt + list[e] * n + o, vl), vl);
        const int32_t *from = base ? base + o : cur + o;
        __riscv_vse32_v_i32m8(cur + o, __riscv_vwadd_wv_i32m8(__riscv_vle32_v_i32m8(from, vl), a, vl), vl);
    }
}

mf_status mf_snn_events_s8(const int8_t *x, int32_t n_in, const int8_t *wt, const int32_t *bias, int32_t *cur,
                           int32_t n_out, void *scratch) {
    return mf_snn_events_driver(x, n_in, wt, bias, cur, n_out, scratch, rows);
}
