"""The float path's compiler driver: imported model -> passes -> kernels C -> memory plan ->
model C library; its CompiledModel is the float side of the one flow (core/flow.py): random
inputs, the framework's reference."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis import count_macs
from ..core import library
from ..core.flow import Compiled, TensorSpec
from ..core.precision import PRECISIONS as ALL_PRECISIONS
from ..core.planner import Buffer, MemoryPlan, StatePlan, plan_greedy_by_size, plan_state
from ..errors import DoesNotFit, McuforgeError
from ..frontend import ImportedModel
from ..passes import run_pipeline
from ..target import Target
from .emit import EmittedFiles, emit, entry_points
from .graph import Graph, read_graph
from .kernels import KernelSource, build_kernels

# the precisions this path compiles (core/precision.py)
PRECISIONS = tuple(p.name for p in ALL_PRECISIONS.values() if p.path == __name__.removeprefix("mcuforge."))
# mcuforge: hand-written kernels bound where their patterns match, TVM's code elsewhere;
# tvm: TVM's generated code for every layer (for comparison).
KERNEL_CHOICES = ("mcuforge", "tvm")
# What fp16 convolutions and dense layers accumulate in (--accumulate). Default: fp16 where the
# target computes in fp16, fp32 where it only converts fp16 (Cortex-M4/M7).
ACCUMULATE_CHOICES = ("fp16", "fp32")


@dataclass
class CompiledModel(Compiled):
    name: str
    target: Target
    precision: str
    kernels: str
    out_dir: Path
    files: EmittedFiles
    graph: Graph = field(repr=False)
    plan: MemoryPlan = field(repr=False)
    macs: int
    weight_bytes: int
    compile_seconds: float
    accumulate: str = "fp32"  # fp16 or fp32 (the conv / dense accumulators)
    state: StatePlan = field(default_factory=StatePlan, repr=False)  # kept between calls, beside the arena
    model: ImportedModel | None = field(default=None, repr=False)  # what was compiled (its reference)

    @property
    def sources(self) -> list[Path]:
        return self.files.sources

    @property
    def input(self) -> TensorSpec:
        return TensorSpec(tuple(self.graph.input.shape), self.graph.input.dtype)

    @property
    def output(self) -> TensorSpec:
        return TensorSpec(tuple(self.graph.output.shape), self.graph.output.dtype)

    @property
    def layer_names(self) -> list[str]:
        return [s.kernel for s in self.graph.steps]

    @property
    def mac_dtype(self) -> str:
        """fp16 models with fp32 accumulation use fp32 FMAs."""
        return "fp16" if self.precision == "fp16" and self.accumulate == "fp16" else "fp32"

    @property
    def reference_note(self) -> str | None:
        return self.model.reference_note

    def random_inputs(self, n: int, seed: int = 0) -> np.ndarray:
        """n inputs of the model's shape, uniform in [-1, 1], reproducible (float32; the target
        gets them in its input type)."""
        return random_inputs(self.model, n, seed)

    def reference(self, inputs: np.ndarray, reset_before: int | None = None) -> np.ndarray | None:
        parts = [inputs] if reset_before is None else [inputs[:reset_before], inputs[reset_before:]]
        references = [self.model.reference_outputs(np.asarray(part, np.float32)) for part in parts if len(part)]
        if any(r is None for r in references):
            return None
        return np.asarray(np.concatenate(references), np.float64).reshape(len(inputs), *self.output.shape)


def compile_file(model: str, target: Target, precision: str, out_dir: Path, kernels: str = "mcuforge",
                 accumulate: str | None = None, hop: int | None = None) -> CompiledModel:
    """The float path of core.flow.compile: load `model` with its framework and compile it."""
    from ..frontend import load_model

    if hop is not None:
        raise McuforgeError(f"--stream: streaming {precision} models is not built yet; int8 models stream",
                            hint=f"quantize the model (`mcuforge quantize`) and stream the .mfq")

    if kernels == "ref":
        raise McuforgeError("--kernels ref is for the integer path", hint="float models: --kernels mcuforge or tvm")
    return compile_model(load_model(model), target, precision, out_dir, kernels=kernels, accumulate=accumulate)


def _check_precision(target: Target, precision: str) -> None:
    if precision not in PRECISIONS:
        raise McuforgeError(f"unknown precision {precision!r}", hint=f"choose one of {', '.join(PRECISIONS)}")
    if precision == "fp16" and not target.has("fpu"):
        raise McuforgeError(f"{target.name} has no floating-point unit; --precision fp16 needs one",
                            hint="use fp32 (software float) or a target with an FPU")


def _check_kernels(kernels: str) -> None:
    if kernels not in KERNEL_CHOICES:
        raise McuforgeError(f"unknown kernels {kernels!r}", hint=f"choose one of {', '.join(KERNEL_CHOICES)}")


def _accumulation(target: Target, precision: str, accumulate: str | None) -> str:
    """The accumulator type of convolutions and dense layers: fp32 for fp32 models; for fp16
    `accumulate`, by default fp16 where the target computes in fp16, fp32 where it only converts."""
    if accumulate is not None and accumulate not in ACCUMULATE_CHOICES:
        raise McuforgeError(f"unknown accumulate {accumulate!r}", hint=f"choose one of {', '.join(ACCUMULATE_CHOICES)}")
    if precision != "fp16":
        if accumulate == "fp16":
            raise McuforgeError(f"--accumulate fp16 is for fp16 models, not {precision}",
                                hint="use --precision fp16, or leave --accumulate out")
        return "fp32"
    if accumulate == "fp16" and not target.has("fp16"):
        raise McuforgeError(f"{target.name} has no fp16 arithmetic (it only converts fp16); "
                            "--accumulate fp16 needs it", hint="use --accumulate fp32 (the default there) "
                            "or a target with fp16 arithmetic")
    return accumulate or ("fp16" if target.has("fp16") else "fp32")


def _pipeline_name(precision: str, kernels: str, accumulate: str) -> str:
    """fp16 with fp32 accumulation: "fp16-acc32" (its bound conv2d / dense are the _f16_acc32
    kernels)."""
    name = "fp16-acc32" if precision == "fp16" and accumulate == "fp32" else precision
    return f"{name}+mcuforge" if kernels == "mcuforge" else name


def _buffers(graph: Graph, kernels: KernelSource) -> list[Buffer]:
    last_use: dict[int, int] = {}  # by storage: a use of a view is a use of its base
    for step in graph.steps:
        for t in step.args:
            last_use[t.storage.id] = step.index
    for _, value in graph.updates:  # a state's next value is copied into the state after the last step
        last_use[value.storage.id] = len(graph.steps) - 1
    buffers = []
    for step in graph.steps:
        out = step.args[-1]
        if out.kind == "buffer":
            buffers.append(Buffer(f"t{out.id}", out.nbytes, step.index, last_use[out.id]))
        ws = step.bound.scratch if step.bound else kernels.workspace.get(KernelSource.symbol(step.kernel), 0)
        if ws:
            buffers.append(Buffer(f"ws{step.index}", ws, step.index, step.index))
    return buffers


def compile_model(model: ImportedModel, target: Target, precision: str = "fp32",
                  out_dir: Path | str = "out", kernels: str = "mcuforge",
                  accumulate: str | None = None) -> CompiledModel:
    """Compile to a C library in `out_dir`: model.h, model.c, weights.c, kernels.c (TVM's
    kernels), mf_tvm_abi.h, the bound mcuforge kernels with their headers, plus plan.txt (the
    memory plan) and compile.json (figures). kernels="tvm" binds none (TVM's code throughout).
    accumulate (fp16 models): "fp16" or "fp32" accumulators in convolutions and dense layers;
    None: fp16 where the target computes in fp16, fp32 where it only converts."""
    _check_precision(target, precision)
    _check_kernels(kernels)
    accumulate = _accumulation(target, precision, accumulate)
    start = time.perf_counter()
    out = Path(out_dir)
    macs = count_macs(model.mod)
    mod = run_pipeline(model.mod, _pipeline_name(precision, kernels, accumulate))
    graph = read_graph(mod, tuple(s.initial for s in model.state))
    weight_bytes = sum(t.nbytes for t in graph.tensors if t.kind == "const")
    if weight_bytes > target.memory.flash.length:
        raise DoesNotFit(f"{model.name}: the weights take {weight_bytes:,} B, more than the "
                         f"{target.memory.flash.length:,} B of flash of {target.name}",
                         region="FLASH", overflow=weight_bytes - target.memory.flash.length,
                         hint="use a smaller model, int8 weights, or a target with more flash")
    tvm_kernels = build_kernels(mod)
    plan = plan_greedy_by_size(_buffers(graph, tvm_kernels), len(graph.steps))
    state = plan_state({f"t{t.id}": t.nbytes for t in graph.states})
    ram_for_arena = target.memory.ram.length - target.memory.stack
    if plan.arena_size + state.size > ram_for_arena:
        kept = f" and the state {state.size:,} B" if state.size else ""
        raise DoesNotFit(f"{model.name}: the activation arena takes {plan.arena_size:,} B{kept}, more than the "
                         f"{ram_for_arena:,} B of RAM {target.name} has beside its stack",
                         region="RAM", overflow=plan.arena_size + state.size - ram_for_arena,
                         hint="use a smaller input or model, or a target with more RAM")
    files = emit(graph, tvm_kernels, plan, out, model.name, target, state, precision)
    library.write_plan(out, plan, state)
    seconds = time.perf_counter() - start
    compiled = CompiledModel(model.name, target, precision, kernels, out, files, graph, plan, macs, weight_bytes,
                             seconds, accumulate, state, model)
    library.write_compile_json(compiled, model.source, sum(1 for s in graph.steps if s.bound), entry_points(graph))
    return compiled


def random_inputs(model: ImportedModel, n: int, seed: int = 0) -> np.ndarray:
    """n inputs of the model's shape, uniform in [-1, 1], reproducible."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n, *model.input.shape)).astype(np.float32)


