"""The HIL suite as a pytest plugin: the same tests against a real board over its serial port
(`pytest hil/ --board nucleo_l4r5zi --port /dev/ttyACM0`), against QEMU boards speaking the
same protocol over an emulated UART (`pytest hil/ --sim qemu-cortex-m4`; the default is one
Cortex-M and one RISC-V board), or against a board's own deployed firmware on its SoC as QEMU
models it (`pytest hil/ --board hifive1-revb --emulate`: the board file's [emulation]). Layers: transport (mcuforge.hil.link), device under test
(mcuforge.hil.dut), these tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcuforge.errors import DoesNotFit
from mcuforge.hil.session import EMULATE, deploy_emulated, open_session, prepare_model
from mcuforge.target import load_board, load_target

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIMS = ("qemu-cortex-m4", "qemu-rv32imac")
DEFAULT_MODEL = Path(os.environ.get("MCUFORGE_MLPERF_DIR", ROOT.parent / "shared" / "models" / "mlperf-tiny")) \
    / "kws_ref_model.tflite"
REPORT: dict[str, dict] = {}


def pytest_addoption(parser):
    g = parser.getgroup("hil", "mcuforge hardware-in-the-loop suite")
    g.addoption("--board", help="a real board (targets/boards/BOARD.toml), flashed with `mcuforge deploy --upload`")
    g.addoption("--port", help="the board's serial port, e.g. /dev/ttyACM0 (or any pyserial URL); 'qemu-pty' "
                               "runs a simulated target's QEMU board on a pseudo-terminal as if it were a board")
    g.addoption("--emulate", action="store_true",
                help="run --board's deployed firmware (mcuforge deploy's project) on its SoC as QEMU models it")
    g.addoption("--sim", action="append", default=[],
                help=f"a simulated target (repeatable); default: {', '.join(DEFAULT_SIMS)}")
    g.addoption("--hil-model", help=f"the model (default: {DEFAULT_MODEL.name} from shared/models/mlperf-tiny)")
    g.addoption("--hil-precision", default="auto", help="auto, int8, fp32 or fp16")
    g.addoption("--hil-inputs", type=int, default=10, help="random inputs for the bit-exactness test")
    g.addoption("--hil-timeout", type=float, default=2.0, help="seconds to wait for one answer")
    g.addoption("--hil-report", help="write the latency and throughput report (JSON) to this file")


def _devices(config) -> list[tuple[str, str | None]]:
    board, port, sims = config.getoption("--board"), config.getoption("--port"), config.getoption("--sim")
    if config.getoption("--emulate"):
        if not board or port or sims:
            raise pytest.UsageError("--emulate takes a --board (no --port, no --sim): the board's emulated SoC")
        return [(board, EMULATE)]
    if bool(board) != bool(port):
        raise pytest.UsageError("--board and --port go together (a real board on a serial port)")
    if board:
        return [(board, port)]
    return [(name, None) for name in (sims or DEFAULT_SIMS)]


def pytest_generate_tests(metafunc):
    if "hil" in metafunc.fixturenames:
        devices = _devices(metafunc.config)
        metafunc.parametrize("hil", devices, indirect=True, scope="session",
                             ids=[name for name, _ in devices])


@pytest.fixture(scope="session")
def hil(request, tmp_path_factory):
    """A connected Session (mcuforge.hil.session) with the suite's model on the device."""
    name, port = request.param
    config = request.config
    spec = config.getoption("--hil-model")
    if spec is None:
        if not DEFAULT_MODEL.is_file():
            message = f"the default HIL model {DEFAULT_MODEL} is missing; give --hil-model"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        spec = str(DEFAULT_MODEL)
    target = load_board(name) if port not in (None, "qemu-pty") else load_target(name)
    work = tmp_path_factory.mktemp(f"hil-{name}")
    program = None
    if port == EMULATE:  # the deploy project's own ELF on the board's emulated SoC
        try:
            model, program = deploy_emulated(spec, target, config.getoption("--hil-precision"), work)
        except DoesNotFit as exc:  # no test can run: say it once and stop
            hint = exc.hint or "give a smaller model with --model"
            pytest.exit(f"{Path(spec).name} does not fit {target.name}: {exc.message}; {hint}", returncode=2)
        port = None
    else:
        model = prepare_model(spec, target, config.getoption("--hil-precision"), work)
    with open_session(target, model, work, port, timeout=config.getoption("--hil-timeout"),
                      program=program) as session:
        device = "emulated" if session.emulated else "qemu" if session.board is not None else "board"
        REPORT.setdefault(name, {"model": Path(spec).name, "precision": model.precision, "device": device})
        yield session


@pytest.fixture
def report(hil):
    return REPORT[hil.target.name]


def pytest_terminal_summary(terminalreporter, config):
    if not REPORT:
        return
    w = terminalreporter
    w.section("HIL report")
    for name, r in REPORT.items():
        unit = {"qemu": "instructions (QEMU plugin, LMUL-weighted on vector cores)",
                "emulated": "cycles (the board's counter as QEMU models it: one per instruction under -icount)",
                }.get(r["device"], "cycles (on-device counter)")
        w.write_line(f"{name}: {r['model']} ({r['precision']}), latency in {unit}")
        if "per_inference" in r:
            w.write_line(f"  per inference: {r['per_inference']:,}")
            insns = [n for _, n in r.get("per_layer_instructions", [])]  # an emulated board: the plugin's too
            for i, (layer, n) in enumerate(r.get("per_layer", [])):
                w.write_line(f"    {layer:<24} {n:>12,}" + (f"   ({insns[i]:,} instructions)" if insns else ""))
        if "throughput" in r:
            t = r["throughput"]
            w.write_line(f"  protocol: {t['protocol_inputs_per_s']:.1f} inputs/s of {t['input_bytes']} B "
                         f"({t['payload_bytes_per_s'] / 1024:.1f} KiB/s payload); with inference "
                         f"{t['inferences_per_s']:.1f}/s")
    path = config.getoption("--hil-report")
    if path:
        Path(path).write_text(json.dumps(REPORT, indent=2) + "\n")
