/* USART with the STM32F1 register layout (SR/DR/BRR/CR1), as on the GD32VF103. The board
 * file's setup writes enable the clocks and route the pins. Polled: idle does nothing. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint32_t *)(MF_HIL_UART_BASE + (off)))
#define SR 0x00 /* bit 3: overrun, bit 5: RXNE, bit 6: TC, bit 7: TXE */
#define DR 0x04
#define BRR 0x08
#define CR1 0x0C

void mf_uart_init(void) {
    UART(BRR) = MF_HIL_UART_DIVISOR;
    UART(CR1) = (1u << 13) | (1u << 3) | (1u << 2); /* UE, TE, RE */
}

void mf_uart_putc(uint8_t c) {
    while (!(UART(SR) & (1u << 7))) {
    }
    UART(DR) = c;
}

int mf_uart_getc(void) {
    if (!(UART(SR) & (1u << 5))) return -1; /* reading SR then DR also clears an overrun */
    return (int)(UART(DR) & 0xFFu);
}

void mf_uart_flush(void) {
    while (!(UART(SR) & (1u << 6))) {
    }
}

void mf_idle(void) {}
