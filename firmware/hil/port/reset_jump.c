/* Soft reset for RISC-V boards without a reset register: start again from _start (start-up
 * re-initializes .data, .bss and the stack; peripherals keep their state). */
#include "mf_hil.h"

_Noreturn void mf_board_reset(void) {
    __asm__ volatile("csrw mie, zero\n\tla t0, _start\n\tjr t0" ::: "t0", "memory");
    __builtin_unreachable();
}
