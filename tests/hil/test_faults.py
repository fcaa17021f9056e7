"""Protocol faults against the HIL firmware on QEMU boards (one Cortex-M, one RISC-V): each is
detected, retried where that is safe or reported clearly, never hangs, and a damaged frame is
never taken as a result."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mcuforge.hil import protocol as p
from mcuforge.hil.dut import DeviceReset, DeviceTimeout, Dut, HilError, VersionMismatch
from mcuforge.hil.firmware import build_hil_firmware
from mcuforge.hil.link import FaultyLink, LinkClosed
from mcuforge.hil.qemu_board import QemuBoard
from mcuforge.hil.session import prepare_model
from mcuforge.target import load_target

from ..conftest import mlperf


@pytest.fixture(scope="module", params=["qemu-cortex-m4", "qemu-rv32imac"])
def firmware(request, tmp_path_factory):
    target = load_target(request.param)
    work = tmp_path_factory.mktemp(request.param)
    model = prepare_model(str(mlperf("kws_ref_model.tflite")), target, "auto", work)
    return model, build_hil_firmware(model.compiled, work / "firmware").program


@pytest.fixture
def board(firmware):
    with QemuBoard(firmware[1]) as b:
        yield b


def _check_inference(dut: Dut, model) -> None:
    x = model.inputs(1, seed=5)[0]
    got = model.decode(dut.infer(x.tobytes()).output)
    assert np.array_equal(got, model.reference(x))


def _damage_nth(n: int, how):
    """on_write/on_read hook that applies `how` to the n-th chunk (0-based) only."""
    count = {"i": -1}

    def hook(data: bytes) -> bytes:
        count["i"] += 1
        return how(data) if count["i"] == n else data

    return hook


def _flip(data: bytes) -> bytes:
    """Damage one byte of a chunk, keeping frame delimiters (0x00) where they are."""
    nonzero = [i for i, b in enumerate(data) if b]
    if not nonzero:
        return data
    i = nonzero[len(nonzero) // 2]
    return data[:i] + bytes([data[i] ^ 0x5A or 0xA5]) + data[i + 1:]


def test_corrupted_request_is_refused_and_resent(firmware, board):
    model, _ = firmware
    dut = Dut(FaultyLink(board.link, on_write=_damage_nth(3, _flip)))
    dut.connect()
    _check_inference(dut, model)
    assert dut.stats["naks"] + dut.stats["retries"] >= 1


def test_corrupted_answer_is_never_taken(firmware, board):
    model, _ = firmware
    dut = Dut(FaultyLink(board.link, on_read=_flip), timeout=0.3, retries=1)
    with pytest.raises(DeviceTimeout, match="no valid answer to ECHO"):
        dut.request(p.ECHO, b"x" * 100)
    assert dut.stats["bad_frames"] >= 2  # each damaged answer was seen and dropped
    dut = Dut(FaultyLink(board.link, on_read=_damage_nth(0, _flip)), timeout=0.5)
    dut.connect()
    _check_inference(dut, model)


def test_dropped_request_times_out_and_is_resent(firmware, board):
    model, _ = firmware
    dut = Dut(FaultyLink(board.link, on_write=_damage_nth(2, lambda d: b"")), timeout=0.5)
    dut.connect()
    _check_inference(dut, model)
    assert dut.stats["retries"] == 1


def test_truncated_frame_is_refused(board):
    dut = Dut(board.link)
    dut.connect()
    frame = p.Frame(p.ECHO, 9, data=b"abcdefgh" * 4).encode()
    board.link.write(frame[: len(frame) // 2] + b"\x00")
    answers = list(dut._frames(time.monotonic() + 1.0))
    assert [(a.type, a.status) for a in answers] == [(p.RESPONSE, p.ERR_FRAME)]
    assert dut.echo(b"still talking") == b"still talking"


def test_oversized_frame_is_refused(board):
    dut = Dut(board.link)
    dut.connect()
    board.link.write(b"\x7f" * (p.DEVICE_RX_CAPACITY + 500) + b"\x00")
    answers = list(dut._frames(time.monotonic() + 2.0))
    assert [(a.type, a.status) for a in answers] == [(p.RESPONSE, p.ERR_TOO_LONG)]
    assert dut.echo(b"ok") == b"ok"
    with pytest.raises(HilError, match="more than the device's frame limit of 1024"):
        dut.echo(b"\x01" * 1025)


def test_wrong_protocol_version_is_reported(board):
    dut = Dut(board.link, version=2)
    with pytest.raises(VersionMismatch, match="device speaks HIL protocol version 1, this host 2"):
        dut.connect()


def test_reset_during_a_run_is_detected(firmware, board):
    """The board resets while the model runs (its first layers' instruction counts have come in).
    On a loaded host the run can finish before QEMU's monitor acts: then the answer is right and
    the next try resets it again."""
    model, _ = firmware
    dut = Dut(board.link, timeout=2.0, retries=0)
    dut.connect()
    outcomes = []
    for _ in range(5):
        dut.load_input(model.inputs(1)[0].tobytes())
        board.take_regions()
        outcome = []

        def run():
            try:
                outcome.append(dut.run())
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 10
        while not board.take_regions() and time.monotonic() < deadline:
            time.sleep(0.001)
        board.monitor("system_reset")  # the run has started and has layers still to go
        worker.join(timeout=20)
        outcomes += outcome
        if outcome and isinstance(outcome[0], DeviceReset):
            break
        assert outcome and outcome[0][0] == 0, outcome  # finished first: a normal answer
        dut.connect()
    assert isinstance(outcomes[-1], DeviceReset) and "reset" in str(outcomes[-1]), outcomes
    dut.retries = 3
    dut.connect()  # a new handshake, and the device works again
    _check_inference(dut, model)


def test_silent_device_times_out_boundedly(firmware, board):
    dut = Dut(board.link, timeout=0.4, retries=2)
    dut.connect()
    board.monitor("stop")
    start = time.monotonic()
    with pytest.raises(DeviceTimeout, match="no valid answer to ECHO after 3 tries of 0.4 s"):
        dut.echo(b"anyone?")
    assert time.monotonic() - start < 3 * 0.4 + 1.0
    board.monitor("cont")
    assert dut.echo(b"back") == b"back"


def test_simulator_gone_is_reported(board):
    dut = Dut(board.link)
    dut.connect()
    board.proc.kill()
    board.proc.wait()
    with pytest.raises(LinkClosed, match="gone|closed"):
        dut.echo(b"hello?")


def test_reset_command_restarts_the_device(firmware, board):
    model, _ = firmware
    dut = Dut(board.link)
    dut.connect()
    boots = dut.stats["boots"]
    dut.reset()
    info = dut.connect()  # the device boots again (BOOT event) and answers a new handshake
    assert info.model_hash == model.hash and dut.stats["boots"] == boots + 1
    _check_inference(dut, model)
