/* STM32 USART/LPUART with the ISR/RDR/TDR register layout (L4, L4+, L5, F7, H7...). The board
 * file's setup writes enable the clocks and route the pins; the divisor is computed from the
 * UART clock at reset (see targets/boards). Polled: idle does nothing. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint32_t *)(MF_HIL_UART_BASE + (off)))
#define CR1 0x00
#define BRR 0x0C
#define ISR 0x1C /* bit 3: overrun, bit 5: RXNE, bit 6: TC, bit 7: TXE */
#define ICR 0x20
#define RDR 0x24
#define TDR 0x28

void mf_uart_init(void) {
    UART(CR1) = 0;
    UART(BRR) = MF_HIL_UART_DIVISOR;
    UART(CR1) = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
}

void mf_uart_putc(uint8_t c) {
    while (!(UART(ISR) & (1u << 7))) {
    }
    UART(TDR) = c;
}

int mf_uart_getc(void) {
    uint32_t isr = UART(ISR);
    if (isr & (1u << 3)) UART(ICR) = 1u << 3; /* a lost byte: the frame's CRC will say so */
    if (!(isr & (1u << 5))) return -1;
    return (int)(UART(RDR) & 0xFFu);
}

void mf_uart_flush(void) {
    while (!(UART(ISR) & (1u << 6))) {
    }
}

void mf_idle(void) {}
