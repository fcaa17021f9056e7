/* Helium int8 add: four elements per pass; each input's rescaled term gathered from its host
 * table (VLDRW gather, index byte + 128), the sum rescaled on four lanes, tail-predicated. */
#include "mf_mve_dot.h"
#include "mf_kernels.h"

/* The table entries of four input bytes: index (uint8)v ^ 0x80 = v + 128. */
static inline int32x4_t lookup(const int32_t *table, const int8_t *v, mve_pred16_t pred) {
    uint32x4_t index = veorq_u32(vldrbq_z_u32((const uint8_t *)v, pred), vdupq_n_u32(0x80));
    return vldrwq_gather_shifted_offset_z_s32(table, index, pred);
}

mf_status mf_add_s8(const mf_add_params_s8 *p, const int8_t *a, const int8_t *b, int8_t *out) {
    const int32x4_t mo = vdupq_n_s32(p->output_multiplier), so = vdupq_n_s32(p->output_shift);
    for (int32_t n = p->size; n > 0; n -= 4, a += 4, b += 4, out += 4) {
        mve_pred16_t pred = vctp32q((uint32_t)n);
        int32x4_t sum = vaddq_s32(lookup(p->table1, a, pred), lookup(p->table2, b, pred));
        vstrbq_p_s32(out, mf_mve_requantize(sum, mo, so, p->output_offset, p->act_min, p->act_max), pred);
    }
    return MF_OK;
}
