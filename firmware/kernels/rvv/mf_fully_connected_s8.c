/* int8 fully connected with the ISA's dot product; the input offset enters once per unit
 * through the host-computed filter sums (symmetric weights only, as TFLite's int8 spec). */
#include "mf_rvv_dot.h"
#include "mf_fc_s8_common.h"

mf_status mf_fully_connected_s8(const mf_fc_params_s8 *p, const int8_t *in, int8_t *out) {
    if (p->filter_offset != 0 || !p->filter_sums) return MF_ERR_ARG;
    MF_FC_S8_LOOPS(p, in, out,
                   mf_rvv_dot_s8(p->input_offset * p->filter_sums[u], x, p->weights + u * p->depth, p->depth))
    return MF_OK;
}
