/* Cycle counter: the DWT's CYCCNT (Armv7E-M and Armv8-M mainline). QEMU models no cycles: it
 * reads 0 there, and the host takes instruction counts from its plugin instead. */
#include "mf_hil.h"

#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)

void mf_cycles_init(void) {
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_LAR = 0xC5ACCE55u; /* unlock (Cortex-M7); ignored where there is no lock */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;
}

uint32_t mf_cycles(void) { return DWT_CYCCNT; }
