"""Real boards on their SoC as QEMU models it (the board file's [emulation]): the firmware that
`mcuforge deploy` builds for the board, from the very project it writes (its linker script,
start-up, clock and pin set-up, UART driver), boots from the board's boot ROM, speaks the HIL
protocol over the board's UART, computes what the host computes, times its layers with the
board's cycle counter (as QEMU provides it) and resets by the board's reset path. A firmware
that does not boot there fails within the handshake timeout, saying why."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from mcuforge.hil.session import BoardDidNotBoot, deploy_emulated, open_session
from mcuforge.target import load_board

from ..conftest import mlperf, repo_path

MLP = str(repo_path("models", "mlp.py")) + ":make"


def _deploy(spec, board, precision, tmp_path_factory, name):
    return deploy_emulated(spec, board, precision, tmp_path_factory.mktemp(name))


@pytest.fixture(scope="module")
def mlp_fp32(tmp_path_factory):
    board = load_board("hifive1-revb")
    return (board, *_deploy(MLP, board, "fp32", tmp_path_factory, "mlp-fp32"))


def _check_session(board, model, program, tmp_path, n: int = 3):
    """Handshake, n inputs right, cycles per layer from the board's counter, reset, again."""
    with open_session(board, model, tmp_path, program=program) as s:
        assert s.emulated and s.dut.info.board == board.name and s.dut.info.model_hash == model.hash
        assert s.dut.info.timer == "mcycle" and s.dut.info.cpu_hz == board.hil.clock_hz
        for i, x in enumerate(model.inputs(n, seed=4)):
            got, answer, insns = s.infer(x)
            assert model.mismatch(got, model.reference(x)) is None, f"input {i}"
            # mcycle under -icount shift=0: one per instruction, so each layer's cycles are the
            # plugin's instruction count between the same hooks less the hooks' own few
            assert answer.cycles > 0 and len(answer.layer_cycles) == len(model.layer_names)
            assert all(c > 0 for c in answer.layer_cycles) and sum(answer.layer_cycles) <= answer.cycles
            assert all(0 <= i - c < 32 for c, i in zip(answer.layer_cycles, insns))
        first = answer
        assert 0 < s.board.stack_used() <= board.memory.stack
        s.dut.reset()  # the board's reset path ("jump": start-up again), a BOOT, a new session
        assert s.dut.info is None and s.dut.connect().model_hash == model.hash
        got, again, _ = s.infer(x)
        assert model.mismatch(got, model.reference(x)) is None
        assert again.cycles == first.cycles  # deterministic: instructions, not host time
        return first


def test_mlp_fp32_on_the_emulated_hifive1_revb(mlp_fp32, tmp_path):
    board, model, program = mlp_fp32
    assert program.elf.parent.parent.parent.name == "deploy"  # the deploy project's own build
    assert program.symbol("_start") == board.emulation.boot == board.memory.flash.origin
    answer = _check_session(board, model, program, tmp_path)
    assert answer.cycles > 100_000


def test_mlp_fp32_on_the_emulated_redboard_v(tmp_path_factory, tmp_path):
    """The SparkFun RED-V: the same FE310-G002, its own board file and project."""
    board = load_board("sparkfun_redboard_v")
    model, program = _deploy(MLP, board, "fp32", tmp_path_factory, "redv")
    _check_session(board, model, program, tmp_path, n=1)


def test_emulation_is_for_boards_only(tmp_path):
    from mcuforge.errors import TargetError

    text = load_board("hifive1-revb").source.read_text().replace('system = "qemu-system-riscv32"\nmachine = "sifive_e',
                                                                  'system = "qemu-system-arm"\nmachine = "sifive_e')
    path = tmp_path / "hifive1-revb.toml"
    path.write_text(text)
    with pytest.raises(TargetError, match="emulation.system: an riscv board runs on qemu-system-riscv32"):
        load_board(str(path))


def test_int8_model_is_bit_exact_on_the_emulated_hifive1_revb(tmp_path_factory, tmp_path):
    """MLPerf Tiny's anomaly-detection autoencoder (int8, 640 inputs): it fits the board as it is."""
    board = load_board("hifive1-revb")
    model, program = _deploy(str(mlperf("ad01_int8.tflite")), board, "auto", tmp_path_factory, "ad01")
    assert model.precision == "int8"
    _check_session(board, model, program, tmp_path, n=2)


def test_kws_int8_runs_with_a_smaller_stack_reserve(tmp_path_factory, tmp_path):
    """KWS int8 does not fit the board file as it is (its 4 KiB stack reserve, see
    tests/deploy): with a 3 KiB reserve it links, runs bit-exact and uses a fraction of it."""
    text = load_board("hifive1-revb").source.read_text().replace("stack = 0x1000", "stack = 0x0C00")
    path = tmp_path / "boards" / "hifive1-revb.toml"
    path.parent.mkdir()
    path.write_text(text)
    board = load_board(str(path))
    model, program = _deploy(str(mlperf("kws_ref_model.tflite")), board, "auto", tmp_path_factory, "kws")
    with open_session(board, model, tmp_path, program=program) as s:
        for x in model.inputs(2, seed=1):
            got, answer, _ = s.infer(x)
            assert model.mismatch(got, model.reference(x)) is None and answer.cycles > 1_000_000
        assert s.board.stack_used() < 1024


def test_firmware_at_the_wrong_boot_address_fails_clearly(tmp_path_factory, tmp_path):
    """Linked for the Rev A layout (flash at 0x20400000) on a Rev B: the boot ROM jumps to
    0x20010000, where nothing is; the error says so, within the handshake timeout."""
    text = load_board("hifive1-revb").source.read_text().replace(
        "origin = 0x20010000, length = 0x003F0000", "origin = 0x20400000, length = 0x00400000")
    path = tmp_path / "boards" / "hifive1-revb.toml"
    path.parent.mkdir()
    path.write_text(text)
    board = load_board(str(path))
    model, program = _deploy(MLP, board, "fp32", tmp_path_factory, "wrong-origin")
    start = time.monotonic()
    with pytest.raises(BoardDidNotBoot) as info:
        with open_session(board, model, tmp_path, program=program, boot_timeout=2.0):
            pass
    assert time.monotonic() - start < 2.0 + 5.0  # the timeout, QEMU's start and the diagnosis
    message = str(info.value)
    assert "did not boot" in message and "within 2 s" in message
    assert "entry is 0x20400000" in message and "jumps to 0x20010000" in message
    assert "outside the firmware's code" in message and "instruction access fault" in message


def test_firmware_whose_uart_is_elsewhere_fails_clearly(mlp_fp32, tmp_path_factory, tmp_path):
    """The firmware runs but talks on UART1 while the host listens on UART0 (the board's wiring):
    the error says the CPU is in the firmware and that nothing came over the UART."""
    text = mlp_fp32[0].source.read_text().replace("uart_base = 0x10013000", "uart_base = 0x10023000")
    path = tmp_path / "boards" / "hifive1-revb.toml"
    path.parent.mkdir()
    path.write_text(text)
    board = load_board(str(path))
    model, program = _deploy(MLP, board, "fp32", tmp_path_factory, "wrong-uart")
    with pytest.raises(BoardDidNotBoot, match=r"(?s)0x10023000.*the CPU is at pc 0x[0-9a-f]{8} \(\w+.*"
                                              r"the firmware runs but nothing came over the UART"):
        with open_session(board, model, tmp_path, program=program, boot_timeout=1.5):
            pass


def test_cli_runs_the_hil_suite_on_the_emulated_board(tmp_path):
    """`mcuforge hil --board hifive1-revb --emulate`: the suite, cycles from the board's mcycle."""
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "hil", "--board", "hifive1-revb", "--emulate",
                           "--model", MLP, "-p", "fp32", "-n", "2", "--report", str(report)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "6 passed" in proc.stdout and "the board's counter as QEMU models it" in proc.stdout
    r = json.loads(report.read_text())["hifive1-revb"]
    assert r["device"] == "emulated" and r["precision"] == "fp32" and r["per_inference"] > 0
    cycles = np.array([n for _, n in r["per_layer"]])
    insns = np.array([n for _, n in r["per_layer_instructions"]])
    assert (cycles > 0).all() and (insns >= cycles).all() and sum(cycles) <= r["per_inference"]


def test_cli_refuses_emulation_where_qemu_models_no_soc():
    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "hil", "--board", "nucleo_l4r5zi", "--emulate"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "QEMU models no SoC for nucleo_l4r5zi" in proc.stderr
