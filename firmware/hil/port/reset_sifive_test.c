/* System reset through the SiFive test device (QEMU RISC-V virt, 0x100000). */
#include "mf_hil.h"

_Noreturn void mf_board_reset(void) {
    *(volatile uint32_t *)0x100000u = 0x7777u;
    for (;;) {
    }
}
