/* The HIL firmware: answers the host's requests (see mf_hil.h) over the board's UART and runs
 * the compiled model on the input the host sent. Built with model.c in profile mode
 * (MF_MODEL_PROFILE), its per-layer hooks below time every layer with the board's cycle
 * counter; on QEMU the same hooks are the benchmark markers the instruction counter watches.
 *
 * mf_hil_board.h (generated per board by mcuforge) gives MF_HIL_BOARD, MF_HIL_TARGET,
 * MF_HIL_MODEL_HASH, MF_HIL_CPU_HZ and MF_HIL_TIMER (0: none, 1: DWT, 2: mcycle). */
#include <stddef.h>

#include "mf_hil.h"
#include "mf_hil_board.h"
#include "mf_runtime.h"
#include "model.h"

#define RX_CAPACITY (MF_HIL_HEADER + MF_HIL_MAX_DATA + MF_HIL_CRC + 8)

/* Large enough for every entry point's input and output (model.h). */
static uint8_t input[MF_MODEL_MAX_IN_BYTES] __attribute__((aligned(16)));
static uint8_t output[MF_MODEL_MAX_OUT_BYTES] __attribute__((aligned(16)));
static uint32_t layer_cycles[MF_MODEL_LAYERS];
static uint32_t layer_start, run_cycles_lo, run_cycles_hi;
static int layer_index, session;
static uint8_t rx[RX_CAPACITY];
static uint8_t tx[MF_HIL_MAX_DATA];

/* The model's per-layer hooks (model.c: MF_PROFILE_START/STOP). */
void mf_hil_layer_start(void) {
    mf_bench_start();
    layer_start = mf_cycles();
}

void mf_hil_layer_stop(void) {
    uint32_t now = mf_cycles();
    mf_bench_stop();
    if (layer_index < MF_MODEL_LAYERS) layer_cycles[layer_index] = now - layer_start;
    layer_index++;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put16(uint8_t *p, uint32_t v) {
    *p++ = (uint8_t)v;
    *p++ = (uint8_t)(v >> 8);
    return p;
}

static uint8_t *put_string(uint8_t *p, const char *s) {
    while (*s) *p++ = (uint8_t)*s++;
    *p++ = 0;
    return p;
}

/* Text printed by the firmware or the runtime (faults) goes to the host as LOG events. */
void mf_console_write(const char *s) {
    uint32_t n = 0;
    while (s[n] && n < MF_HIL_MAX_DATA) n++;
    mf_hil_send(MF_HIL_EVENT_LOG, 0, MF_HIL_OK, (const uint8_t *)s, n);
}

static uint32_t hello(uint8_t *p) {
    static const uint8_t hash[8] = MF_HIL_MODEL_HASH;
    uint8_t *q = p;
    *q++ = MF_HIL_VERSION;
    q = put16(q, MF_HIL_MAX_DATA);
    q = put32(q, sizeof input);
    q = put32(q, sizeof output);
    q = put32(q, MF_MODEL_ARENA_SIZE);
    q = put16(q, MF_MODEL_LAYERS);
    *q++ = MF_HIL_TIMER;
    q = put32(q, MF_HIL_CPU_HZ);
    for (int i = 0; i < 8; i++) *q++ = hash[i];
    q = put_string(q, MF_HIL_BOARD);
    q = put_string(q, MF_MODEL_NAME);
    return (uint32_t)(q - p);
}

/* RUN and CALL are the commands that are not idempotent with a model that keeps state: the
 * host resends a request whose answer it did not get, with the same sequence number, before
 * any other request, so a RUN or CALL that repeats the previous request's type and number is
 * answered again, not run again (run_seq: the number of the last request if it was a RUN or
 * CALL, else 0). */
static uint8_t run_seq, run_type, run_status;
static uint32_t run_reply_length;

static void call(uint8_t type, uint8_t seq, uint32_t entry) {
    if (seq != 0 && seq == run_seq && type == run_type) {
        mf_hil_send(type | MF_HIL_RESPONSE, seq, run_status, tx, run_reply_length);
        return;
    }
    layer_index = 0;
    for (int i = 0; i < MF_MODEL_LAYERS; i++) layer_cycles[i] = 0;
    uint32_t start = mf_cycles();
    int status = mf_model_entry_points[entry].call(input, output);
    uint32_t cycles = mf_cycles() - start;
    run_cycles_lo = cycles;
    run_cycles_hi = 0;
    uint8_t *q = put32(tx, (uint32_t)status);
    q = put32(q, run_cycles_lo);
    q = put32(q, run_cycles_hi);
    q = put16(q, MF_MODEL_LAYERS);
    run_seq = seq;
    run_type = type;
    run_status = status ? MF_HIL_ERR_MODEL : MF_HIL_OK;
    run_reply_length = (uint32_t)(q - tx);
    mf_hil_send(type | MF_HIL_RESPONSE, seq, run_status, tx, run_reply_length);
}

static uint32_t entry_points(uint8_t *p) {
    uint8_t *q = p;
    *q++ = MF_MODEL_ENTRY_POINTS;
    for (int i = 0; i < MF_MODEL_ENTRY_POINTS; i++) {
        q = put32(q, mf_model_entry_points[i].in_bytes);
        q = put32(q, mf_model_entry_points[i].out_bytes);
        q = put_string(q, mf_model_entry_points[i].name);
    }
    return (uint32_t)(q - p);
}

static void handle(const uint8_t *f, uint32_t n) {
    uint8_t type = f[1], seq = f[2];
    const uint8_t *data = f + MF_HIL_HEADER;
    uint32_t len = n - MF_HIL_HEADER - MF_HIL_CRC;
    uint8_t reply = type | MF_HIL_RESPONSE;
    if (type != MF_HIL_RUN && type != MF_HIL_CALL) run_seq = 0;  /* another request: the next RUN is a new one */
    if (f[0] != MF_HIL_VERSION) {
        uint8_t version = MF_HIL_VERSION;
        mf_hil_send(reply, seq, MF_HIL_ERR_VERSION, &version, 1);
        return;
    }
    if (type == MF_HIL_HELLO) {
        session = 1;
        mf_hil_send(reply, seq, MF_HIL_OK, tx, hello(tx));
        return;
    }
    if (type == MF_HIL_ECHO) {
        mf_hil_send(reply, seq, MF_HIL_OK, data, len);
        return;
    }
    if (!session) {
        mf_hil_send(reply, seq, MF_HIL_ERR_NO_SESSION, NULL, 0);
        return;
    }
    switch (type) {
    case MF_HIL_LOAD_INPUT: {
        uint32_t offset = len >= 4 ? get32(data) : UINT32_MAX;
        if (len < 4 || offset > sizeof input || len - 4 > sizeof input - offset) break;
        uint8_t *dst = (uint8_t *)input + offset;
        for (uint32_t i = 4; i < len; i++) *dst++ = data[i];
        mf_hil_send(reply, seq, MF_HIL_OK, NULL, 0);
        return;
    }
    case MF_HIL_RUN:
        call(type, seq, 0);
        return;
    case MF_HIL_CALL:
        if (len != 1 || data[0] >= MF_MODEL_ENTRY_POINTS) break;
        call(type, seq, data[0]);
        return;
    case MF_HIL_ENTRY_POINTS:
        mf_hil_send(reply, seq, MF_HIL_OK, tx, entry_points(tx));
        return;
    case MF_HIL_READ_OUTPUT: {
        uint32_t offset = len == 6 ? get32(data) : UINT32_MAX;
        uint32_t count = len == 6 ? (uint32_t)data[4] | (uint32_t)data[5] << 8 : 0;
        if (len != 6 || offset > sizeof output || count > sizeof output - offset || count > MF_HIL_MAX_DATA) break;
        mf_hil_send(reply, seq, MF_HIL_OK, (const uint8_t *)output + offset, count);
        return;
    }
    case MF_HIL_READ_COUNTERS: {
        uint32_t first = len == 2 ? (uint32_t)data[0] | (uint32_t)data[1] << 8 : UINT32_MAX;
        if (first > MF_MODEL_LAYERS) break;
        uint8_t *q = tx;
        for (uint32_t i = first; i < MF_MODEL_LAYERS && q + 4 <= tx + MF_HIL_MAX_DATA; i++) q = put32(q, layer_cycles[i]);
        mf_hil_send(reply, seq, MF_HIL_OK, tx, (uint32_t)(q - tx));
        return;
    }
    case MF_HIL_RESET_STATE:
        mf_model_reset();
        mf_hil_send(reply, seq, MF_HIL_OK, NULL, 0);
        return;
    case MF_HIL_RESET:
        mf_hil_send(reply, seq, MF_HIL_OK, NULL, 0);
        mf_uart_flush();
        mf_board_reset();
    default:
        mf_hil_send(reply, seq, MF_HIL_ERR_COMMAND, NULL, 0);
        return;
    }
    mf_hil_send(reply, seq, MF_HIL_ERR_ARGUMENT, NULL, 0);
}

/* One received frame (still COBS-encoded, without its 0x00). */
static void receive(uint32_t n) {
    int32_t m = mf_cobs_decode(rx, n);
    if (m < MF_HIL_HEADER + MF_HIL_CRC || (uint32_t)m != MF_HIL_HEADER + MF_HIL_CRC + (rx[4] | (uint32_t)rx[5] << 8) ||
        mf_crc32(0, rx, (uint32_t)m - MF_HIL_CRC) != get32(rx + m - MF_HIL_CRC)) {
        mf_hil_send(MF_HIL_RESPONSE, 0, MF_HIL_ERR_FRAME, NULL, 0);
        return;
    }
    handle(rx, (uint32_t)m);
}

int main(void) {
    mf_hil_board_setup();
    mf_uart_init();
    mf_cycles_init();
    uint8_t version = MF_HIL_VERSION;
    mf_hil_send(MF_HIL_EVENT_BOOT, 0, MF_HIL_OK, &version, 1);
    uint32_t n = 0;
    int overflow = 0;
    for (;;) {
        int c = mf_uart_getc();
        if (c < 0) {
            mf_idle();
            continue;
        }
        if (c != 0) {
            if (n < RX_CAPACITY) rx[n++] = (uint8_t)c;
            else overflow = 1;
            continue;
        }
        if (overflow) mf_hil_send(MF_HIL_RESPONSE, 0, MF_HIL_ERR_TOO_LONG, NULL, 0);
        else if (n) receive(n);
        n = 0;
        overflow = 0;
    }
}
