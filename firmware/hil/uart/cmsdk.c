/* Arm CMSDK APB UART (QEMU mps2/mps3 boards). Idle sleeps with WFI: the RX interrupt is
 * enabled in the UART and the NVIC but masked by PRIMASK, so it wakes the core without a
 * handler. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint32_t *)(MF_HIL_UART_BASE + (off)))
#define DATA 0x00
#define STATE 0x04 /* bit 0: TX full, bit 1: RX full */
#define CTRL 0x08  /* bit 0: TX enable, bit 1: RX enable, bit 3: RX interrupt enable */
#define INTSTATUS 0x0C
#define BAUDDIV 0x10
#define NVIC_ISER(n) (*(volatile uint32_t *)(0xE000E100u + 4u * (n)))
#define NVIC_ICPR(n) (*(volatile uint32_t *)(0xE000E280u + 4u * (n)))

void mf_uart_init(void) {
    UART(BAUDDIV) = MF_HIL_UART_DIVISOR;
    UART(CTRL) = 1u | 2u | 8u;
    (void)UART(DATA); /* QEMU 7.2: one read after init releases bytes that arrived during boot */
    __asm__ volatile("cpsid i");
    for (int n = 0; n < 16; n++) NVIC_ISER(n) = 0xFFFFFFFFu;
}

void mf_uart_putc(uint8_t c) {
    while (UART(STATE) & 1u) {
    }
    UART(DATA) = c;
}

int mf_uart_getc(void) {
    if (!(UART(STATE) & 2u)) return -1;
    return (int)(UART(DATA) & 0xFFu);
}

void mf_uart_flush(void) {
    while (UART(STATE) & 1u) {
    }
}

void mf_idle(void) {
    UART(INTSTATUS) = 0xFu;
    for (int n = 0; n < 16; n++) NVIC_ICPR(n) = 0xFFFFFFFFu;
    if (!(UART(STATE) & 2u)) __asm__ volatile("wfi");
}
