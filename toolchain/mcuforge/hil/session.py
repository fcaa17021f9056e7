"""One HIL session: the model both sides agree on (compiled by the host, identified on the device
by its hash), a connected device (a real board over its serial port, the same firmware on a
QEMU board, or a board's own deployed firmware on its SoC as QEMU models it: an emulated
board), and what the suite checks and reports: bit-exact outputs (or within the fp16/fp32
bound), latency per inference and per layer, protocol throughput."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..build import Program
from ..errors import McuforgeError
from ..core.flow import Compiled, compare, compile
from ..target import Target
from .dut import DeviceTimeout, Dut, Inference
from .firmware import build_hil_firmware, model_hash
from .link import LinkClosed, SerialLink
from .qemu_board import QemuBoard


@dataclass
class HilModel:
    """The compiled model (either path) and its host reference."""

    spec: str
    compiled: Compiled = field(repr=False)

    @property
    def precision(self) -> str:
        return self.compiled.precision

    @property
    def hash(self) -> str:
        return model_hash(self.compiled)

    @property
    def layer_names(self) -> list[str]:
        return self.compiled.layer_names

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.compiled.input.shape

    @property
    def output_dtype(self) -> np.dtype:
        return np.dtype(self.compiled.output.dtype)

    def inputs(self, n: int, seed: int = 0) -> np.ndarray:
        """n inputs in the type the device takes."""
        return self.compiled.random_inputs(n, seed).astype(self.compiled.input.dtype)

    def reference(self, x: np.ndarray) -> np.ndarray:
        """The reference output of one input (a model with state: from its state at reset)."""
        want = self.compiled.reference(x[None])
        if want is None:
            raise McuforgeError(f"{self.compiled.reference_note}; the HIL suite compares with a reference",
                                hint="run the HIL suite on a model a framework can run")
        return want.reshape(-1)

    @property
    def stateful(self) -> bool:
        """The model keeps state between calls (its reference is that of a first call)."""
        return self.compiled.stateful

    def decode(self, output: bytes) -> np.ndarray:
        return np.frombuffer(output, dtype=self.output_dtype)

    def mismatch(self, got: np.ndarray, want: np.ndarray) -> str | None:
        """None when the device's output is right; else a readable diff."""
        return compare(self.compiled, got, want)


def prepare_model(spec: str, target: Target, precision: str, work: Path) -> HilModel:
    return HilModel(spec, compile(spec, target, precision, work / "model"))


EMULATE = "emulate"  # the `port` of a board run on its emulated SoC (open_session, hil/conftest.py)
EMULATED_BOOT_TIMEOUT = 5.0  # seconds: the emulated SoC boots in milliseconds once QEMU runs


class BoardDidNotBoot(DeviceTimeout):
    """An emulated board's firmware sent nothing and answered nothing within the handshake
    timeout (wrong boot address, UART never initialised, a fault before the UART was up)."""


def deploy_emulated(spec: str, board: Target, precision: str, work: Path) -> tuple[HilModel, Program]:
    """`mcuforge deploy`'s project for `board` (in work/deploy) and the ELF our toolchain built
    from exactly its files: what an emulated board runs. Raises DoesNotFit as deploy does."""
    from ..deploy.project import generate_project

    if board.emulation is None:
        raise McuforgeError(f"QEMU models no SoC for {board.name} here (no [emulation] in {board.source.name})",
                            hint=f"run the suite on the board: mcuforge hil --board {board.name} --port PORT")
    project = generate_project(spec, board, work / "deploy", precision)
    return HilModel(spec, project.compiled), project.program


@dataclass
class Session:
    target: Target
    model: HilModel
    dut: Dut
    board: QemuBoard | None  # None on a real board

    @property
    def emulated(self) -> bool:
        """A real board's own firmware on its SoC as QEMU models it: latency comes from the
        board's cycle counter as QEMU provides it (and the plugin's instruction counts)."""
        return self.board is not None and self.target.is_board

    def infer(self, x: np.ndarray) -> tuple[np.ndarray, Inference, list[int]]:
        """(output, the device's answer, per-layer instruction counts on QEMU or [])."""
        if self.model.stateful:  # each inference from the state at reset, as its reference
            self.dut.reset_state()
        if self.board is not None:
            self.board.take_regions()
        r = self.dut.infer(np.ascontiguousarray(x).tobytes())
        if r.status != 0:
            raise McuforgeError(f"the model failed on the device in layer {r.status - 1}")
        # LMUL-weighted (equal to the plain count on cores without vectors), as every benchmark here
        insns = [w for _, w in self.board.take_regions()] if self.board is not None else []
        return self.model.decode(r.output), r, insns


@contextlib.contextmanager
def open_session(target: Target, model: HilModel, work: Path, port: str | None = None,
                 timeout: float = 2.0, program: Program | None = None,
                 boot_timeout: float = EMULATED_BOOT_TIMEOUT):
    """A connected session: over `port` to a real board flashed with this model's firmware, or
    (port None) to the target's QEMU board running it. port "qemu-pty" runs the QEMU board on a
    pseudo-terminal and talks to it over the serial-port path a real board takes. With
    `program` (a board's deployed firmware, see deploy_emulated), the board's emulated SoC runs
    it; a firmware that does not boot fails within `boot_timeout` with BoardDidNotBoot."""
    if program is not None:
        if not target.is_board or program.target.name != target.name:
            raise McuforgeError(f"an emulated session runs a board's own firmware; {program.elf} is built for "
                                f"{program.target.name}, not the board {target.name}")
        with QemuBoard(program) as board:
            dut = Dut(board.link, timeout=timeout)
            try:
                dut.connect(boot_timeout=boot_timeout)
            except (DeviceTimeout, LinkClosed) as exc:
                emulation = target.emulation
                raise BoardDidNotBoot(
                    f"the {target.name} firmware did not boot on QEMU's {emulation.machine} within "
                    f"{boot_timeout:g} s (no BOOT event, no answer on the HIL UART at 0x{target.hil.uart_base:08x}): "
                    f"{board.boot_diagnosis()}" + (f"\n{exc}" if isinstance(exc, LinkClosed) else "")
                    + (f"\nit printed: {''.join(dut.logs[-5:])}" if dut.logs else ""),
                    hint=f"check {target.source.name}: [memory] flash origin, [hil] uart_base and setup") from None
            _check_model(dut.info, target, model)
            yield Session(target, model, dut, board)
        return
    if port == "qemu-pty":
        firmware = build_hil_firmware(model.compiled, work / "firmware")
        with QemuBoard(firmware.program, serial="pty") as board, \
                open_session(target, model, work, board.pty_path, timeout) as session:
            session.board = board
            yield session
        return
    if port is not None:
        with SerialLink(port, target.hil.baud if target.hil else 115200) as link:
            dut = Dut(link, timeout=timeout)
            _handshake(dut, target, model)
            yield Session(target, model, dut, None)
        return
    firmware = build_hil_firmware(model.compiled, work / "firmware")
    with QemuBoard(firmware.program) as board:
        dut = Dut(board.link, timeout=timeout)
        _handshake(dut, target, model)
        yield Session(target, model, dut, board)


def _handshake(dut: Dut, target: Target, model: HilModel) -> None:
    _check_model(dut.connect(), target, model)


def _check_model(info, target: Target, model: HilModel) -> None:
    if info.model_hash != model.hash:
        raise McuforgeError(
            f"the board runs model {info.model!r} (hash {info.model_hash}) on {info.board}; the host compiled "
            f"{Path(model.spec).name} for {target.name} as {model.hash}",
            hint=f"flash this model first: mcuforge deploy {model.spec} --board {target.name} --upload")


def throughput(session: Session, seconds: float = 2.0) -> dict:
    """Protocol throughput for this model's input size: inputs sent and outputs read back per
    second without running the model (the link's limit), and with the model run."""
    x = session.model.inputs(1)[0].tobytes()
    figures = {"input_bytes": len(x)}
    for key, run in (("protocol_inputs_per_s", False), ("inferences_per_s", True)):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            session.dut.load_input(x)
            if run:
                session.dut.run()
            session.dut.read_output()
            n += 1
        figures[key] = n / (time.perf_counter() - start)
    figures["payload_bytes_per_s"] = figures["protocol_inputs_per_s"] * len(x)
    if session.board is not None:
        session.board.take_regions()
    return figures
