#include "mf_snn_events_common.h"

/* Each input spike scatters its taps: the input (c, y, x) reaches output (oy, ox) through tap
 * (i, j) where y = oy * stride_h - pad_h + i (and the same along x). wt: the weights as
 * [in_c][k_h][k_w][out_c], so that a tap's weights for every output channel are contiguous. */
mf_status mf_snn_conv2d_events_s8(const mf_snn_conv_params *p, const int8_t *x, const int8_t *wt,
                                  const int32_t *bias, int32_t *cur, void *scratch) {
    if (p->in_c < 0 || p->out_c < 0 || p->stride_h < 1 || p->stride_w < 1) return MF_ERR_ARG;
    const int32_t n_in = p->in_c * p->in_h * p->in_w, plane = p->in_h * p->in_w, out_plane = p->out_h * p->out_w;
    uint16_t *list = (uint16_t *)scratch;
    int32_t values;
    const int32_t ones = mf_snn_spike_list(x, n_in, list, &values);
    for (int32_t o = 0; o < p->out_c; o++)
        for (int32_t k = 0; k < out_plane; k++) cur[o * out_plane + k] = bias[o];
    for (int32_t e = 0; e < ones + values; e++) {
        const int32_t idx = e < ones ? list[e] : list[n_in - 1 - (e - ones)];
        const int32_t v = x[idx], c = idx / plane, y = (idx % plane) / p->in_w, xx = idx % p->in_w;
        for (int32_t i = 0; i < p->k_h; i++) {
            const int32_t ty = y + p->pad_h - i;
            if (ty < 0 || ty % p->stride_h) continue;
            const int32_t oy = ty / p->stride_h;
            if (oy >= p->out_h) continue;
            for (int32_t j = 0; j < p->k_w; j++) {
                const int32_t tx = xx + p->pad_w - j;
                if (tx < 0 || tx % p->stride_w) continue;
                const int32_t ox = tx / p->stride_w;
                if (ox >= p->out_w) continue;
                const int8_t *row = wt + ((c * p->k_h + i) * p->k_w + j) * p->out_c;
                int32_t *out = cur + oy * p->out_w + ox;
                if (v == 1)
                    for (int32_t o = 0; o < p->out_c; o++) out[o * out_plane] += row[o];
                else
                    for (int32_t o = 0; o < p->out_c; o++) out[o * out_plane] += v * row[o];
            }
        }
    }
    return MF_OK;
}
