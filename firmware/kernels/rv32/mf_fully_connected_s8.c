/* Scalar RISC-V int8 fully connected: eight units per pass over the input, so each input byte is
 * loaded once for eight MACs (a weight byte load, MUL and ADD each); the input offset enters once
 * per unit through the host-computed filter sums (symmetric weights only, as TFLite's int8
 * spec). */
#include "mf_rv32.h"
#include "mf_fc_s8_common.h"

#define BLOCK 8
#define STEP 8 /* inputs per pass of the assembly loop */

/* Input byte j (a2) times byte j of each of the eight rows (a1, a5, a6, a7, t0..t3), summed in
 * t4..t6, s0..s4; the weight byte in s5, the product in s6. */
#define ROW(acc, w, j) "lb s5, " #j "(" w ")\n\tmul s6, a2, s5\n\tadd " acc ", " acc ", s6\n\t"
#define INPUT(j)                                                                                 \
    "lb a2, " #j "(a0)\n\t" ROW("t4", "a1", j) ROW("t5", "a5", j) ROW("t6", "a6", j) ROW("s0", "a7", j) \
    ROW("s1", "t0", j) ROW("s2", "t1", j) ROW("s3", "t2", j) ROW("s4", "t3", j)

/* The dot products of input x with eight rows of weights, w and then `depth` bytes apart, over
 * steps x STEP inputs (steps >= 1): sums[k] for row k. 210 instructions per 64 MACs. A whole
 * function in assembly, with the standard calling convention (arguments in a0..a4), as the
 * conv2d block: its 22 live values stay in registers. */
__attribute__((naked, noinline)) static void dot8(const int8_t *x, const int8_t *w, int32_t depth, int32_t steps,
                                                  int32_t sums[BLOCK]) {
    __asm__ volatile(
        "addi sp, sp, -32\n\t"
        "sw s0, 0(sp)\n\tsw s1, 4(sp)\n\tsw s2, 8(sp)\n\tsw s3, 12(sp)\n\t"
        "sw s4, 16(sp)\n\tsw s5, 20(sp)\n\tsw s6, 24(sp)\n\t"
        "add a5, a1, a2\n\tadd a6, a5, a2\n\tadd a7, a6, a2\n\tadd t0, a7, a2\n\t" /* the rows */
        "add t1, t0, a2\n\tadd t2, t1, a2\n\tadd t3, t2, a2\n\t"
        "slli a3, a3, 3\n\t"
        "add a3, a3, a0\n\t" /* the end of the input */
        "li t4, 0\n\tli t5, 0\n\tli t6, 0\n\tli s0, 0\n\tli s1, 0\n\tli s2, 0\n\tli s3, 0\n\tli s4, 0\n\t"
        "1:\n\t"
        INPUT(0) INPUT(1) INPUT(2) INPUT(3) INPUT(4) INPUT(5) INPUT(6) INPUT(7)
        "addi a0, a0, 8\n\taddi a1, a1, 8\n\taddi a5, a5, 8\n\taddi a6, a6, 8\n\taddi a7, a7, 8\n\t"
        "addi t0, t0, 8\n\taddi t1, t1, 8\n\taddi t2, t2, 8\n\taddi t3, t3, 8\n\t"
        "bne a0, a3, 1b\n\t"
        "sw t4, 0(a4)\n\tsw t5, 4(a4)\n\tsw t6, 8(a4)\n\tsw s0, 12(a4)\n\t"
        "sw s1, 16(a4)\n\tsw s2, 20(a4)\n\tsw s3, 24(a4)\n\tsw s4, 28(a4)\n\t"
        "lw s0, 0(sp)\n\tlw s1, 4(sp)\n\tlw s2, 8(sp)\n\tlw s3, 12(sp)\n\t"
        "lw s4, 16(sp)\n\tlw s5, 20(sp)\n\tlw s6, 24(sp)\n\t"
        "addi sp, sp, 32\n\t"
        "ret");
}

/* Units u0.. (n of them) from their sums of products. Out of line, as conv2d's: inlined, its
 * pointers went to the stack. */
static __attribute__((noinline)) void store(const mf_fc_params_s8 *p, int u0, int n, const int32_t *sums, int8_t *y) {
    const mf_rv32_out o = {p->output_offset, p->act_min, p->act_max};
    for (int k = 0; k < n; k++) {
        int u = u0 + k;
        y[u] = mf_rv32_output(sums[k] + mf_fc_offset(p, u), mf_rv32_scale_of(p->multiplier[u], p->shift[u]), o);
    }
}

static inline void block(const mf_fc_params_s8 *p, const int8_t *x, int u0, int n, int8_t *y) {
    const int8_t *w = mf_fc_row(p, u0, n, 0);
    const int32_t depth = p->depth, main = n == BLOCK ? depth / STEP * STEP : 0; /* inputs dot8 takes */
    int32_t sums[BLOCK] = {0};
    if (main > 0) dot8(x, w, depth, main / STEP, sums);
    for (int32_t i = main; i < depth; i++) /* the rest, and short blocks, one MAC at a time */
        for (int k = 0; k < n; k++) sums[k] += x[i] * w[k * depth + i];
    store(p, u0, n, sums, y);
}

/* out = requantized(in x weights^T + bias): BLOCK units a pass over each input row (block),
 * then the remaining units as one short block. Symmetric weights only (filter_offset 0), with
 * the host-computed bias_with_offset; else MF_ERR_ARG. */
mf_status mf_fully_connected_s8(const mf_fc_params_s8 *params, const int8_t *in, int8_t *out) {
    const mf_fc_params_s8 local = *params, *p = &local; /* int8 stores cannot alias a local copy */
    if (p->filter_offset != 0 || !p->bias_with_offset) return MF_ERR_ARG;
    MF_FC_S8_UNIT_BLOCKS(p, in, out, BLOCK, block)
    return MF_OK;
}
