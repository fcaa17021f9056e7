/* mcuforge HIL protocol, device side. The host side is toolchain/mcuforge/hil/protocol.py;
 * both follow this description.
 *
 * A frame on the wire is COBS-encoded and ends with a 0x00 byte. Decoded, it is
 *
 *     version u8 | type u8 | seq u8 | status u8 | length u16 LE | data[length] | crc32 u32 LE
 *
 * crc32 is CRC-32/IEEE (zlib's) over everything before it. length <= MF_HIL_MAX_DATA.
 * The host sends one request at a time (type < 0x80); the device answers with type | 0x80,
 * the request's seq and a status. A frame it cannot read (bad COBS, length or CRC) is answered
 * with MF_HIL_ERR_FRAME and seq 0, a frame longer than the buffer with MF_HIL_ERR_TOO_LONG: the
 * host resends. Every command but RUN and CALL is idempotent; a RUN or CALL resent with the
 * same seq is answered again, not run again (mf_hil_main.c), so resending is always safe. Unsolicited events
 * (type >= 0xC0, seq 0): BOOT once after reset, LOG for text the firmware prints.
 */
#ifndef MF_HIL_H
#define MF_HIL_H

#include <stdint.h>

#define MF_HIL_VERSION 1
#define MF_HIL_MAX_DATA 1024
#define MF_HIL_HEADER 6
#define MF_HIL_CRC 4

enum mf_hil_type {
    MF_HIL_HELLO = 0x01,       /* data: host version u8 -> device info (see mf_hil_main.c) */
    MF_HIL_LOAD_INPUT = 0x02,  /* data: offset u32, bytes -> (none) */
    MF_HIL_RUN = 0x03,         /* -> model status i32, cycles u64, layers u16 */
    MF_HIL_READ_OUTPUT = 0x04, /* data: offset u32, length u16 -> bytes */
    MF_HIL_READ_COUNTERS = 0x05, /* data: first layer u16 -> cycles u32 per layer, as many as fit */
    MF_HIL_RESET = 0x06,       /* -> (none), then the device resets */
    MF_HIL_ECHO = 0x07,        /* data -> the same data (link checks, throughput) */
    MF_HIL_RESET_STATE = 0x08, /* -> (none): mf_model_reset(), the model's state to its values at reset */
    MF_HIL_CALL = 0x09,        /* data: entry point u8 -> as RUN: calls that entry point of model.h on the
                                  loaded input (its first in_bytes), its output readable after */
    MF_HIL_ENTRY_POINTS = 0x0A, /* -> count u8, then per entry point: in_bytes u32, out_bytes u32, name\0 */
    MF_HIL_RESPONSE = 0x80,
    MF_HIL_EVENT_BOOT = 0xC0,  /* data: protocol version u8 */
    MF_HIL_EVENT_LOG = 0xC1,   /* data: text */
};

enum mf_hil_status {
    MF_HIL_OK = 0,
    MF_HIL_ERR_FRAME = 1,      /* bad COBS, length or CRC: resend */
    MF_HIL_ERR_VERSION = 2,    /* data: the device's version u8 */
    MF_HIL_ERR_TOO_LONG = 3,   /* the frame overran the device's buffer */
    MF_HIL_ERR_COMMAND = 4,    /* unknown type */
    MF_HIL_ERR_ARGUMENT = 5,   /* offset/length out of range */
    MF_HIL_ERR_NO_SESSION = 6, /* no HELLO since reset: the device was reset */
    MF_HIL_ERR_MODEL = 7,      /* the model failed (data: its status) */
};

/* The board's clock and pin set-up for its UART (generated from the board file). */
void mf_hil_board_setup(void);

/* The board's UART (firmware/hil/uart/<driver>.c): polled, no interrupt handlers. */
void mf_uart_init(void);
void mf_uart_putc(uint8_t c);
int mf_uart_getc(void); /* a received byte, or -1 when none is waiting */
void mf_uart_flush(void); /* wait until every byte has left */

/* The board's cycle counter (firmware/hil/port/<timer>.c); 0 where the core has none. */
void mf_cycles_init(void);
uint32_t mf_cycles(void);

/* Reset the core (firmware/hil/port/reset_<kind>.c). */
_Noreturn void mf_board_reset(void);

/* Wait for an interrupt or event: a polling loop that lets a simulator sleep. */
void mf_idle(void);

/* Frame helpers (mf_hil_frame.c). */
uint32_t mf_crc32(uint32_t crc, const uint8_t *p, uint32_t n);
/* Decode COBS in place; returns the decoded length or -1 when the encoding is invalid. */
int32_t mf_cobs_decode(uint8_t *buf, uint32_t n);
/* Send one frame (COBS-encoded, 0-terminated). */
void mf_hil_send(uint8_t type, uint8_t seq, uint8_t status, const uint8_t *data, uint32_t n);

#endif
