"""The device under test: handshake, then one request at a time with bounded timeouts and
retries. Every command is idempotent, so a request whose answer is lost, damaged or refused
as unreadable is simply sent again (same sequence number: a late answer to an earlier try is
as good); a frame that fails its CRC is never taken as an answer."""

from __future__ import annotations

import struct
import time
from collections import Counter
from dataclasses import dataclass, field

from ..errors import McuforgeError
from . import protocol as p
from .link import Link


class HilError(McuforgeError):
    pass


class DeviceTimeout(HilError):
    """No valid answer within the retries."""


class DeviceReset(HilError):
    """The device reset while a session was open (BOOT event, or 'no session')."""


class VersionMismatch(HilError):
    pass


class DeviceError(HilError):
    """The device answered, with an error status (and what it sent with it)."""

    def __init__(self, message: str, status: int, data: bytes = b""):
        super().__init__(message)
        self.status = status
        self.data = data


@dataclass(frozen=True)
class DeviceInfo:
    version: int
    max_data: int
    input_bytes: int
    output_bytes: int
    arena_bytes: int
    layers: int
    timer: str  # "none", "dwt" or "mcycle"
    cpu_hz: int
    model_hash: str  # 16 hex digits
    board: str
    model: str

    @staticmethod
    def parse(data: bytes) -> "DeviceInfo":
        version, max_data, inb, outb, arena, layers, timer, hz = struct.unpack_from("<BHIIIHBI", data)
        off = struct.calcsize("<BHIIIHBI")
        digest = data[off:off + 8].hex()
        board, model = data[off + 8:].split(b"\x00")[:2]
        return DeviceInfo(version, max_data, inb, outb, arena, layers, ("none", "dwt", "mcycle")[timer], hz,
                          digest, board.decode(errors="replace"), model.decode(errors="replace"))


@dataclass(frozen=True)
class EntryPoint:
    name: str  # mf_model_<name>
    in_bytes: int
    out_bytes: int


@dataclass
class Inference:
    output: bytes
    status: int
    cycles: int  # from the board's cycle counter; 0 where it has none (QEMU)
    layer_cycles: list[int]


@dataclass
class Dut:
    link: Link
    timeout: float = 2.0  # seconds to wait for one answer
    retries: int = 3  # further tries after the first
    run_timeout: float = 60.0  # seconds to wait for RUN's answer
    version: int = p.VERSION  # the protocol version this host speaks (tests change it)
    info: DeviceInfo | None = None
    logs: list[str] = field(default_factory=list)  # LOG events (text the firmware printed)
    stats: Counter = field(default_factory=Counter)  # retries, bad_frames, naks, stale, boots
    _seq: int = 0

    def __post_init__(self) -> None:
        self.reader = p.FrameReader()
        self.pending: list[p.Frame] = []

    # -- frames ---------------------------------------------------------------------------
    def _frames(self, deadline: float):
        """Valid frames as they arrive until `deadline`; events are handled here."""
        while True:
            while self.pending:
                yield self.pending.pop(0)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            for item in self.reader.feed(self.link.read(left)):
                if isinstance(item, p.FrameError):
                    self.stats["bad_frames"] += 1
                    continue
                try:
                    frame = p.Frame.decode(item)
                except p.FrameError:
                    self.stats["bad_frames"] += 1
                    continue
                if frame.type == p.EVENT_LOG:
                    self.logs.append(frame.data.decode(errors="replace"))
                    continue
                if frame.type == p.EVENT_BOOT:
                    self.stats["boots"] += 1
                    if self.info is not None:
                        self.info = None
                        self.pending.clear()
                        raise DeviceReset("the device reset while a session was open (it sent BOOT)"
                                          + self._log_tail())
                    continue
                self.pending.append(frame)

    def _log_tail(self) -> str:
        return ("; it printed:\n" + "".join(self.logs[-5:])) if self.logs else ""

    def request(self, command: int, data: bytes = b"", timeout: float | None = None) -> p.Frame:
        name = p.COMMANDS[command]
        limit = self.info.max_data if self.info else p.MAX_DATA
        if len(data) > limit:
            raise HilError(f"{name}: {len(data)} bytes of data, more than the device's frame limit of {limit}")
        self._seq = self._seq % 255 + 1  # 0 is the sequence number of the device's NAKs
        frame = p.Frame(command, self._seq, data=data, version=self.version).encode()
        timeout = self.timeout if timeout is None else timeout
        for attempt in range(1 + self.retries):
            if attempt:
                self.stats["retries"] += 1
            self.link.write(frame)
            for answer in self._frames(time.monotonic() + timeout):
                if answer.type == p.RESPONSE | 0 and answer.status in (p.ERR_FRAME, p.ERR_TOO_LONG):
                    self.stats["naks"] += 1
                    break  # the device could not read what arrived: send again
                if answer.type != command | p.RESPONSE or answer.seq != self._seq:
                    self.stats["stale"] += 1  # an answer to an earlier request
                    continue
                return self._check(name, answer)
        raise DeviceTimeout(f"no valid answer to {name} after {1 + self.retries} tries of {timeout:g} s "
                            f"({self.stats['bad_frames']} unreadable frames, {self.stats['naks']} refusals so far)"
                            + self._log_tail(),
                            hint="is the board powered, flashed with the HIL firmware and on this port?")

    def _check(self, name: str, answer: p.Frame) -> p.Frame:
        if answer.status == p.ERR_VERSION or answer.version != self.version:
            theirs = answer.data[0] if answer.status == p.ERR_VERSION and answer.data else answer.version
            raise VersionMismatch(f"the device speaks HIL protocol version {theirs}, this host {self.version}",
                                  hint="flash the firmware this mcuforge generates (mcuforge deploy --upload)")
        if answer.status == p.ERR_NO_SESSION:
            self.info = None
            raise DeviceReset(f"{name}: the device has no session: it was reset since the handshake" + self._log_tail())
        if answer.status != p.OK:
            raise DeviceError(f"{name}: the device answered '{p.STATUS.get(answer.status, answer.status)}'",
                              answer.status, answer.data)
        return answer

    # -- commands -------------------------------------------------------------------------
    def connect(self, boot_timeout: float = 20.0) -> DeviceInfo:
        """Wait until the device answers (bytes sent while it boots can be lost), then handshake.
        A new session: a reset before it is no error."""
        self.info = None
        deadline = time.monotonic() + boot_timeout
        retries, self.retries = self.retries, 0
        try:
            while True:
                try:
                    self.request(p.ECHO, b"ping", timeout=0.3)
                    break
                except DeviceTimeout:
                    if time.monotonic() > deadline:
                        raise DeviceTimeout(f"the device did not answer within {boot_timeout:g} s" + self._log_tail(),
                                            hint="is the board powered, flashed with the HIL firmware and on this "
                                                 "port?") from None
        finally:
            self.retries = retries
        return self.hello()

    def hello(self) -> DeviceInfo:
        self.info = DeviceInfo.parse(self.request(p.HELLO, bytes([self.version])).data)
        return self.info

    def echo(self, data: bytes) -> bytes:
        return self.request(p.ECHO, data).data

    def load_input(self, data: bytes, size: int | None = None) -> None:
        """Load an input of `size` bytes (default: the device's input buffer, mf_model_run's)."""
        info = self._session()
        size = info.input_bytes if size is None else size
        if len(data) != size or size > info.input_bytes:
            raise HilError(f"the model on the device takes {size} input bytes, not {len(data)}")
        step = info.max_data - 4
        for offset in range(0, len(data), step):
            self.request(p.LOAD_INPUT, struct.pack("<I", offset) + data[offset:offset + step])

    def run(self) -> tuple[int, int]:
        """Run the model on the loaded input: (model status, cycles). A model with state takes
        one step: a resent RUN (its answer lost) is answered again by the device, not run again."""
        answer = self.request(p.RUN, timeout=self.run_timeout)
        status, lo, hi, _ = struct.unpack_from("<iIIH", answer.data)
        return status, lo | hi << 32

    def read_output(self, size: int | None = None) -> bytes:
        """The first `size` bytes of the output buffer (default: all of it, mf_model_run's)."""
        info = self._session()
        size = info.output_bytes if size is None else size
        out = bytearray()
        while len(out) < size:
            n = min(info.max_data, size - len(out))
            out += self.request(p.READ_OUTPUT, struct.pack("<IH", len(out), n)).data
        return bytes(out)

    def read_counters(self) -> list[int]:
        info = self._session()
        cycles: list[int] = []
        while len(cycles) < info.layers:
            data = self.request(p.READ_COUNTERS, struct.pack("<H", len(cycles))).data
            if not data:
                raise HilError("READ_COUNTERS returned no counters")
            cycles += struct.unpack(f"<{len(data) // 4}I", data)
        return cycles

    def entry_points(self) -> list[EntryPoint]:
        """The model's entry points (model.h's table), in their order; index 0 is mf_model_run."""
        self._session()
        data = self.request(p.ENTRY_POINTS).data
        points, off = [], 1
        for _ in range(data[0]):
            in_bytes, out_bytes = struct.unpack_from("<II", data, off)
            end = data.index(b"\x00", off + 8)
            points.append(EntryPoint(data[off + 8:end].decode(errors="replace"), in_bytes, out_bytes))
            off = end + 1
        return points

    def call(self, entry: int, data: bytes) -> Inference:
        """Call entry point `entry` (an index into entry_points()) on `data`: its output, status
        (the entry point's return value, also when it is not 0), cycles and per-layer cycles. Like
        RUN, a resent CALL is answered again, not run again."""
        point = self.entry_points()[entry]
        self.load_input(data, point.in_bytes)
        try:
            data = self.request(p.CALL, bytes([entry]), timeout=self.run_timeout).data
        except DeviceError as exc:  # the entry point returned non-zero: its status, its output
            if exc.status != p.ERR_MODEL or len(exc.data) < 14:
                raise
            data = exc.data
        status, lo, hi, _ = struct.unpack_from("<iIIH", data)
        return Inference(self.read_output(point.out_bytes), status, lo | hi << 32, self.read_counters())

    def reset_state(self) -> None:
        """The model's state back to its values at reset (mf_model_reset()); the session goes on."""
        self._session()
        self.request(p.RESET_STATE)

    def reset(self) -> None:
        """Ask the device to reset; the next request needs a new handshake. The session ends
        before the request: the device acknowledges, then boots, and both frames may arrive in
        one read (on a loaded host), where the BOOT must not count as an unexpected reset."""
        self.info = None
        self.request(p.RESET)

    def infer(self, data: bytes) -> Inference:
        self.load_input(data)
        status, cycles = self.run()
        return Inference(self.read_output(), status, cycles, self.read_counters())

    def _session(self) -> DeviceInfo:
        if self.info is None:
            raise HilError("no session: call connect() first")
        return self.info
