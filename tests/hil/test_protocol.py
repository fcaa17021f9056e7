"""The host side of the HIL protocol on its own: framing, and the DUT's behaviour against a
scripted fake device (answers the real firmware does not give on demand)."""

from __future__ import annotations

import os
import time
import zlib

import pytest

from mcuforge.hil import protocol as p
from mcuforge.hil.dut import DeviceError, DeviceReset, DeviceTimeout, Dut, VersionMismatch
from mcuforge.hil.link import Link


@pytest.mark.parametrize("n", [0, 1, 253, 254, 255, 508, 1024, 3000])
def test_cobs_round_trip_has_no_zero_bytes(n):
    data = bytes(os.urandom(n)) + b"\x00" * (n % 3)
    encoded = p.cobs_encode(data)
    assert 0 not in encoded and p.cobs_decode(encoded) == data


def test_frame_layout_and_crc():
    frame = p.Frame(p.RUN, 5, data=b"\x00\x01")
    encoded = frame.encode()
    raw = p.cobs_decode(encoded[:-1])
    assert encoded[-1] == 0 and raw[:6] == bytes([1, p.RUN, 5, 0, 2, 0]) and raw[6:8] == b"\x00\x01"
    assert int.from_bytes(raw[-4:], "little") == zlib.crc32(raw[:-4])  # CRC-32/IEEE, as the firmware's
    assert p.Frame.decode(encoded[:-1]) == frame


@pytest.mark.parametrize("damage, message", [
    (lambda e: e[:-3], "truncated|length|CRC|COBS"),
    (lambda e: e[:5] + bytes([e[5] ^ 1]) + e[6:], "CRC|length|COBS"),
    (lambda e: b"\x05\x01", "COBS|truncated"),
])
def test_damaged_frames_are_rejected(damage, message):
    encoded = p.Frame(p.ECHO, 1, data=b"hello world").encode()[:-1]
    with pytest.raises(p.FrameError, match=message):
        p.Frame.decode(damage(encoded))


def test_frame_reader_drops_overlong_frames():
    reader = p.FrameReader(limit=10)
    items = reader.feed(b"\x01" * 30 + b"\x00" + b"\x02ab\x00")
    assert isinstance(items[0], p.FrameError) and items[1] == b"\x02ab"


class FakeDevice(Link):
    """Answers each request with what `script(frame)` returns (a list of wire bytes)."""

    def __init__(self, script):
        self.script, self.reader, self.out = script, p.FrameReader(), bytearray()

    def write(self, data: bytes) -> None:
        for item in self.reader.feed(data):
            self.out += b"".join(self.script(p.Frame.decode(item)))

    def read(self, timeout: float) -> bytes:
        if not self.out:
            time.sleep(min(timeout, 0.01))
            return b""
        data, self.out = bytes(self.out), bytearray()
        return data


def test_stale_answers_are_skipped():
    def script(req):
        return [p.Frame(req.type | p.RESPONSE, req.seq - 1 or 255, data=b"old").encode(),
                p.Frame(req.type | p.RESPONSE, req.seq, data=b"new").encode()]

    dut = Dut(FakeDevice(script))
    assert dut.echo(b"x") == b"new" and dut.stats["stale"] == 1


def test_device_speaking_another_version_is_refused():
    dut = Dut(FakeDevice(lambda req: [p.Frame(req.type | p.RESPONSE, req.seq, data=b"x", version=3).encode()]))
    with pytest.raises(VersionMismatch, match="version 3, this host 1"):
        dut.echo(b"x")


def test_garbage_is_never_an_answer_and_the_wait_is_bounded():
    noise = bytes(range(1, 256)) * 4 + b"\x00"
    dut = Dut(FakeDevice(lambda req: [noise]), timeout=0.2, retries=2)
    start = time.monotonic()
    with pytest.raises(DeviceTimeout, match="3 tries of 0.2 s"):
        dut.echo(b"x")
    assert time.monotonic() - start < 1.5 and dut.stats["bad_frames"] == 3


def test_refusals_are_resent_then_errors_reported():
    answers = iter([p.ERR_FRAME, p.ERR_TOO_LONG, p.OK])
    dut = Dut(FakeDevice(lambda req: [p.Frame(p.RESPONSE if (s := next(answers)) else req.type | p.RESPONSE,
                                              0 if s else req.seq, s, b"ok" if not s else b"").encode()]))
    assert dut.echo(b"x") == b"ok" and dut.stats["naks"] == 2
    dut = Dut(FakeDevice(lambda req: [p.Frame(req.type | p.RESPONSE, req.seq, p.ERR_ARGUMENT).encode()]))
    with pytest.raises(DeviceError, match="offset or length out of range"):
        dut.echo(b"x")


def test_boot_event_during_a_session_is_a_reset():
    state = {"booted": False}

    def script(req):
        if req.type == p.HELLO:
            info = bytes([1]) + (1024).to_bytes(2, "little") + bytes(4 * 3 + 2 + 1 + 4) + bytes(8) + b"b\x00m\x00"
            return [p.Frame(req.type | p.RESPONSE, req.seq, data=info).encode()]
        state["booted"] = True
        return [p.Frame(p.EVENT_BOOT, 0, data=b"\x01").encode()]

    dut = Dut(FakeDevice(script), timeout=0.2)
    dut.hello()
    with pytest.raises(DeviceReset, match="sent BOOT"):
        dut.echo(b"x")
    assert state["booted"] and dut.info is None


def test_reset_answered_and_boot_in_one_read_is_not_an_unexpected_reset():
    """The device acknowledges RESET, then boots; on a loaded host both frames arrive in one
    read. The BOOT is the reset asked for (it once raised DeviceReset, at random in CI)."""
    def script(req):
        if req.type == p.HELLO:
            info = bytes([1]) + (1024).to_bytes(2, "little") + bytes(4 * 3 + 2 + 1 + 4) + bytes(8) + b"b\x00m\x00"
            return [p.Frame(req.type | p.RESPONSE, req.seq, data=info).encode()]
        return [p.Frame(req.type | p.RESPONSE, req.seq).encode(), p.Frame(p.EVENT_BOOT, 0, data=b"\x01").encode()]

    dut = Dut(FakeDevice(script), timeout=0.2)
    dut.hello()
    dut.reset()
    assert dut.info is None and dut.stats["boots"] == 1


def test_cli_hil_runs_the_suite_over_a_serial_port(tmp_path):
    """The board path end to end: the QEMU board's UART on a pseudo-terminal, opened by pyserial
    as a real board's port is."""
    import json
    import subprocess
    import sys

    from ..conftest import mlperf

    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "hil", "--board", "qemu-cortex-m4", "--port",
                           "qemu-pty", "--inputs", "2",
                           "--model", str(mlperf("kws_ref_model.tflite")), "--report", str(report)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "6 passed" in proc.stdout and "HIL report" in proc.stdout
    r = json.loads(report.read_text())["qemu-cortex-m4"]
    assert r["precision"] == "int8" and r["per_inference"] == sum(n for _, n in r["per_layer"]) > 0
    assert r["throughput"]["input_bytes"] == 490 and r["throughput"]["protocol_inputs_per_s"] > 0


def test_cli_hil_needs_a_port_for_a_board():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "hil", "--board", "nucleo_l4r5zi"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--board and --port go together" in proc.stderr
