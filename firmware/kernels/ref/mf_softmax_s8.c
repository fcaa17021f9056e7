/* int8 softmax in gemmlowp fixed point, as TFLite Micro's reference (see integer/ops/softmax.py). */
#include "mf_fixedpoint.h"
#include "mf_kernels.h"

#define SCALED_DIFF_INTEGER_BITS 5
#define ACCUMULATION_INTEGER_BITS 12

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_on_interval(int32_t a) {
    const int32_t constant_term = 1895147668; /* exp(-1/8) */
    int32_t x = a + (1 << 28);
    int32_t x2 = mf_srdhm(x, x), x3 = mf_srdhm(x2, x), x4 = mf_srdhm(x2, x2);
    int32_t x4_over_4 = mf_rdbp(x4, 2);
    int32_t poly = mf_rdbp(mf_srdhm(x4_over_4 + x3, 715827883) + x2, 1);
    return constant_term + mf_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 in Q5.26, result in Q0.31. */
static int32_t exp_on_negative_values(int32_t a) {
    const int fractional_bits = 31 - SCALED_DIFF_INTEGER_BITS;
    const int32_t one_quarter = 1 << (fractional_bits - 2);
    int32_t a_mod = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = exp_on_interval(mf_saturating_shl(a_mod, SCALED_DIFF_INTEGER_BITS));
    int32_t remainder = a_mod - a;
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    for (int e = -2; e <= 4; e++)
        if (SCALED_DIFF_INTEGER_BITS > e && (remainder & (1 << (fractional_bits + e))))
            result = mf_srdhm(result, multipliers[e + 2]);
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static int32_t one_over_one_plus_x(int32_t a) {
    int64_t sum = (int64_t)a + INT32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + mf_srdhm(half_denominator, -1010580540); /* Q2.29 */
    for (int i = 0; i < 3; i++) {
        int32_t one_minus = (1 << 29) - mf_srdhm(half_denominator, x);
        x = x + mf_saturating_shl(mf_srdhm(x, one_minus), 2);
    }
    return mf_saturating_shl(x, 1);
}

mf_status mf_softmax_s8(const mf_softmax_params_s8 *p, const int8_t *in, int8_t *out) {
    for (int32_t r = 0; r < p->rows; r++) {
        const int8_t *x = in + r * p->depth;
        int8_t *y = out + r * p->depth;
        int32_t max = x[0];
        for (int32_t c = 1; c < p->depth; c++) max = x[c] > max ? x[c] : max;
        int32_t sum = 0; /* Q12.19 */
        for (int32_t c = 0; c < p->depth; c++) {
            int32_t diff = x[c] - max;
            if (diff >= p->diff_min)
                sum += mf_rdbp(exp_on_negative_values(mf_srdhm(diff * (1 << p->input_left_shift), p->input_multiplier)),
                               ACCUMULATION_INTEGER_BITS);
        }
        int headroom_plus_one = __builtin_clz((uint32_t)sum);
        int bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom_plus_one;
        int32_t shifted_minus_one = (int32_t)(((uint32_t)sum << headroom_plus_one) - (1u << 31));
        int32_t scale = one_over_one_plus_x(shifted_minus_one);
        for (int32_t c = 0; c < p->depth; c++) {
            int32_t diff = x[c] - max;
            if (diff >= p->diff_min) {
                int32_t e = exp_on_negative_values(mf_srdhm(diff * (1 << p->input_left_shift), p->input_multiplier));
                int32_t v = mf_rdbp(mf_srdhm(scale, e), bits_over_unit + 31 - 8) - 128;
                y[c] = (int8_t)mf_clamp(v, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
    return MF_OK;
}
