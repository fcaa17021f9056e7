/* mcuforge ODL conv2d, fp32, Cortex-M4/M7 scalar FPU: bit-identical with
 * ref/mf_odl_conv2d_ref.h (same order of every sum), several output elements at a time.
 *  fw:             4 output channels x 4 (2, 1) pixels along the longer output axis with the
 *                  same taps: each input load serves 4 channels, each weight load 4 pixels.
 *  bw_param_grads: 4 output channels x 4 input channels of grad_w per pass over the outputs.
 *  bw_input_grads: 4 input channels x 4 pixels along the longer input axis (stride 1 there and
 *                  the same taps; else 8, 4, 1 channels of one pixel): each grad_out load serves
 *                  4 channels, each weight load 4 pixels. */
#include "mf_odl_dsp.h"

/* NO output channels of NP output pixels ox .. ox + NP - 1 of one row whose windows have the
 * same taps (wx: the first pixel's; pixel q reads q * stride_w columns further): acc[q][j] starts
 * at its bias and adds, for every tap of the window (ky, then kx) and ic ascending,
 * x_q[ic] * w_j[ic] (ref's order). Each input load serves NO channels, each weight load NP pixels. */
MF_ODL_INLINE void fw_block(const mf_odl_conv_t *p, const float *in, const float *wo, const float *b,
                            float *out, const mf_odl_window wy, const mf_odl_window wx, int filter,
                            int xq, int oq, const int np, const int no) {
    float acc[4][4];
    for (int q = 0; q < np; q++)
        for (int j = 0; j < no; j++) acc[q][j] = b ? b[j] : 0.0f;
    const int in_c = p->in_c;
    const int nx = wx.k1 - wx.k0;
    for (int ky = wy.k0; ky < wy.k1; ky++) {
        const float *x = in + ((wy.i0 + ky) * p->in_w + wx.i0 + wx.k0) * in_c;
        const float *w0 = wo + (ky * p->k_w + wx.k0) * in_c;
        /* the taps of one row are contiguous in both in and w */
        for (int n = nx * in_c; n > 0; n--) {
            float xv[4], wv[4];
            for (int q = 0; q < np; q++) xv[q] = x[q * xq];
            for (int j = 0; j < no; j++) wv[j] = w0[j * filter];
            for (int q = 0; q < np; q++) {
                for (int j = 0; j < no; j++) {
                    const float prod = xv[q] * wv[j];
                    acc[q][j] = acc[q][j] + prod;
                }
            }
            x++;
            w0++;
        }
    }
    for (int q = 0; q < np; q++)
        for (int j = 0; j < no; j++) out[q * oq + j] = acc[q][j];
}

MF_ODL_INLINE void fw_pixels(const mf_odl_conv_t *p, const float *in, const float *w, const float *b,
                             float *o, const mf_odl_window wy, const mf_odl_window wx, int filter, int xq, int oq,
                             const int np) {
    const int out_c = p->out_c;
    int oc = 0;
    for (; oc + 4 <= out_c; oc += 4)
        fw_block(p, in, w + oc * filter, b ? b + oc : 0, o + oc, wy, wx, filter, xq, oq, np, 4);
    for (; oc < out_c; oc++)
        fw_block(p, in, w + oc * filter, b ? b + oc : 0, o + oc, wy, wx, filter, xq, oq, np, 1);
}

static int same_taps(const mf_odl_window a, const mf_odl_window b) {
    return a.k0 == b.k0 && a.k1 == b.k1;
}

/* Pixels go in groups of 4 (2, 1) along the longer output axis ("along": rows when out_h > out_w,
 * else columns), whose windows have the same taps (the taps only shrink at the edges: the same
 * at the group's ends, the same in between); group pixel q reads q strides further. */
void mf_odl_conv2d_fw_f32(const mf_odl_conv_t *p, const float *in, const float *w, const float *b, float *out) {
    const int filter = p->k_h * p->k_w * p->in_c;
    const int out_c = p->out_c;
    const int vert = p->out_h > p->out_w;
    const int n_lines = vert ? p->out_w : p->out_h, n_along = vert ? p->out_h : p->out_w;
    const int xq = vert ? p->stride_h * p->in_w * p->in_c : p->stride_w * p->in_c;
    const int oq = vert ? p->out_w * out_c : out_c;
    const int a_stride = vert ? p->stride_h : p->stride_w, a_pad = vert ? p->pad_top : p->pad_left;
    const int a_k = vert ? p->k_h : p->k_w, a_in = vert ? p->in_h : p->in_w;
    for (int l = 0; l < n_lines; l++) {
        int a = 0;
        while (a < n_along) {
            const int oy = vert ? a : l, ox = vert ? l : a;
            const mf_odl_window wy = mf_odl_window_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
            const mf_odl_window wx = mf_odl_window_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            const mf_odl_window wa = vert ? wy : wx;
            float *o = out + (oy * p->out_w + ox) * out_c;
            if (a + 4 <= n_along && same_taps(wa, mf_odl_window_at(a + 3, a_stride, a_pad, a_k, a_in))) {
                fw_pixels(p, in, w, b, o, wy, wx, filter, xq, oq, 4);
                a += 4;
            } else if (a + 2 <= n_along && same_taps(wa, mf_odl_window_at(a + 1, a_stride, a_pad, a_k, a_in))) {
                fw_pixels(p, in, w, b, o, wy, wx, filter, xq, oq, 2);
                a += 2;
            } else {
                fw_pixels(p, in, w, b, o, wy, wx, filter, xq, oq, 1);
                a += 1;
            }
        }
    }
}

/* grad_w[oc + a][ky][kx][ic + j] for a < NO, j < NI: each starts from its value and adds
 * grad_out[oy][ox][oc + a] * in[iy][ix][ic + j] for oy, then ox ascending (ref's order). */
MF_ODL_INLINE void bwp_block(const mf_odl_conv_t *p, const float *in, const float *grad_out, float *gw,
                             const mf_odl_range oys, const mf_odl_range oxs, int ky, int kx, int wstride,
                             const int no, const int ni) {
    float acc[4][4];
    for (int a = 0; a < no; a++)
        for (int j = 0; j < ni; j++) acc[a][j] = gw[a * wstride + j];
    const int in_c = p->in_c, out_c = p->out_c;
    const int xstep = p->stride_w * in_c;
    const int nx = oxs.hi - oxs.lo;
    for (int oy = oys.lo; oy < oys.hi; oy++) {
        const int iy = oy * p->stride_h - p->pad_top + ky;
        const float *g = grad_out + (oy * p->out_w + oxs.lo) * out_c;
        const float *x = in + (iy * p->in_w + oxs.lo * p->stride_w - p->pad_left + kx) * in_c;
        for (int n = nx; n > 0; n--) {
            float xv[4];
            for (int j = 0; j < ni; j++) xv[j] = x[j];
            for (int a = 0; a < no; a++) {
                const float gv = g[a];
                for (int j = 0; j < ni; j++) {
                    const float prod = gv * xv[j];
                    acc[a][j] = acc[a][j] + prod;
                }
            }
            g += out_c;
            x += xstep;
        }
    }
    for (int a = 0; a < no; a++)
        for (int j = 0; j < ni; j++) gw[a * wstride + j] = acc[a][j];
}

MF_ODL_INLINE void bwp_channels(const mf_odl_conv_t *p, const float *in, const float *grad_out, float *gw,
                                const mf_odl_range oys, const mf_odl_range oxs, int ky, int kx, int wstride,
                                const int no) {
    int ic = 0;
    for (; ic + 4 <= p->in_c; ic += 4)
        bwp_block(p, in + ic, grad_out, gw + ic, oys, oxs, ky, kx, wstride, no, 4);
    for (; ic < p->in_c; ic++)
        bwp_block(p, in + ic, grad_out, gw + ic, oys, oxs, ky, kx, wstride, no, 1);
}

void mf_odl_conv2d_bw_param_grads_f32(const mf_odl_conv_t *p, const float *in, const float *grad_out,
                                      float *grad_w, float *grad_b) {
    const int filter = p->k_h * p->k_w * p->in_c;
    for (int ky = 0; ky < p->k_h; ky++) {
        const mf_odl_range oys = mf_odl_outputs_of_tap(ky, p->stride_h, p->pad_top, p->out_h, p->in_h);
        for (int kx = 0; kx < p->k_w; kx++) {
            const mf_odl_range oxs = mf_odl_outputs_of_tap(kx, p->stride_w, p->pad_left, p->out_w, p->in_w);
            float *gw = grad_w + (ky * p->k_w + kx) * p->in_c;
            int oc = 0;
            for (; oc + 4 <= p->out_c; oc += 4)
                bwp_channels(p, in, grad_out + oc, gw + oc * filter, oys, oxs, ky, kx, filter, 4);
            for (; oc < p->out_c; oc++)
                bwp_channels(p, in, grad_out + oc, gw + oc * filter, oys, oxs, ky, kx, filter, 1);
        }
    }
    if (grad_b) mf_odl_dsp_bias_grads(p->out_h * p->out_w, p->out_c, grad_out, grad_b);
}

/* grad_in[iy][ix + q][ic + j], q < NP, j < NI (NP > 1: stride_w 1 and the same taps for all NP
 * pixels, so pixel q's tap kx reads output column ox + q): from 0, adds
 * grad_out[oy][ox + q][oc] * w[oc][ky][kx][ic + j] for ky, then kx ascending, then oc (ref's
 * order). Each grad_out load serves NI channels, each weight load NP pixels. */
MF_ODL_INLINE void bwi_block(const mf_odl_conv_t *p, const float *grad_out, const float *w, float *gi,
                             const mf_odl_range kys, const mf_odl_range kxs, int iy, int ix, int filter,
                             int gq, int iq, const int np, const int ni) {
    float acc[4][8];
    for (int q = 0; q < np; q++)
        for (int j = 0; j < ni; j++) acc[q][j] = 0.0f;
    const int out_c = p->out_c;
    for (int ky = kys.lo; ky < kys.hi; ky += p->stride_h) {
        const int oy = (iy + p->pad_top - ky) / p->stride_h;
        for (int kx = kxs.lo; kx < kxs.hi; kx += p->stride_w) {
            const int ox = (ix + p->pad_left - kx) / p->stride_w;
            const float *g = grad_out + (oy * p->out_w + ox) * out_c;
            const float *wk = w + (ky * p->k_w + kx) * p->in_c;
            for (int oc = out_c; oc > 0; oc--) {
                float gv[4], wv[8];
                for (int q = 0; q < np; q++) gv[q] = g[q * gq];
                for (int j = 0; j < ni; j++) wv[j] = wk[j];
                for (int q = 0; q < np; q++) {
                    for (int j = 0; j < ni; j++) {
                        const float prod = gv[q] * wv[j];
                        acc[q][j] = acc[q][j] + prod;
                    }
                }
                g++;
                wk += filter;
            }
        }
    }
    for (int q = 0; q < np; q++)
        for (int j = 0; j < ni; j++) gi[q * iq + j] = acc[q][j];
}

MF_ODL_INLINE void bwi_pixels(const mf_odl_conv_t *p, const float *grad_out, const float *w, float *gi,
                              const mf_odl_range kys, const mf_odl_range kxs, int iy, int ix, int filter, int gq,
                              int iq, const int np) {
    const int in_c = p->in_c;
    int ic = 0;
    if (np == 1)
        for (; ic + 8 <= in_c; ic += 8)
            bwi_block(p, grad_out, w + ic, gi + ic, kys, kxs, iy, ix, filter, gq, iq, 1, 8);
    for (; ic + 4 <= in_c; ic += 4) bwi_block(p, grad_out, w + ic, gi + ic, kys, kxs, iy, ix, filter, gq, iq, np, 4);
    for (; ic < in_c; ic++) bwi_block(p, grad_out, w + ic, gi + ic, kys, kxs, iy, ix, filter, gq, iq, np, 1);
}

static int same_range(const mf_odl_range a, const mf_odl_range b) {
    return a.lo == b.lo && a.hi == b.hi;
}

/* Pixels go in groups of 4 along the longer input axis when its stride is 1 and the 4 have the
 * same taps (the tap range only shrinks at the edges): group pixel q's tap reads the output one
 * further along that axis. */
void mf_odl_conv2d_bw_input_grads_f32(const mf_odl_conv_t *p, const float *grad_out, const float *w,
                                      float *grad_in) {
    const int filter = p->k_h * p->k_w * p->in_c;
    const int in_c = p->in_c;
    const int vert = p->in_h > p->in_w;
    const int n_lines = vert ? p->in_w : p->in_h, n_along = vert ? p->in_h : p->in_w;
    const int gq = vert ? p->out_w * p->out_c : p->out_c, iq = vert ? p->in_w * in_c : in_c;
    const int a_stride = vert ? p->stride_h : p->stride_w, a_pad = vert ? p->pad_top : p->pad_left;
    const int a_k = vert ? p->k_h : p->k_w, a_out = vert ? p->out_h : p->out_w;
    for (int l = 0; l < n_lines; l++) {
        int a = 0;
        while (a < n_along) {
            const int iy = vert ? a : l, ix = vert ? l : a;
            const mf_odl_range kys = mf_odl_taps_reading(iy, p->stride_h, p->pad_top, p->k_h, p->out_h);
            const mf_odl_range kxs = mf_odl_taps_reading(ix, p->stride_w, p->pad_left, p->k_w, p->out_w);
            float *gi = grad_in + (iy * p->in_w + ix) * in_c;
            if (a_stride == 1 && a + 4 <= n_along &&
                same_range(vert ? kys : kxs, mf_odl_taps_reading(a + 3, 1, a_pad, a_k, a_out))) {
                bwi_pixels(p, grad_out, w, gi, kys, kxs, iy, ix, filter, gq, iq, 4);
                a += 4;
            } else {
                bwi_pixels(p, grad_out, w, gi, kys, kxs, iy, ix, filter, gq, iq, 1);
                a += 1;
            }
        }
    }
}
