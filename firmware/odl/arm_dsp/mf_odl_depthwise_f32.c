/* mcuforge ODL depthwise conv2d, fp32, Cortex-M4/M7 scalar FPU: bit-identical with
 * ref/mf_odl_depthwise_ref.h (same order of every sum), several channels at a time, their
 * accumulators in registers, window ranges hoisted out of the channel loop.
 *  fw:             4 channels x 4 (2, 1) pixels along the longer output axis with the same
 *                  taps: each weight load serves 4 pixels (single pixels: 8 channels).
 *  bw_param_grads: 8 (4, 1) channels of one tap per pass over the outputs.
 *  bw_input_grads: 4 channels x 4 pixels along the longer input axis (stride 1 there and the
 *                  same taps; else 8, 4, 1 channels of one pixel). */
#include "mf_odl_dsp.h"

/* out[oy][ox + q][c + j], q < NP, j < NC (pixels of one row whose windows have the same taps;
 * pixel q reads q * stride_w columns further): from bias, adds in * w for ky, then kx
 * ascending (ref's order). Each weight load serves NP pixels. */
MF_ODL_INLINE void fw_block(const mf_odl_conv_t *p, const float *in, const float *w, const float *b, float *out,
                            const mf_odl_window wy, const mf_odl_window wx, int xq, int oq, const int np,
                            const int nc) {
    float acc[4][8];
    for (int q = 0; q < np; q++)
        for (int j = 0; j < nc; j++) acc[q][j] = b ? b[j] : 0.0f;
    const int c_n = p->out_c;
    const int nx = wx.k1 - wx.k0;
    for (int ky = wy.k0; ky < wy.k1; ky++) {
        const float *x = in + ((wy.i0 + ky) * p->in_w + wx.i0 + wx.k0) * c_n;
        const float *wk = w + (ky * p->k_w + wx.k0) * c_n;
        for (int n = nx; n > 0; n--) {
            float wv[8];
            for (int j = 0; j < nc; j++) wv[j] = wk[j];
            for (int q = 0; q < np; q++) {
                for (int j = 0; j < nc; j++) {
                    const float prod = x[q * xq + j] * wv[j];
                    acc[q][j] = acc[q][j] + prod;
                }
            }
            x += c_n;
            wk += c_n;
        }
    }
    for (int q = 0; q < np; q++)
        for (int j = 0; j < nc; j++) out[q * oq + j] = acc[q][j];
}

MF_ODL_INLINE void fw_pixels(const mf_odl_conv_t *p, const float *in, const float *w, const float *b, float *o,
                             const mf_odl_window wy, const mf_odl_window wx, int xq, int oq, const int np) {
    const int c_n = p->out_c;
    int c = 0;
    if (np == 1)
        for (; c + 8 <= c_n; c += 8) fw_block(p, in + c, w + c, b ? b + c : 0, o + c, wy, wx, xq, oq, 1, 8);
    for (; c + 4 <= c_n; c += 4) fw_block(p, in + c, w + c, b ? b + c : 0, o + c, wy, wx, xq, oq, np, 4);
    for (; c < c_n; c++) fw_block(p, in + c, w + c, b ? b + c : 0, o + c, wy, wx, xq, oq, np, 1);
}

static int same_taps(const mf_odl_window a, const mf_odl_window b) {
    return a.k0 == b.k0 && a.k1 == b.k1;
}

/* Pixels go in groups of 4 (2, 1) along the longer output axis ("along": rows when out_h > out_w,
 * else columns), whose windows have the same taps (the taps only shrink at the edges: the same
 * at the group's ends, the same in between); group pixel q reads q strides further. */
void mf_odl_depthwise_fw_f32(const mf_odl_conv_t *p, const float *in, const float *w, const float *b, float *out) {
    const int c_n = p->out_c;
    const int vert = p->out_h > p->out_w;
    const int n_lines = vert ? p->out_w : p->out_h, n_along = vert ? p->out_h : p->out_w;
    const int xq = vert ? p->stride_h * p->in_w * c_n : p->stride_w * c_n;
    const int oq = vert ? p->out_w * c_n : c_n;
    const int a_stride = vert ? p->stride_h : p->stride_w, a_pad = vert ? p->pad_top : p->pad_left;
    const int a_k = vert ? p->k_h : p->k_w, a_in = vert ? p->in_h : p->in_w;
    for (int l = 0; l < n_lines; l++) {
        int a = 0;
        while (a < n_along) {
            const int oy = vert ? a : l, ox = vert ? l : a;
            const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            const mf_odl_window wa = vert ? wy : wx;
            float *o = out + (oy * p->out_w + ox) * c_n;
            if (a + 4 <= n_along && same_taps(wa, mf_odl_window_at(a + 3, a_stride, a_pad, a_k, a_in))) {
                fw_pixels(p, in, w, b, o, wy, wx, xq, oq, 4);
                a += 4;
            } else if (a + 2 <= n_along && same_taps(wa, mf_odl_window_at(a + 1, a_stride, a_pad, a_k, a_in))) {
                fw_pixels(p, in, w, b, o, wy, wx, xq, oq, 2);
                a += 2;
            } else {
                fw_pixels(p, in, w, b, o, wy, wx, xq, oq, 1);
                a += 1;
            }
        }
    }
}

/* grad_w[ky][kx][c + j], j < NC: from its value, adds grad_out * in for oy, then ox. */
MF_ODL_INLINE void bwp_block(const mf_odl_conv_t *p, const float *in, const float *grad_out, float *gw,
                             const mf_odl_range oys, const mf_odl_range oxs, int ky, int kx, const int nc) {
    float acc[8];
    for (int j = 0; j < nc; j++) acc[j] = gw[j];
    const int c_n = p->out_c;
    const int xstep = p->stride_w * c_n;
    const int nx = oxs.hi - oxs.lo;
    for (int oy = oys.lo; oy < oys.hi; oy++) {
        const int iy = oy * p->stride_h - p->pad_top + ky;
        const float *g = grad_out + (oy * p->out_w + oxs.lo) * c_n;
        const float *x = in + (iy * p->in_w + oxs.lo * p->stride_w - p->pad_left + kx) * c_n;
        for (int n = nx; n > 0; n--) {
            for (int j = 0; j < nc; j++) {
                const float prod = g[j] * x[j];
                acc[j] = acc[j] + prod;
            }
            g += c_n;
            x += xstep;
        }
    }
    for (int j = 0; j < nc; j++) gw[j] = acc[j];
}

void mf_odl_depthwise_bw_param_grads_f32(const mf_odl_conv_t *p, const float *in, const float *grad_out,
                                         float *grad_w, float *grad_b) {
    const int c_n = p->out_c;
    for (int ky = 0; ky < p->k_h; ky++) {
        const mf_odl_range oys = mf_odl_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
        for (int kx = 0; kx < p->k_w; kx++) {
            const mf_odl_range oxs = mf_odl_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
            float *gw = grad_w + (ky * p->k_w + kx) * c_n;
            int c = 0;
            for (; c + 8 <= c_n; c += 8) bwp_block(p, in + c, grad_out + c, gw + c, oys, oxs, ky, kx, 8);
            for (; c + 4 <= c_n; c += 4) bwp_block(p, in + c, grad_out + c, gw + c, oys, oxs, ky, kx, 4);
            for (; c < c_n; c++) bwp_block(p, in + c, grad_out + c, gw + c, oys, oxs, ky, kx, 1);
        }
    }
    if (grad_b) mf_odl_dsp_bias_grads(p->out_h * p->out_w, c_n, grad_out, grad_b);
}

/* grad_in[iy][ix + q][c + j], q < NP, j < NC (NP > 1: stride_w 1 and the same taps for all
 * NP pixels: pixel q's tap kx reads output column ox + q): from 0, adds grad_out * w for ky,
 * then kx ascending (ref's order). Each weight load serves NP pixels. */
MF_ODL_INLINE void bwi_block(const mf_odl_conv_t *p, const float *grad_out, const float *w, float *gi,
                             const mf_odl_range kys, const mf_odl_range kxs, int iy, int ix, int gq, int iq,
                             const int np, const int nc) {
    float acc[4][8];
    for (int q = 0; q < np; q++)
        for (int j = 0; j < nc; j++) acc[q][j] = 0.0f;
    const int c_n = p->in_c;
    for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
        const int oy = (iy + p->pad_top - ky) / p->stride_h;
        const float *grow = grad_out + oy * p->out_w * c_n;
        for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
            const int ox = (ix + p->pad_left - kx) / p->stride_w;
            const float *g = grow + ox * c_n;
            const float *wk = w + (ky * p->k_w + kx) * c_n;
            float wv[8];
            for (int j = 0; j < nc; j++) wv[j] = wk[j];
            for (int q = 0; q < np; q++) {
                for (int j = 0; j < nc; j++) {
                    const float prod = g[q * gq + j] * wv[j];
                    acc[q][j] = acc[q][j] + prod;
                }
            }
        }
    }
    for (int q = 0; q < np; q++)
        for (int j = 0; j < nc; j++) gi[q * iq + j] = acc[q][j];
}

MF_ODL_INLINE void bwi_pixels(const mf_odl_conv_t *p, const float *grad_out, const float *w, float *gi,
                              const mf_odl_range kys, const mf_odl_range kxs, int iy, int ix, int gq, int iq,
                              const int np) {
    const int c_n = p->in_c;
    int c = 0;
    if (np == 1)
        for (; c + 8 <= c_n; c += 8) bwi_block(p, grad_out + c, w + c, gi + c, kys, kxs, iy, ix, gq, iq, 1, 8);
    for (; c + 4 <= c_n; c += 4) bwi_block(p, grad_out + c, w + c, gi + c, kys, kxs, iy, ix, gq, iq, np, 4);
    for (; c < c_n; c++) bwi_block(p, grad_out + c, w + c, gi + c, kys, kxs, iy, ix, gq, iq, np, 1);
}

static int same_range(const mf_odl_range a, const mf_odl_range b) {
    return a.lo == b.lo && a.hi == b.hi;
}

/* Pixels go in groups of 4 along the longer input axis when its stride is 1 and the 4 have the
 * same taps (the tap range only shrinks at the edges): group pixel q's tap reads the output one
 * further along that axis. */
void mf_odl_depthwise_bw_input_grads_f32(const mf_odl_conv_t *p, const float *grad_out, const float *w,
                                         float *grad_in) {
    const int c_n = p->in_c;
    const int vert = p->in_h > p->in_w;
    const int n_lines = vert ? p->in_w : p->in_h, n_along = vert ? p->in_h : p->in_w;
    const int gq = vert ? p->out_w * c_n : c_n, iq = vert ? p->in_w * c_n : c_n;
    const int a_stride = vert ? p->stride_h : p->stride_w, a_pad = vert ? p->pad_top : p->pad_left;
    const int a_k = vert ? p->k_h : p->k_w, a_out = vert ? p->out_h : p->out_w;
    for (int l = 0; l < n_lines; l++) {
        int a = 0;
        while (a < n_along) {
            const int iy = vert ? a : l, ix = vert ? l : a;
            const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            float *gi = grad_in + (iy * p->in_w + ix) * c_n;
            if (a_stride == 1 && a + 4 <= n_along &&
                same_range(vert ? kys : kxs, mf_odl_taps_reading(a + 3, 1, a_pad, a_k, a_out))) {
                bwi_pixels(p, grad_out, w, gi, kys, kxs, iy, ix, gq, iq, 4);
                a += 4;
            } else {
                bwi_pixels(p, grad_out, w, gi, kys, kxs, iy, ix, gq, iq, 1);
                a += 1;
            }
        }
    }
}
