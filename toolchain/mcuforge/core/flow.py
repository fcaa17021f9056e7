"""The one compile/run flow, for every precision.

    compile(model, target, precision, out_dir, ...) -> Compiled
    run(compiled, inputs, work, ...)                -> Run

`Compiled` is the interface both paths implement (the float path's CompiledModel, the integer
path's CompiledInt8): what was compiled (sizes, plan, state, layers), random inputs of its
type, a batched reference over a sequence of inputs, and the bound its outputs are held to.
Nothing outside the paths asks which precision a model holds; the CLI, HIL, deploy, report and
the benchmarks all go through here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..build import Program
from ..errors import McuforgeError
from ..target import Target
from .planner import MemoryPlan, StatePlan
from .precision import PRECISIONS, resolve_precision


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    dtype: str  # NumPy's name: float32, float16, int8

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize


class Compiled(ABC):
    """A model compiled to a C library in `out_dir`, by either path."""

    name: str
    target: Target
    precision: str
    kernels: str  # mcuforge, tvm (float) or ref (int8)
    accumulate: str  # what convolutions and dense layers accumulate in: fp32, fp16, int32
    out_dir: Path
    plan: MemoryPlan
    state: StatePlan
    macs: int
    weight_bytes: int
    compile_seconds: float

    @property
    @abstractmethod
    def sources(self) -> list[Path]:
        """The C sources of the library (model.c, weights.c, the kernels)."""

    @property
    @abstractmethod
    def input(self) -> TensorSpec: ...

    @property
    @abstractmethod
    def output(self) -> TensorSpec: ...

    @property
    @abstractmethod
    def layer_names(self) -> list[str]:
        """The kernel of each layer, in the order model.c calls them (the profile's regions)."""

    @abstractmethod
    def random_inputs(self, n: int, seed: int = 0) -> np.ndarray:
        """n inputs of the model's type, reproducible."""

    @abstractmethod
    def reference(self, inputs: np.ndarray, reset_before: int | None = None) -> np.ndarray | None:
        """The reference outputs of `inputs` run as one sequence (a model with state carries it;
        reset_before=k resets it before input k); None where nothing can run the model."""

    @property
    def reference_name(self) -> str:
        return "the framework"

    @property
    def reference_note(self) -> str | None:
        """Why the reference is not the model's own framework, if it is not."""
        return None

    @property
    def mac_dtype(self) -> str:
        """The type of the multiply-accumulates (which peak MAC/instruction applies)."""
        return self.precision

    def oracle(self, name: str, inputs: np.ndarray) -> np.ndarray:
        """The outputs of a second, independent implementation (`--check NAME`)."""
        raise McuforgeError(f"--check {name}: no such check for {self.precision} models")

    @property
    def tolerance(self) -> float:
        return PRECISIONS[self.precision].tolerance

    @property
    def exact(self) -> bool:
        return self.tolerance == 0

    @property
    def stateful(self) -> bool:
        return self.state.size > 0

    @property
    def reset_every(self) -> int | None:
        """A model whose inputs are samples of this many steps, its state reset before each."""
        return None

    def run_extras(self, inputs: np.ndarray) -> dict:
        """Figures of a run that only this kind of model has (a spiking model: its spike rates)."""
        return {}


def compile(model: str, target: Target, precision: str = "auto", out_dir: Path | str = "out",  # noqa: A001
            kernels: str = "mcuforge", accumulate: str | None = None, hop: int | None = None,
            **options) -> Compiled:
    """Compile `model` (file.py:factory, .pt2, .onnx, .tflite, .mfq) for `target` by the path its
    precision takes. kernels: "mcuforge" (the hand-written kernels where they bind), "tvm" (float:
    TVM's code throughout) or "ref" (int8: the portable kernels instead of the target's ISA
    variants); accumulate: fp16 models' accumulators; hop: a stream fed `hop` new frames a call
    (mf_model_push); options: a path's own (spiking: timesteps, trace, events), given only when set."""
    precision = resolve_precision(model, precision)
    options = {k: v for k, v in options.items() if v is not None}
    return PRECISIONS[precision].compile_file(model, target, Path(out_dir), kernels, accumulate, hop, **options)


# ---------------------------------------------------------------------------------------------
# Checking outputs against a reference


def compare(compiled: Compiled, got: np.ndarray, want: np.ndarray) -> str | None:
    """None when `got` (one or many outputs) is within the model's bound of `want`; else a
    readable diff: the differing elements (bit-exact precisions) or the worst one."""
    if compiled.exact:
        bad = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
        if not len(bad):
            return None
        g, w = got.reshape(-1), want.reshape(-1)
        rows = [f"  [{i}] device {g[i]}, reference {w[i]}" for i in bad[:10]]
        return f"{len(bad)} of {w.size} {compiled.precision} outputs differ:\n" + "\n".join(rows)
    g, w = got.astype(np.float64).reshape(-1), np.asarray(want, np.float64).reshape(-1)
    error = np.max(np.abs(g - w)) / max(float(np.max(np.abs(w))), 1e-30)
    if error <= compiled.tolerance:
        return None
    i = int(np.argmax(np.abs(g - w)))
    return (f"max relative error {error:.3g} > {compiled.tolerance:g} ({compiled.precision}); worst "
            f"[{i}]: device {g[i]:.6g}, reference {w[i]:.6g}")


@dataclass
class Run:
    """Outputs of a compiled model on the target for a sequence of inputs, its reference, and
    what the target measured."""

    compiled: Compiled = field(repr=False)
    outputs: np.ndarray  # (N, *output shape), what the target computed
    reference: np.ndarray | None  # on the same inputs (None: nothing could run the model)
    insns_per_inference: list[int]  # QEMU's counts (LMUL-weighted); empty on the host target
    layer_insns: list[int] | None
    program: Program = field(repr=False)
    stack_used: int
    seconds_per_inference: list[float] = field(default_factory=list)  # the host target: wall time
    oracle_mismatches: dict[str, int] = field(default_factory=dict)  # --check NAME: inputs that differ
    wall_seconds: float = 0.0  # of the simulator (or native) processes, builds left out
    extras: dict = field(default_factory=dict)  # Compiled.run_extras

    @property
    def checked(self) -> bool:
        return self.reference is not None

    def _per_input(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.outputs)
        return self.outputs.reshape(n, -1).astype(np.float64), np.asarray(self.reference, np.float64).reshape(n, -1)

    @property
    def mismatches(self) -> int:
        """Inputs whose output is outside the bound (bit-exact precisions: differs in any
        element; float: max|Δ| over max|reference| of the whole run above the tolerance)."""
        if not self.checked:
            return 0
        got, want = self._per_input()
        if self.compiled.exact:
            return int(np.sum(np.any(got != want, axis=1)))
        scale = max(float(np.max(np.abs(want))), 1e-30)
        return int(np.sum(np.max(np.abs(got - want), axis=1) / scale > self.compiled.tolerance))

    @property
    def max_abs_error(self) -> float:
        """NaN when unchecked."""
        if not self.checked:
            return float("nan")
        got, want = self._per_input()
        return float(np.max(np.abs(got - want)))

    @property
    def max_rel_error(self) -> float:
        """max |target - reference| / max |reference|, over all inputs and outputs (NaN when unchecked)."""
        if not self.checked:
            return float("nan")
        return self.max_abs_error / max(float(np.max(np.abs(self._per_input()[1]))), 1e-30)

    @property
    def top1_agreement(self) -> float:
        if not self.checked:
            return float("nan")
        got, want = self._per_input()
        return float(np.mean(got.argmax(axis=1) == want.argmax(axis=1)))

    @property
    def ok(self) -> bool:
        """Within the bound of the reference and of every oracle (an unchecked run is not wrong)."""
        return self.mismatches == 0 and not any(self.oracle_mismatches.values())

    def diff(self) -> str | None:
        """None when ok; else what differs, readable."""
        parts = []
        if self.checked and self.mismatches:
            first = next(n for n in range(len(self.outputs))
                         if compare(self.compiled, self.outputs[n], self.reference[n]))
            parts.append(f"{self.mismatches} of {len(self.outputs)} inputs differ from "
                         f"{self.compiled.reference_name}; input {first}: "
                         + compare(self.compiled, self.outputs[first], self.reference[first]))
        parts += [f"{n} of {len(self.outputs)} inputs differ from {name}"
                  for name, n in self.oracle_mismatches.items() if n]
        return "\n".join(parts) or None


def run(compiled: Compiled, inputs: np.ndarray, work: Path, profile: bool = False, timeout: float = 600,
        reset_before: int | None = None, check: str | None = None,
        progress: Callable[[int, int], None] | None = None) -> Run:
    """Run `inputs` in order on the compiled model's target (the model's state carried from one
    to the next; reset_before=k resets it before input k), beside its reference on the same
    sequence. profile: also count each layer's instructions on the first input. check: also
    compare with an oracle (e.g. "tflite-micro"). progress(done, total) after each batch of
    inputs run."""
    from .program import run_inputs

    outputs, result_of_first, insns, seconds, wall = run_inputs(compiled, inputs, work, timeout, reset_before, progress)
    layers = None
    if profile and result_of_first.counts is not None:  # per-layer instruction counts (none on the host)
        layers = run_inputs(compiled, inputs[:1], work, timeout, None, None, profile=True)[1].counts.regions
        layers = [r[1] for r in layers]
    oracles = {}
    if check is not None:
        want = compiled.oracle(check, inputs).reshape(outputs.shape)
        oracles[check] = int(np.sum(np.any(outputs.reshape(len(inputs), -1) != want.reshape(len(inputs), -1),
                                           axis=1)))
    reference = compiled.reference(inputs, reset_before)
    if reference is not None:
        reference = np.asarray(reference).reshape(outputs.shape)
    return Run(compiled, outputs, reference, insns, layers, result_of_first.program, result_of_first.stack_used or 0,
               seconds, oracles, wall, compiled.run_extras(inputs))
