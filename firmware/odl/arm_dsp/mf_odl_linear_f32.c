/* mcuforge ODL linear, fp32, Cortex-M4/M7 scalar FPU: bit-identical with
 * ref/mf_odl_linear_ref.h (same order of every sum).
 *  fw:             4 outputs share each input load.
 *  bw_param_grads: grad_out[o] hoisted, 4 weights per iteration.
 *  bw_input_grads: 8 (then 4, then 1) inputs share each grad_out load. */
#include "mf_odl_dsp.h"

MF_ODL_INLINE void fw_block(int n_in, const float *in, const float *w, const float *b, float *out, const int no) {
    float acc[4];
    for (int j = 0; j < no; j++) acc[j] = b ? b[j] : 0.0f;
    const float *x = in;
    const float *wo = w;
    for (int i = n_in; i > 0; i--) {
        const float xv = *x++;
        for (int j = 0; j < no; j++) {
            const float prod = xv * wo[j * n_in];
            acc[j] = acc[j] + prod;
        }
        wo++;
    }
    for (int j = 0; j < no; j++) out[j] = acc[j];
}

void mf_odl_linear_fw_f32(const mf_odl_linear_t *p, const float *in, const float *w, const float *b, float *out) {
    const int n_in = p->in, n_out = p->out;
    int o = 0;
    for (; o + 4 <= n_out; o += 4) fw_block(n_in, in, w + o * n_in, b ? b + o : 0, out + o, 4);
    for (; o < n_out; o++) fw_block(n_in, in, w + o * n_in, b ? b + o : 0, out + o, 1);
}

void mf_odl_linear_bw_param_grads_f32(const mf_odl_linear_t *p, const float *in, const float *grad_out,
                                      float *grad_w, float *grad_b) {
    const int n_in = p->in, n_out = p->out;
    float *gw = grad_w;
    for (int o = 0; o < n_out; o++) {
        const float g = grad_out[o];
        const float *x = in;
        int i = n_in;
        for (; i >= 4; i -= 4) {
            const float p0 = g * x[0];
            const float p1 = g * x[1];
            const float p2 = g * x[2];
            const float p3 = g * x[3];
            const float s0 = gw[0] + p0;
            const float s1 = gw[1] + p1;
            const float s2 = gw[2] + p2;
            const float s3 = gw[3] + p3;
            gw[0] = s0;
            gw[1] = s1;
            gw[2] = s2;
            gw[3] = s3;
            x += 4;
            gw += 4;
        }
        for (; i > 0; i--) {
            const float p0 = g * *x++;
            const float s0 = *gw + p0;
            *gw++ = s0;
        }
    }
    if (!grad_b) return;
    for (int o = 0; o < n_out; o++) {
        const float s = grad_b[o] + grad_out[o];
        grad_b[o] = s;
    }
}

MF_ODL_INLINE void bwi_block(int n_in, int n_out, const float *grad_out, const float *w, float *gi, const int ni) {
    float acc[8];
    for (int j = 0; j < ni; j++) acc[j] = 0.0f;
    const float *g = grad_out;
    const float *wo = w;
    for (int o = n_out; o > 0; o--) {
        const float gv = *g++;
        for (int j = 0; j < ni; j++) {
            const float prod = gv * wo[j];
            acc[j] = acc[j] + prod;
        }
        wo += n_in;
    }
    for (int j = 0; j < ni; j++) gi[j] = acc[j];
}

void mf_odl_linear_bw_input_grads_f32(const mf_odl_linear_t *p, const float *grad_out, const float *w,
                                      float *grad_in) {
    const int n_in = p->in, n_out = p->out;
    int i = 0;
    for (; i + 8 <= n_in; i += 8) bwi_block(n_in, n_out, grad_out, w + i, grad_in + i, 8);
    for (; i + 4 <= n_in; i += 4) bwi_block(n_in, n_out, grad_out, w + i, grad_in + i, 4);
    for (; i < n_in; i++) bwi_block(n_in, n_out, grad_out, w + i, grad_in + i, 1);
}
