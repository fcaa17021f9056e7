"""The integer compiler driver: QGraph -> memory plan -> C library; and the integer run:
built for a target, run in QEMU on int8 inputs, compared with the integer host reference."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..build import Program
from ..codegen.planner import Buffer, MemoryPlan, Overlap, plan_greedy_by_size
from ..errors import DoesNotFit, UnsupportedOp
from ..sim import run_program
from ..target import Target
from .emit import KERNELS, emit_int8, scratch_bytes, storage, stored_weights
from .graph import QGraph
from .inplace import lag
from .lower import lower_for_target
from .tflite_int8 import run_reference


@dataclass
class CompiledInt8:
    name: str
    target: Target
    out_dir: Path
    graph: QGraph = field(repr=False)
    plan: MemoryPlan = field(repr=False)
    sources: list[Path]
    macs: int
    weight_bytes: int  # the weight arrays as stored in flash (packed when sub-8-bit)
    compile_seconds: float
    precision: str = "int8"


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


def compile_int8(graph: QGraph, name: str, target: Target, out_dir: Path | str) -> CompiledInt8:
    start = time.perf_counter()
    out = Path(out_dir)
    if graph.input.shape[:1] != (1,):
        raise UnsupportedOp(f"{name}: the input has a batch of {graph.input.shape[0]}; the integer kernels "
                            "compute one sample per call",
                            hint="export the model with a batch of 1 and call it once per sample")
    graph = lower_for_target(graph, target)
    weight_bytes = sum(stored_weights(op, target).nbytes for op in graph.ops if "weights" in op.params)
    if weight_bytes > target.memory.flash.length:
        raise DoesNotFit(f"{name}: the weights take {weight_bytes:,} B, more than the "
                         f"{target.memory.flash.length:,} B of flash of {target.name}",
                         region="FLASH", overflow=weight_bytes - target.memory.flash.length)
    layers = [op for op in graph.ops if op.kind in KERNELS]
    buffers = _buffers(graph, target)
    plan = plan_greedy_by_size(buffers, len(layers), _overlaps(graph, buffers))
    sources = emit_int8(graph, plan, target, out, name)
    (out / "plan.txt").write_text(plan.render_ascii() + "\n")
    (out / "compile.json").write_text(json.dumps({
        "model": name, "target": target.name, "precision": "int8", "macs": graph.macs(),
        "weight_bytes": weight_bytes, "arena_bytes": plan.arena_size, "naive_bytes": plan.naive_size,
        "layers": [op.kind for op in layers]}, indent=2) + "\n")
    return CompiledInt8(name, target, out, graph, plan, sources, graph.macs(), weight_bytes,
                        time.perf_counter() - start)


@dataclass
class Int8Run:
    outputs: np.ndarray  # int8, (N, *output shape), from the target
    reference: np.ndarray  # int8, the integer host reference on the same inputs
    insns_per_inference: list[int]  # QEMU's counts (LMUL-weighted); empty on the host target
    layer_insns: list[int] | None
    program: Program = field(repr=False)
    stack_used: int
    seconds_per_inference: list[float] = field(default_factory=list)  # the host target: wall time

    @property
    def mismatches(self) -> int:
        """Inputs whose output differs from the host reference in any element."""
        n = len(self.outputs)
        return int(np.sum(np.any(self.outputs.reshape(n, -1) != self.reference.reshape(n, -1), axis=1)))


def random_int8_inputs(graph: QGraph, n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, (n, *graph.input.shape), dtype=np.int8)


def run_int8(compiled: CompiledInt8, inputs: np.ndarray, work: Path, profile: bool = False,
             timeout: float = 600) -> Int8Run:
    from ..compiler import build_model_program, input_bytes, region_insns

    program = build_model_program(compiled, inputs, work)
    result = run_program(program, timeout=timeout, stdin=input_bytes(compiled, inputs)).check()
    shape = compiled.graph.output.shape
    outputs = np.stack([np.array([int(w, 16) for w in result.records[f"y{n}"].split(",")], np.uint8)
                        .view(np.int8).reshape(shape) for n in range(len(inputs))])
    reference = np.stack([run_reference(compiled.graph, x) for x in inputs])
    layers = None
    if profile and result.counts is not None:  # per-layer instruction counts (none on the host)
        prof = run_program(build_model_program(compiled, inputs[:1], work, profile=True), timeout=timeout).check()
        layers = [r[1] for r in prof.counts.regions]
    return Int8Run(outputs, reference, region_insns(result), layers, program, result.stack_used or 0,
                   seconds_per_inference=[ns / 1e9 for ns in result.wall_ns])
