/* RISC-V port, the parts that must be assembly: reset entry, trap entry, semihosting call. */
    .section .text.start, "ax"
    .globl _start
_start:
    la      sp, __stack_top
    la      t0, mf_trap_entry
    csrw    mtvec, t0
    /* mstatus.FS = Initial (bit 13) and mstatus.VS = Initial (bit 9): enable the FPU and the
     * vector unit. On a core without them the bits are read-only zero and this is a no-op. */
    li      t0, (1 << 13) | (1 << 9)
    csrs    mstatus, t0
    call    mf_c_start

    .text
    .balign 4
    .globl mf_trap_entry
mf_trap_entry:
    la      sp, __stack_top        /* report on a fresh stack, in case the stack overflowed */
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    mf_riscv_trap_report

    /* Semihosting: the magic sequence slli/ebreak/srai, uncompressed, in one page. */
    .balign 16
    .globl mf_semihost
    .option push
    .option norvc
mf_semihost:
    slli    x0, x0, 0x1f
    ebreak
    srai    x0, x0, 7
    ret
    .option pop
