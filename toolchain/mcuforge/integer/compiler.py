"""The integer path's compiler driver: QGraph -> memory plan -> C library. Its CompiledInt8 is
the integer side of the one flow (core/flow.py): random int8 inputs, the integer host reference
(the specification the C matches bit for bit), TFLite Micro as an oracle."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import library
from ..core.flow import Compiled, TensorSpec
from ..core.planner import Buffer, MemoryPlan, Overlap, StatePlan, plan_greedy_by_size, plan_state
from ..errors import DoesNotFit, McuforgeError, UnsupportedOp
from ..target import Target
from .emit import KERNELS, emit_int8, entry_points, scratch_bytes, storage, stored_weights
from .graph import QGraph
from .inplace import lag
from .lower import lower_for_target
from .tflite_int8 import run_reference_batch


@dataclass
class CompiledInt8(Compiled):
    name: str
    target: Target
    out_dir: Path
    graph: QGraph = field(repr=False)
    plan: MemoryPlan = field(repr=False)
    files: list[Path]
    macs: int
    weight_bytes: int  # the weight arrays as stored in flash (packed when sub-8-bit)
    compile_seconds: float
    kernels: str = "mcuforge"  # or ref: the portable kernels instead of the target's ISA variants
    source: str = ""  # the file compiled (.tflite, .mfq), where there is one
    precision: str = "int8"
    accumulate: str = "int32"
    state: StatePlan = field(default_factory=StatePlan, repr=False)
    stream: object = field(default=None, repr=False)  # stream/integer.py's StreamedInt8, for a stream

    @property
    def sources(self) -> list[Path]:
        return self.files

    @property
    def input(self) -> TensorSpec:
        return TensorSpec(tuple(self.graph.input.shape), "int8")

    @property
    def output(self) -> TensorSpec:
        return TensorSpec(tuple(self.graph.output.shape), "int8")

    @property
    def layer_names(self) -> list[str]:
        return [op.kind for op in self.graph.ops if op.kind in KERNELS]

    @property
    def reference_name(self) -> str:
        return "the integer host reference" if self.stream is None else "full-window inference (integer reference)"

    def random_inputs(self, n: int, seed: int = 0) -> np.ndarray:
        return random_int8_inputs(self.graph, n, seed)

    def reference(self, inputs: np.ndarray, reset_before: int | None = None) -> np.ndarray:
        """The integer host reference, batched; for a stream, full-window inference over the
        window ending at each call (from silence; reset_before=k: the stream starts again at k)."""
        if self.stream is None:
            return run_reference_batch(self.graph, inputs)
        parts = [inputs] if reset_before is None else [inputs[:reset_before], inputs[reset_before:]]
        return np.concatenate([self.stream.reference(p) for p in parts if len(p)])

    def oracle(self, name: str, inputs: np.ndarray) -> np.ndarray:
        from .tflm import tflm_outputs

        if name != "tflite-micro":
            raise McuforgeError(f"unknown --check {name!r}", hint="the one oracle today: --check tflite-micro")
        if not self.source.lower().endswith(".tflite"):
            raise McuforgeError("--check tflite-micro needs the .tflite file itself")
        return tflm_outputs(Path(self.source), inputs)


def _buffers(graph: QGraph, target: Target) -> list[Buffer]:
    """The activations, each alive from the layer that writes it to the last that reads it, and
    the kernels' scratch (s<op index>), alive during its own layer."""
    out_root = storage(graph, graph.output).id
    layers = [op for op in graph.ops if op.kind in KERNELS]
    first, last = {}, {}
    for n, op in enumerate(layers):
        for t in op.inputs:
            last[storage(graph, t).id] = n
        root = storage(graph, op.output).id
        first.setdefault(root, n)
    nbytes = {t.id: t.nbytes for t in graph.tensors}
    scratch = [Buffer(f"s{graph.ops.index(op)}", scratch_bytes(op, target), n, n) for n, op in enumerate(layers)
               if scratch_bytes(op, target)]
    return [Buffer(f"t{tid}", nbytes[tid], first[tid], last.get(tid, first[tid]))
            for tid in first if tid not in (out_root, graph.input.id)] + scratch


def _overlaps(graph: QGraph, buffers: list[Buffer]) -> tuple[Overlap, ...]:
    """Layers that may write their output over an input that dies with them (inplace.py)."""
    alive = {b.name: b for b in buffers}
    layers = [op for op in graph.ops if op.kind in KERNELS]
    found = []
    for n, op in enumerate(layers):
        out = alive.get(f"t{storage(graph, op.output).id}")
        distance = lag(op)
        if out is None or distance is None:
            continue
        for t in op.inputs:
            inp = alive.get(f"t{storage(graph, t).id}")
            if inp is not None and inp.last == n:
                found.append(Overlap(inp.name, out.name, distance))
                break
    return tuple(found)


def compile_int8(graph: QGraph, name: str, target: Target, out_dir: Path | str, kernels: str = "mcuforge",
                 source: str = "", hop: int | None = None) -> CompiledInt8:
    """Compile an integer graph for `target`. kernels "ref": the portable kernels instead of the
    target's ISA variants (the baseline they are measured against). hop: compile the model as
    a stream fed `hop` new frames a call (stream/)."""
    if kernels not in ("mcuforge", "ref"):
        raise McuforgeError(f"unknown kernels {kernels!r} for int8 models",
                            hint="mcuforge (the target's ISA variants) or ref (the portable kernels)")
    if kernels == "ref":
        target = dataclasses.replace(target, kernel_variants=("ref",))
    start = time.perf_counter()
    out = Path(out_dir)
    if graph.input.shape[:1] != (1,):
        raise UnsupportedOp(f"{name}: the input has a batch of {graph.input.shape[0]}; the integer kernels "
                            "compute one sample per call",
                            hint="export the model with a batch of 1 and call it once per sample")
    stream = None
    if hop is not None:
        from ..stream.integer import stream_int8

        stream = stream_int8(graph, hop, source or name)
        graph = stream.graph
    graph = lower_for_target(graph, target)
    weight_bytes = sum(stored_weights(op, target).nbytes for op in graph.ops if "weights" in op.params)
    if weight_bytes > target.memory.flash.length:
        raise DoesNotFit(f"{name}: the weights take {weight_bytes:,} B, more than the "
                         f"{target.memory.flash.length:,} B of flash of {target.name}",
                         region="FLASH", overflow=weight_bytes - target.memory.flash.length)
    layers = [op for op in graph.ops if op.kind in KERNELS]
    buffers = _buffers(graph, target)
    plan = plan_greedy_by_size(buffers, len(layers), _overlaps(graph, buffers))
    state = StatePlan() if stream is None else plan_state({f.name: f.nbytes for f in stream.feeds.values()})
    files = emit_int8(graph, plan, target, out, name, stream, state)
    library.write_plan(out, plan, state)
    compiled = CompiledInt8(name, target, out, graph, plan, files, graph.macs(), weight_bytes,
                            time.perf_counter() - start, kernels, source, state=state, stream=stream)
    library.write_compile_json(compiled, source, len(layers), entry_points(graph, stream))
    return compiled


def compile_file(model: str, target: Target, precision: str, out_dir: Path, kernels: str = "mcuforge",
                 accumulate: str | None = None, hop: int | None = None) -> CompiledInt8:
    """The integer path of core.flow.compile: an int8 .tflite or .mfq file."""
    from .serialize import load_qgraph
    from .tflite_int8 import read_int8_tflite

    if accumulate is not None:
        raise McuforgeError("--accumulate is for fp16 models; int8 models accumulate in int32")
    if kernels == "tvm":
        raise McuforgeError("--kernels tvm: the integer path has no TVM code",
                            hint="--kernels ref compiles the portable reference kernels, for comparison")
    path = Path(model)
    if not path.is_file():
        raise McuforgeError(f"model file not found: {model}")
    graph = load_qgraph(path) if model.lower().endswith(".mfq") else read_int8_tflite(path)
    return compile_int8(graph, path.stem, target, out_dir, kernels, model, hop)


def random_int8_inputs(graph: QGraph, n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, (n, *graph.input.shape), dtype=np.int8)
