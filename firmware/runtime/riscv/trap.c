/* RISC-V port: trap reports. Every trap is unexpected here (no interrupts are enabled). */
#include "mf_runtime.h"
#include "mf_runtime_port.h"

static const char *const causes[16] = {
    [0] = "instruction address misaligned",
    [1] = "instruction access fault (no memory at the address)",
    [2] = "illegal instruction (an instruction this core does not have)",
    [3] = "breakpoint",
    [4] = "load address misaligned",
    [5] = "load access fault (no memory at the address)",
    [6] = "store address misaligned",
    [7] = "store access fault (no memory at the address)",
    [8] = "environment call from U-mode",
    [11] = "environment call from M-mode",
};

__attribute__((used, noreturn)) void mf_riscv_trap_report(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
    mf_fault_enter();
    int interrupt = (mcause >> 31) != 0;
    uint32_t code = mcause & 0x7FFFFFFFu;
    const char *cause = interrupt ? "unexpected interrupt" : (code < 16 && causes[code]) ? causes[code] : "unknown";
    mf_printf("\n*** fault: %s\n", cause);
    mf_printf("*** pc=0x%08x mcause=0x%08x mtval=0x%08x\n", (unsigned)mepc, (unsigned)mcause, (unsigned)mtval);
    mf_printf("@mf fault=mcause%u pc=0x%08x mtval=0x%08x\n", (unsigned)mcause, (unsigned)mepc, (unsigned)mtval);
    mf_exit(MF_EXIT_FAULT);
}
