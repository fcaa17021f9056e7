/* Scalar RISC-V int8 convolution: two output pixels at a time, their windows copied into im2col
 * patches (int8); for each block of eight output channels and each 4-tap chunk of the patches
 * (the host stores each block's eight filters interleaved by chunk, zero-padded), every patch
 * byte and every weight byte is loaded once for two or eight MACs: per chunk 8 + 32 byte loads,
 * 64 MUL and 64 ADD for 64 MACs, 16 sums in registers. The input offset enters once per output
 * through the filter sums. */
#include "mf_rv32.h"
#include "mf_conv_s8_common.h"

#define CHUNK 4
#define BLOCK 8
#define ELEMENT 1 /* bytes per patch element: int8 */

static void copy(void *patch, int32_t at, const int8_t *src, int32_t n) {
    int8_t *dst = (int8_t *)patch + at;
    int32_t i = 0;
    if ((((uintptr_t)dst | (uintptr_t)src) & 3) == 0) /* whole words where both are aligned */
        for (; i + 4 <= n; i += 4) *(uint32_t *)(dst + i) = *(const uint32_t *)(src + i);
    for (; i < n; i++) dst[i] = src[i];
}

static void fill(void *patch, int32_t at, int8_t value, int32_t n) {
    int8_t *dst = (int8_t *)patch + at;
    for (int32_t i = 0; i < n; i++) dst[i] = value;
}

/* Filter byte `at` of the chunk (a2: the weights) in t = a7: its MACs with tap u = a5 of pixel 0
 * and v = a6 of pixel 1, into the sums A and B of its channel. */
#define WEIGHT(A, B, at) "lb a7, " #at "(a2)\n\tmul t0, a5, a7\n\tmul t1, a6, a7\n\tadd " A ", " A ", t0\n\tadd " B ", " B ", t1\n\t"
/* Tap k of the chunk: a byte of each patch (a0, a1), then byte k of each of the eight filters
 * (CHUNK = 4 bytes apart), channels 0..7 summed in t2..t6, s0..s2 for pixel 0, s3..s10 for 1. */
#define TAP(k, w0, w1, w2, w3, w4, w5, w6, w7)                                                   \
    "lb a5, " #k "(a0)\n\tlb a6, " #k "(a1)\n\t"                                                \
    WEIGHT("t2", "s3", w0) WEIGHT("t3", "s4", w1) WEIGHT("t4", "s5", w2) WEIGHT("t5", "s6", w3)  \
    WEIGHT("t6", "s7", w4) WEIGHT("s0", "s8", w5) WEIGHT("s1", "s9", w6) WEIGHT("s2", "s10", w7)

/* The dot products of one block: both patches (x0, x1) with its eight filters (w), chunk by
 * chunk (chunks >= 1); sums[c] for pixel 0, sums[BLOCK + c] for pixel 1. Per chunk 172
 * instructions for 64 MACs. A whole function in assembly, with the standard calling convention
 * (arguments in a0..a4), because its 26 live values (16 sums, 4 pointers, the end, 5
 * temporaries) nearly fill the register file: clang, scheduling the loads early, spilled a third
 * of the sums of the C loop, and GCC takes no inline assembly with that many operands. */
__attribute__((naked, noinline)) static void block(const int8_t *x0, const int8_t *x1, const int8_t *w,
                                                   int32_t chunks, int32_t sums[2 * BLOCK]) {
    __asm__ volatile(
        "addi sp, sp, -48\n\t"
        "sw s0, 0(sp)\n\tsw s1, 4(sp)\n\tsw s2, 8(sp)\n\tsw s3, 12(sp)\n\tsw s4, 16(sp)\n\tsw s5, 20(sp)\n\t"
        "sw s6, 24(sp)\n\tsw s7, 28(sp)\n\tsw s8, 32(sp)\n\tsw s9, 36(sp)\n\tsw s10, 40(sp)\n\t"
        "li t2, 0\n\tli t3, 0\n\tli t4, 0\n\tli t5, 0\n\tli t6, 0\n\tli s0, 0\n\tli s1, 0\n\tli s2, 0\n\t"
        "li s3, 0\n\tli s4, 0\n\tli s5, 0\n\tli s6, 0\n\tli s7, 0\n\tli s8, 0\n\tli s9, 0\n\tli s10, 0\n\t"
        "slli a3, a3, 2\n\t"
        "add a3, a3, a0\n\t" /* the end of patch 0 */
        "1:\n\t"
        TAP(0, 0, 4, 8, 12, 16, 20, 24, 28)
        TAP(1, 1, 5, 9, 13, 17, 21, 25, 29)
        TAP(2, 2, 6, 10, 14, 18, 22, 26, 30)
        TAP(3, 3, 7, 11, 15, 19, 23, 27, 31)
        "addi a0, a0, 4\n\t"
        "addi a1, a1, 4\n\t"
        "addi a2, a2, 32\n\t"
        "bne a0, a3, 1b\n\t"
        "sw t2, 0(a4)\n\tsw t3, 4(a4)\n\tsw t4, 8(a4)\n\tsw t5, 12(a4)\n\t"
        "sw t6, 16(a4)\n\tsw s0, 20(a4)\n\tsw s1, 24(a4)\n\tsw s2, 28(a4)\n\t"
        "sw s3, 32(a4)\n\tsw s4, 36(a4)\n\tsw s5, 40(a4)\n\tsw s6, 44(a4)\n\t"
        "sw s7, 48(a4)\n\tsw s8, 52(a4)\n\tsw s9, 56(a4)\n\tsw s10, 60(a4)\n\t"
        "lw s0, 0(sp)\n\tlw s1, 4(sp)\n\tlw s2, 8(sp)\n\tlw s3, 12(sp)\n\tlw s4, 16(sp)\n\tlw s5, 20(sp)\n\t"
        "lw s6, 24(sp)\n\tlw s7, 28(sp)\n\tlw s8, 32(sp)\n\tlw s9, 36(sp)\n\tlw s10, 40(sp)\n\t"
        "addi sp, sp, 48\n\t"
        "ret");
}

/* Output channels oc0.. (n of them) of both pixels from the block's sums. Out of line: inlined
 * into the pixel nest, its pointers went to the stack (unrolled for whole blocks, the same). */
static __attribute__((noinline)) void store(const mf_conv_params_s8 *p, int8_t *y0, int8_t *y1, int oc0, int n,
                                            const int32_t s[2 * BLOCK]) {
    const mf_rv32_out o = {p->output_offset, p->act_min, p->act_max};
    const int32_t *bias = p->bias_with_offset + oc0, *multiplier = p->multiplier + oc0, *shift = p->shift + oc0;
    y0 += oc0, y1 += oc0;
    for (int c = 0; c < n; c++) {
        mf_rv32_scale scale = mf_rv32_scale_of(multiplier[c], shift[c]);
        y0[c] = mf_rv32_output(s[c] + bias[c], scale, o);
        y1[c] = mf_rv32_output(s[BLOCK + c] + bias[c], scale, o);
    }
}

static inline void pair(const mf_conv_params_s8 *p, const int8_t *patch0, const int8_t *patch1, int8_t *y0,
                        int8_t *y1) {
    const int32_t chunks = mf_conv_patch_size(p, CHUNK) / CHUNK;
    const int8_t *w = p->weights;
    for (int oc0 = 0; oc0 < p->out_c; oc0 += BLOCK, w += BLOCK * CHUNK * chunks) {
        int32_t s[2 * BLOCK];
        block(patch0, patch1, w, chunks, s);
        store(p, y0, y1, oc0, p->out_c - oc0 < BLOCK ? p->out_c - oc0 : BLOCK, s);
    }
}

/* TFLite's int8 convolution, bit for bit with ref/: output pixels in row-major pairs
 * (MF_CONV_S8_PIXEL_PAIRS), each pair's patches by `pair`. Needs the host-computed
 * bias_with_offset and mf_conv2d_s8_get_buffer_size bytes of scratch. */
mf_status mf_conv2d_s8(const mf_conv_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_conv_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (!p->bias_with_offset) return MF_ERR_ARG;
    MF_CONV_S8_PIXEL_PAIRS(p, in, out, CHUNK, ELEMENT, copy, fill, pair)
    return MF_OK;
}

/* The weight layout `pair` reads (the host stores the weights so: integer/emit.py), BLOCK
 * filters by CHUNK bytes, in order; two pixels at a time. */
const mf_conv_layout_s8 *mf_conv2d_s8_get_layout(void) {
    static const mf_conv_layout_s8 layout = {BLOCK, CHUNK, ELEMENT, 0, 2};
    return &layout;
}

/* Two im2col patches, none for a direct (1x1, unpadded, whole chunks) convolution. */
int32_t mf_conv2d_s8_get_buffer_size(const mf_conv_params_s8 *p) {
    return mf_conv_pairs_buffer_size(p, CHUNK, ELEMENT);
}
