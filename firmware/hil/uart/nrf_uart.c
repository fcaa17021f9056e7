/* Nordic nRF52 UART0 (the non-DMA UART; pins set by the board file's setup writes to PSEL).
 * Polled: idle does nothing. */
#include "mf_hil.h"
#include "mf_hil_board.h"

#define UART(off) (*(volatile uint32_t *)(MF_HIL_UART_BASE + (off)))
#define TASKS_STARTRX 0x000
#define TASKS_STARTTX 0x008
#define EVENTS_RXDRDY 0x108
#define EVENTS_TXDRDY 0x11C
#define ENABLE 0x500
#define RXD 0x518
#define TXD 0x51C
#define BAUDRATE 0x524

static int tx_started;

void mf_uart_init(void) {
    UART(BAUDRATE) = MF_HIL_UART_DIVISOR;
    UART(ENABLE) = 4;
    UART(EVENTS_RXDRDY) = 0;
    UART(TASKS_STARTRX) = 1;
}

void mf_uart_putc(uint8_t c) {
    if (!tx_started) {
        UART(TASKS_STARTTX) = 1;
        tx_started = 1;
    } else {
        while (!UART(EVENTS_TXDRDY)) {
        }
    }
    UART(EVENTS_TXDRDY) = 0;
    UART(TXD) = c;
}

int mf_uart_getc(void) {
    if (!UART(EVENTS_RXDRDY)) return -1;
    UART(EVENTS_RXDRDY) = 0;
    return (int)(UART(RXD) & 0xFFu);
}

void mf_uart_flush(void) {
    if (tx_started)
        while (!UART(EVENTS_TXDRDY)) {
        }
}

void mf_idle(void) {}
