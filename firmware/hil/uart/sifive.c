/* SiFive UART (FE310: HiFive1 Rev B, RED-V); the pins' IOF is set by the board file's setup
 * writes. Polled: idle does nothing. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint32_t *)(MF_HIL_UART_BASE + (off)))
#define TXDATA 0x00 /* bit 31: full */
#define RXDATA 0x04 /* bit 31: empty */
#define TXCTRL 0x08
#define RXCTRL 0x0C
#define DIV 0x18

void mf_uart_init(void) {
    UART(DIV) = MF_HIL_UART_DIVISOR;
    UART(TXCTRL) = 1;
    UART(RXCTRL) = 1;
}

void mf_uart_putc(uint8_t c) {
    while (UART(TXDATA) & 0x80000000u) {
    }
    UART(TXDATA) = c;
}

int mf_uart_getc(void) {
    uint32_t v = UART(RXDATA); /* one read pops the FIFO */
    return (v & 0x80000000u) ? -1 : (int)(v & 0xFFu);
}

void mf_uart_flush(void) {
    while (UART(TXDATA) & 0x80000000u) {
    }
    for (volatile int i = 0; i < 20000; i++) { /* the shift register has no status bit: ~1 char time */
    }
}

void mf_idle(void) {}
