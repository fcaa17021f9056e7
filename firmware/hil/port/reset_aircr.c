/* Cortex-M system reset: AIRCR.SYSRESETREQ. */
#include "mf_hil.h"

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

_Noreturn void mf_board_reset(void) {
    __asm__ volatile("dsb" ::: "memory");
    SCB_AIRCR = 0x05FA0004u;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
    }
}
