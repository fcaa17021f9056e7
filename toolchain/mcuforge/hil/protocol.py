"""The HIL protocol's frames, host side (the device side is firmware/hil/mf_hil.h, which
documents the format): COBS with a 0x00 delimiter around

    version u8 | type u8 | seq u8 | status u8 | length u16 LE | data | crc32 u32 LE (zlib's)
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

VERSION = 1
MAX_DATA = 1024
HEADER = 6
CRC = 4
# The device's receive buffer holds this many encoded bytes; a longer frame is refused.
DEVICE_RX_CAPACITY = HEADER + MAX_DATA + CRC + 8

HELLO, LOAD_INPUT, RUN, READ_OUTPUT, READ_COUNTERS, RESET, ECHO, RESET_STATE, CALL, ENTRY_POINTS = range(1, 11)
RESPONSE = 0x80
EVENT_BOOT, EVENT_LOG = 0xC0, 0xC1
COMMANDS = {HELLO: "HELLO", LOAD_INPUT: "LOAD_INPUT", RUN: "RUN", READ_OUTPUT: "READ_OUTPUT",
            READ_COUNTERS: "READ_COUNTERS", RESET: "RESET", ECHO: "ECHO", RESET_STATE: "RESET_STATE", CALL: "CALL",
            ENTRY_POINTS: "ENTRY_POINTS"}

OK, ERR_FRAME, ERR_VERSION, ERR_TOO_LONG, ERR_COMMAND, ERR_ARGUMENT, ERR_NO_SESSION, ERR_MODEL = range(8)
STATUS = {OK: "ok", ERR_FRAME: "unreadable frame (COBS, length or CRC)", ERR_VERSION: "wrong protocol version",
          ERR_TOO_LONG: "frame longer than the device's buffer", ERR_COMMAND: "unknown command",
          ERR_ARGUMENT: "offset or length out of range", ERR_NO_SESSION: "no session (the device was reset)",
          ERR_MODEL: "the model failed"}


class FrameError(ValueError):
    """Bytes between two delimiters that are not a valid frame (never taken as a result)."""


def cobs_encode(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for byte in data:
        if byte == 0:
            out += bytes([len(block) + 1]) + block
            block.clear()
            continue
        block.append(byte)
        if len(block) == 254:
            out += b"\xff" + block
            block.clear()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        i += 1
        if code == 0 or i + code - 1 > len(data):
            raise FrameError("invalid COBS encoding")
        block = data[i:i + code - 1]
        if 0 in block:
            raise FrameError("invalid COBS encoding")
        out += block
        i += code - 1
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    status: int = OK
    data: bytes = b""
    version: int = VERSION

    def encode(self) -> bytes:
        """The frame as it goes on the wire: COBS-encoded, 0x00-terminated."""
        if len(self.data) > 0xFFFF:
            raise ValueError(f"{len(self.data)} bytes of data do not fit a frame")
        body = struct.pack("<BBBBH", self.version, self.type, self.seq, self.status, len(self.data)) + self.data
        return cobs_encode(body + struct.pack("<I", zlib.crc32(body))) + b"\x00"

    @staticmethod
    def decode(encoded: bytes) -> "Frame":
        """One frame from its encoded bytes (without the 0x00); FrameError when they are not one."""
        raw = cobs_decode(encoded)
        if len(raw) < HEADER + CRC:
            raise FrameError(f"truncated frame ({len(raw)} bytes)")
        version, type_, seq, status, length = struct.unpack_from("<BBBBH", raw)
        if len(raw) != HEADER + length + CRC:
            raise FrameError(f"length field says {length} bytes of data, the frame has {len(raw) - HEADER - CRC}")
        (crc,) = struct.unpack_from("<I", raw, len(raw) - CRC)
        if zlib.crc32(raw[:-CRC]) != crc:
            raise FrameError("CRC mismatch")
        return Frame(type_, seq, status, raw[HEADER:-CRC], version)

    @property
    def name(self) -> str:
        base = COMMANDS.get(self.type & ~RESPONSE, f"0x{self.type:02x}")
        if self.type == EVENT_BOOT:
            return "BOOT"
        if self.type == EVENT_LOG:
            return "LOG"
        return base + (" response" if self.type & RESPONSE else "")


class FrameReader:
    """Splits a byte stream into frames at 0x00 delimiters. A frame longer than `limit` encoded
    bytes is dropped whole (it cannot be one of ours)."""

    def __init__(self, limit: int = 2 * (HEADER + 0xFFFF + CRC)):
        self.limit = limit
        self.buffer = bytearray()
        self.overlong = False

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """The complete frames in `data` (with what came before): encoded bytes, or a FrameError
        for one that was too long."""
        out: list[bytes | FrameError] = []
        start = 0
        while True:
            end = data.find(b"\x00", start)
            piece = data[start:] if end < 0 else data[start:end]
            if not self.overlong:
                self.buffer += piece
                if len(self.buffer) > self.limit:
                    self.buffer.clear()
                    self.overlong = True
            if end < 0:
                return out
            if self.overlong:
                out.append(FrameError(f"frame longer than {self.limit} bytes"))
            elif self.buffer:
                out.append(bytes(self.buffer))
            self.buffer.clear()
            self.overlong = False
            start = end + 1
