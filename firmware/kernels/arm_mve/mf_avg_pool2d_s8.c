/* Helium int8 average pooling: sixteen channels a block, as two vectors of eight int16 lanes
 * (VLDRB.S16 widening loads, a load and an add a tap for eight channels), added into int32
 * every 256 taps; the rounded division by the count as a multiply (VMULH.U32 by a reciprocal
 * computed once per count), tail-predicated loads and stores. */
#include "mf_mve_dot.h"
#include "mf_pool_s8_common.h"

/* Division by d as a multiply, exact for 0 <= n < 129 d and d < 2^22: with L = floor(log2 d)
 * and m = ceil(2^(31+L) / d) <= 2^31, floor(n / d) = (2n * m) >> (32 + L). (m d = 2^(31+L) + e
 * with 0 <= e < d, so 2n m / 2^(32+L) = n / d + n e / (d 2^(31+L)), and n e < 129 d^2 <
 * 129 * 2^(2L+2) <= 2^(31+L) keeps the excess below 1/d.) The averages divide n = |sum| +
 * d / 2 <= 128.5 d. */
typedef struct {
    int32_t count, half2, shift;
    uint32_t m;
} reciprocal;

#define MAX_COUNT (1 << 22)

static reciprocal reciprocal_of(int32_t d) {
    reciprocal r;
    r.count = d, r.half2 = d / 2 * 2, r.shift = 31 - __builtin_clz((uint32_t)d);
    r.m = (uint32_t)((((uint64_t)1 << (31 + r.shift)) + (uint64_t)d - 1) / (uint64_t)d);
    return r;
}

/* mf_pool_average on four lanes: sign(s) * floor((|s| + d / 2) / d). */
static inline int32x4_t average4(int32x4_t s, reciprocal r) {
    uint32x4_t n2 = vreinterpretq_u32_s32(vaddq_n_s32(vshlq_n_s32(vabsq_s32(s), 1), r.half2));
    int32x4_t q = vreinterpretq_s32_u32(vshlq_r_u32(vmulhq_u32(n2, vdupq_n_u32(r.m)), -r.shift));
    return vnegq_m_s32(q, q, vcmpltq_n_s32(s, 0));
}

/* The averages of eight channels from their int32 sums, even and odd channels apart (as
 * VMOVLB/VMOVLT leave them), clamped and stored as int8 at y. */
static inline void store8(const mf_pool_params_s8 *p, int8_t *y, int32x4_t even, int32x4_t odd, reciprocal r,
                          mve_pred16_t pred) {
    int16x8_t v = vmovntq_s32(vmovnbq_s32(vdupq_n_s16(0), average4(even, r)), average4(odd, r));
    v = vminq_s16(vmaxq_s16(v, vdupq_n_s16((int16_t)p->act_min)), vdupq_n_s16((int16_t)p->act_max));
    vstrbq_p_s16(y, v, pred);
}

/* Sixteen channels (fewer in the tail: n) from x: sums in chunks of whole rows of up to 256
 * taps. Inlined with n = 16, the predicates fold away. */
static inline __attribute__((always_inline)) void block16(const mf_pool_params_s8 *p, const int8_t *x,
                                                          mf_pool_window w, int8_t *y, int32_t n, reciprocal r) {
    mve_pred16_t lo = vctp16q((uint32_t)n), hi = vctp16q((uint32_t)(n > 8 ? n - 8 : 0));
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    for (int32_t r0 = 0, chunk = MF_POOL_CHUNK_ROWS(w); r0 < w.rows; r0 += chunk) {
        int16x8_t a = vdupq_n_s16(0), b = a;
        int32_t r1 = r0 + chunk < w.rows ? r0 + chunk : w.rows;
        for (const int8_t *row = x + r0 * w.row_step, *end = x + r1 * w.row_step; row != end; row += w.row_step) {
            const int8_t *t = row;
            for (int32_t i = 0; i < w.cols; i++, t += p->channels) {
                a = vaddq_s16(a, vldrbq_z_s16(t, lo));
                b = vaddq_s16(b, vldrbq_z_s16(t + 8, hi));
            }
        }
        s0 = vaddq_s32(s0, vmovlbq_s16(a)), s1 = vaddq_s32(s1, vmovltq_s16(a));
        s2 = vaddq_s32(s2, vmovlbq_s16(b)), s3 = vaddq_s32(s3, vmovltq_s16(b));
    }
    store8(p, y, s0, s1, r, lo);
    store8(p, y + 8, s2, s3, r, hi);
}

/* The channels of one output pixel, the reciprocal r of its count. */
static inline void blocks(const mf_pool_params_s8 *p, const int8_t *x, mf_pool_window w, int8_t *y, reciprocal r) {
    int32_t c = 0;
    for (; c + 16 <= p->channels; c += 16) block16(p, x + c, w, y + c, 16, r);
    if (c < p->channels) block16(p, x + c, w, y + c, p->channels - c, r);
}

mf_status mf_avg_pool2d_s8(const mf_pool_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_pool_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    reciprocal r = {0, 0, 0, 0}; /* of the last count: most pixels share one */
#define PIXEL(p, x, w, y)                                                                        \
    if ((w).cols > MF_POOL_MAX_INT16_TAPS || (w).rows * (w).cols >= MAX_COUNT) {                 \
        MF_POOL_S8_CHANNELS(p, x, w, y, 0, mf_avg_pool_channel)                                  \
    } else {                                                                                     \
        if (r.count != (w).rows * (w).cols) r = reciprocal_of((w).rows * (w).cols);              \
        blocks(p, x, w, y, r);                                                                   \
    }
    MF_POOL_S8_NEST(p, in, out, PIXEL)
#undef PIXEL
    return MF_OK;
}
