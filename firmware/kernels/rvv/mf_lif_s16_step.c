/* RISC-V vectors: snnTorch's default neuron (Leaky, subtract, reset_delay, one beta) in int32
 * lanes: the int16 membranes sign-extended on load, narrowed on store after saturation, the
 * spikes narrowed to bytes. Every other neuron takes the portable loop. */
#include <riscv_vector.h>

#include "mf_features.h"
#include "mf_lif_common.h"

#if !MF_HAVE_RVV
#error "rvv kernels need the RISC-V vector extension (-march=..._zve32x or _v)"
#endif

MF_LIF_STEP(static, lif_scalar, int16_t, int32_t, INT16_MIN, INT16_MAX)

mf_status mf_lif_s16_step(const mf_lif_params *p, int16_t *mem, int16_t *syn, const int32_t *cur, int8_t *spk) {
    if (p->n < 0 || !MF_LIF_DEFAULT(p)) return lif_scalar(p, mem, syn, cur, spk);
    const int32_t theta = p->theta, beta = p->beta[0], n = p->n; /* locals: the stores may alias p */
    for (size_t i = 0, vl; i < (size_t)n; i += vl) {
        vl = __riscv_vsetvl_e32m4((size_t)n - i);
        vint32m4_t u = __riscv_vsext_vf2_i32m4(__riscv_vle16_v_i16m2(mem + i, vl), vl);
        const vbool8_t r = __riscv_vmsgt_vx_i32m4_b8(u, theta, vl); /* from the previous membrane */
        u = __riscv_vsra_vx_i32m4(__riscv_vadd_vx_i32m4(__riscv_vmul_vx_i32m4(u, beta, vl), 1 << 14, vl), 15, vl);
        u = __riscv_vadd_vv_i32m4(u, __riscv_vle32_v_i32m4(cur + i, vl), vl);
        u = __riscv_vsub_vx_i32m4_mu(r, u, u, theta, vl);
        const vbool8_t s = __riscv_vmsgt_vx_i32m4_b8(u, theta, vl);
        const vint8m1_t spikes = __riscv_vmerge_vxm_i8m1(__riscv_vmv_v_x_i8m1(0, vl), 1, s, vl);
        __riscv_vse8_v_i8m1(spk + i, spikes, vl);
        u = __riscv_vmax_vx_i32m4(__riscv_vmin_vx_i32m4(u, INT16_MAX, vl), INT16_MIN, vl);
        __riscv_vse16_v_i16m2(mem + i, __riscv_vncvt_x_x_w_i16m2(u, vl), vl);
    }
    return MF_OK;
}
