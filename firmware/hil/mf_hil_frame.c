/* COBS framing and CRC-32 of the HIL protocol (see mf_hil.h). */
#include "mf_hil.h"

uint32_t mf_crc32(uint32_t crc, const uint8_t *p, uint32_t n) {
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    crc = ~crc;
    for (uint32_t i = 0; i < n; i++) {
        crc = (crc >> 4) ^ nibble[(crc ^ p[i]) & 0xF];
        crc = (crc >> 4) ^ nibble[(crc ^ (p[i] >> 4)) & 0xF];
    }
    return ~crc;
}

int32_t mf_cobs_decode(uint8_t *buf, uint32_t n) {
    uint32_t in = 0, out = 0;
    while (in < n) {
        uint8_t code = buf[in++];
        if (code == 0 || in + code - 1 > n) return -1;
        for (uint8_t i = 1; i < code; i++) {
            if (buf[in] == 0) return -1;
            buf[out++] = buf[in++];
        }
        if (code != 0xFF && in < n) buf[out++] = 0;
    }
    return (int32_t)out;
}

/* COBS-encodes the byte stream as it is produced: a block of up to 254 non-zero bytes is held
 * until its length is known. */
struct cobs_out {
    uint8_t block[254];
    uint32_t n;
};

static void cobs_flush(struct cobs_out *o) {
    mf_uart_putc((uint8_t)(o->n + 1));
    for (uint32_t i = 0; i < o->n; i++) mf_uart_putc(o->block[i]);
    o->n = 0;
}

static void cobs_put(struct cobs_out *o, const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            cobs_flush(o);
            continue;
        }
        o->block[o->n++] = p[i];
        if (o->n == 254) {
            mf_uart_putc(0xFF);
            for (uint32_t k = 0; k < 254; k++) mf_uart_putc(o->block[k]);
            o->n = 0;
        }
    }
}

void mf_hil_send(uint8_t type, uint8_t seq, uint8_t status, const uint8_t *data, uint32_t n) {
    uint8_t header[MF_HIL_HEADER] = {MF_HIL_VERSION, type, seq, status, (uint8_t)n, (uint8_t)(n >> 8)};
    uint32_t crc = mf_crc32(mf_crc32(0, header, sizeof header), data, n);
    uint8_t tail[MF_HIL_CRC] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    struct cobs_out o = {.n = 0};
    cobs_put(&o, header, sizeof header);
    cobs_put(&o, data, n);
    cobs_put(&o, tail, sizeof tail);
    cobs_flush(&o);
    mf_uart_putc(0);
}
