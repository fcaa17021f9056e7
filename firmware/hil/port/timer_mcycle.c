/* Cycle counter: the RISC-V mcycle CSR (low 32 bits; a run longer than 2^32 cycles wraps). */
#include "mf_hil.h"

void mf_cycles_init(void) {}

uint32_t mf_cycles(void) {
    uint32_t v;
    __asm__ volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}
