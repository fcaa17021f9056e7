"""A model that keeps state, over the HIL link on QEMU boards: a sequence of inferences carries
the state as PyTorch does, RESET_STATE starts it over without ending the session, and a RUN
whose answer is lost is answered again, not run twice (the state takes one step)."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.core.precision import TOLERANCE
from mcuforge.hil import protocol as p
from mcuforge.hil.dut import DeviceError, Dut
from mcuforge.hil.firmware import build_hil_firmware
from mcuforge.hil.link import FaultyLink
from mcuforge.hil.qemu_board import QemuBoard
from mcuforge.hil.session import prepare_model
from mcuforge.target import load_target

from ..conftest import repo_path


@pytest.fixture(scope="module", params=["qemu-cortex-m4", "qemu-rv32imac"])
def stateful(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(request.param)
    model = prepare_model(f"{repo_path('models', 'stateful.py')}:make", load_target(request.param), "fp32", work)
    return model, build_hil_firmware(model.compiled, work / "firmware").program


def _outputs(dut: Dut, model, inputs: np.ndarray) -> np.ndarray:
    return np.stack([model.decode(dut.infer(x.tobytes()).output) for x in inputs]).astype(np.float64)


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    return np.max(np.abs(got - want.reshape(got.shape))) <= TOLERANCE["fp32"] * np.max(np.abs(want))


def test_sequence_then_reset_state(stateful):
    model, firmware = stateful
    sequence = model.compiled.random_inputs(5, seed=2)
    want = model.compiled.reference(sequence)
    with QemuBoard(firmware) as board:
        dut = Dut(board.link)
        dut.connect()
        assert _close(_outputs(dut, model, sequence), want)
        dut.reset_state()
        again = _outputs(dut, model, sequence[:2])
        assert _close(again, want[:2])
        assert dut.info is not None  # the session goes on


def _drop_nth_run_answer(n: int):
    """(on_read hook that passes whole frames on and drops the n-th RUN answer (0-based), the
    count of RUN answers it saw so far)."""
    reader, runs = p.FrameReader(), {"seen": -1}

    def hook(data: bytes) -> bytes:
        kept = b""
        for encoded in reader.feed(data):
            if isinstance(encoded, bytes) and p.Frame.decode(encoded).type == p.RUN | p.RESPONSE:
                runs["seen"] += 1
                if runs["seen"] == n:
                    continue
            kept += encoded + b"\x00" if isinstance(encoded, bytes) else b""
        return kept

    return hook, runs


def test_a_resent_run_does_not_step_the_state_twice(stateful):
    model, firmware = stateful
    sequence = model.compiled.random_inputs(3, seed=4)
    want = model.compiled.reference(sequence)
    with QemuBoard(firmware) as board:
        dropping, runs = _drop_nth_run_answer(1)
        dut = Dut(FaultyLink(board.link, on_read=dropping), timeout=0.5)
        dut.connect()
        assert _close(_outputs(dut, model, sequence), want)  # the second RUN answered on its second try
        # three RUNs, at least four answers: one lost, answered again for the resent request (a
        # slow answer on a loaded host may bring one more resend, answered again as well)
        assert runs["seen"] >= 3


def test_entry_points_are_listed_and_called_by_index(stateful):
    model, firmware = stateful
    sequence = model.compiled.random_inputs(2, seed=6)
    want = model.compiled.reference(sequence)
    with QemuBoard(firmware) as board:
        dut = Dut(board.link)
        dut.connect()
        (run,) = dut.entry_points()
        assert (run.name, run.in_bytes, run.out_bytes) == ("run", model.compiled.input.nbytes,
                                                            model.compiled.output.nbytes)
        got = [model.decode(dut.call(0, x.tobytes()).output).astype(np.float64) for x in sequence]
        assert _close(np.stack(got), want)  # CALL 0 is mf_model_run, over the same state
        with pytest.raises(DeviceError, match="offset or length out of range"):
            dut.request(p.CALL, bytes([1]))  # no second entry point
