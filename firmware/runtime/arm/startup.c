/* Cortex-M port: vector table, reset, FPU/MVE enable, semihosting, fault reports. */
#include "mf_runtime.h"
#include "mf_runtime_port.h"

#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

#define MF_ARM_VECTORS (16 + 32)

_Noreturn void mf_reset(void);
void mf_exception_entry(void);

typedef void (*mf_vector)(void);

/* Entry 0 is the initial stack pointer, 1 the reset handler; every other exception and
 * interrupt goes to one handler that reports which it was and stops the program. */
__attribute__((section(".vectors"), used)) const mf_vector mf_vector_table[MF_ARM_VECTORS] = {
    (mf_vector)(uintptr_t)__stack_top, (mf_vector)mf_reset,
    [2 ... MF_ARM_VECTORS - 1] = mf_exception_entry,
};

_Noreturn void mf_reset(void) {
    SCB_VTOR = (uint32_t)(uintptr_t)mf_vector_table;
    /* Full access to CP10/CP11: the FPU and, on Armv8.1-M, the MVE (Helium) unit. */
    SCB_CPACR |= 0xFu << 20;
    /* Report MemManage, BusFault and UsageFault as themselves rather than as HardFault. */
    SCB_SHCSR |= 7u << 16;
    /* Trap integer division by zero instead of returning 0. */
    SCB_CCR |= 1u << 4;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    mf_c_start();
}

long mf_semihost(long op, void *arg) {
    register long r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Takes the stacked exception frame from the stack in use, then reports on a fresh stack,
 * so that a stack overflow is reported too. */
__attribute__((naked)) void mf_exception_entry(void) {
    __asm__ volatile(
        "tst lr, #4\n\t"
        "ite eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "ldr r1, =__stack_top\n\t"
        "msr msp, r1\n\t"
        "b mf_arm_exception_report\n\t");
}

static const char *const cfsr_bits[32] = {
    [0] = "IACCVIOL",  [1] = "DACCVIOL",  [3] = "MUNSTKERR",  [4] = "MSTKERR",     [5] = "MLSPERR",
    [7] = "MMARVALID", [8] = "IBUSERR",   [9] = "PRECISERR",  [10] = "IMPRECISERR", [11] = "UNSTKERR",
    [12] = "STKERR",   [13] = "LSPERR",   [15] = "BFARVALID", [16] = "UNDEFINSTR", [17] = "INVSTATE",
    [18] = "INVPC",    [19] = "NOCP",     [20] = "STKOF",     [24] = "UNALIGNED",  [25] = "DIVBYZERO",
};

static const char *const exception_names[16] = {
    [2] = "NMI",     [3] = "HardFault",      [4] = "MemManage", [5] = "BusFault", [6] = "UsageFault",
    [7] = "SecureFault", [11] = "SVCall",    [12] = "DebugMonitor", [14] = "PendSV", [15] = "SysTick",
};

static const char *cfsr_cause(uint32_t cfsr) {
    if (cfsr & (1u << 16)) return "undefined instruction (an instruction this core does not have)";
    if (cfsr & (1u << 19)) return "coprocessor access (FPU/MVE disabled or absent)";
    if (cfsr & (1u << 25)) return "integer division by zero";
    if (cfsr & (1u << 24)) return "unaligned access";
    if (cfsr & (1u << 20)) return "stack overflow";
    if (cfsr & (1u << 17)) return "invalid state (branch to an address without the Thumb bit)";
    if (cfsr & (1u << 18)) return "invalid exception return";
    if (cfsr & 0x3Bu) return "memory protection violation";
    if (cfsr & 0x3F00u) return "bus error (access to an address with no memory)";
    return "unknown cause";
}

__attribute__((used, noreturn)) void mf_arm_exception_report(const uint32_t *frame) {
    mf_fault_enter();
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    uint32_t cfsr = SCB_CFSR, hfsr = SCB_HFSR;
    const char *name = ipsr < 16 ? exception_names[ipsr] : "IRQ";
    if (!name) name = "reserved exception";
    const char *cause = (ipsr >= 3 && ipsr <= 6) ? cfsr_cause(cfsr) : "unexpected exception or interrupt";
    if (ipsr == 3 && (hfsr & (1u << 1))) cause = "vector table read failed";
    mf_printf("\n*** fault: %s: %s\n", name, cause);
    mf_printf("*** pc=0x%08x lr=0x%08x exception=%u CFSR=0x%08x HFSR=0x%08x", (unsigned)frame[6],
              (unsigned)frame[5], (unsigned)ipsr, (unsigned)cfsr, (unsigned)hfsr);
    for (int bit = 0; bit < 32; bit++)
        if ((cfsr & (1u << bit)) && cfsr_bits[bit]) mf_printf(" %s", cfsr_bits[bit]);
    if (cfsr & (1u << 7)) mf_printf(" MMFAR=0x%08x", (unsigned)SCB_MMFAR);
    if (cfsr & (1u << 15)) mf_printf(" BFAR=0x%08x", (unsigned)SCB_BFAR);
    mf_printf("\n@mf fault=%s pc=0x%08x cfsr=0x%08x\n", name, (unsigned)frame[6], (unsigned)cfsr);
    mf_exit(MF_EXIT_FAULT);
}
