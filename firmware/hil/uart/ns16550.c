/* NS16550A UART (QEMU RISC-V virt, IRQ 10 on the PLIC). Idle sleeps with WFI: the RX interrupt
 * is enabled in the UART, the PLIC and mie, but not in mstatus, so it wakes the hart without a
 * trap. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint8_t *)(MF_HIL_UART_BASE + (off)))
#define RBR_THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define LSR 5 /* bit 0: data ready, bit 5: THR empty, bit 6: transmitter empty */
#define PLIC_IRQ 10
#define PLIC(off) (*(volatile uint32_t *)(0x0C000000u + (off)))

void mf_uart_init(void) {
    UART(LCR) = 0x80; /* divisor latch */
    UART(0) = (uint8_t)MF_HIL_UART_DIVISOR;
    UART(1) = (uint8_t)(MF_HIL_UART_DIVISOR >> 8);
    UART(LCR) = 0x03; /* 8N1 */
    UART(FCR) = 0xC7; /* FIFOs on and cleared, RX trigger at 14 bytes */
    UART(IER) = 0x01; /* RX data available */
    (void)UART(RBR_THR);
    PLIC(4 * PLIC_IRQ) = 1;                   /* priority */
    PLIC(0x2000) |= 1u << PLIC_IRQ;           /* enable for hart 0, M-mode */
    PLIC(0x200000) = 0;                       /* threshold */
    __asm__ volatile("csrs mie, %0" ::"r"(1u << 11)); /* MEIE; mstatus.MIE stays clear */
}

void mf_uart_putc(uint8_t c) {
    while (!(UART(LSR) & 0x20)) {
    }
    UART(RBR_THR) = c;
}

int mf_uart_getc(void) {
    if (!(UART(LSR) & 0x01)) return -1;
    return UART(RBR_THR);
}

void mf_uart_flush(void) {
    while (!(UART(LSR) & 0x40)) {
    }
}

void mf_idle(void) {
    uint32_t claim = PLIC(0x200004);
    if (claim) PLIC(0x200004) = claim;
    if (!(UART(LSR) & 0x01)) __asm__ volatile("wfi");
}
