/* Scalar RISC-V int8 add: the reference's loop (input terms from the host tables) with the sum's
 * rescaling by MUL/MULH (mf_rv32_requantize, exact). */
#include "mf_rv32.h"
#include "mf_add_s8_common.h"

static inline int32_t rescale(int32_t x, int32_t multiplier, int32_t shift) {
    return mf_rv32_requantize(x, mf_rv32_scale_of(multiplier, shift));
}

mf_status mf_add_s8(const mf_add_params_s8 *params, const int8_t *a, const int8_t *b, int8_t *out) {
    const mf_add_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_ADD_S8_LOOP(p, a, b, out, rescale)
    return MF_OK;
}
