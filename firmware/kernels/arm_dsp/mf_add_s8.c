/* Cortex-M DSP int8 add: the reference's loop (input terms from the host tables) with the sum's
 * rescaling by SMMULR (mf_dsp_requantize, exact). */
#include "mf_dsp_dot.h"
#include "mf_add_s8_common.h"

mf_status mf_add_s8(const mf_add_params_s8 *params, const int8_t *a, const int8_t *b, int8_t *out) {
    const mf_add_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    MF_ADD_S8_LOOP(p, a, b, out, mf_dsp_requantize)
    return MF_OK;
}
