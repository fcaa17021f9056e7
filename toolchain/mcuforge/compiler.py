"""The compiler driver: imported model -> passes -> kernels C -> memory plan -> model C library,
and the model runner: that library + a harness, built for a target, run in QEMU on inputs,
compared with the model's own framework."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analysis import count_macs
from .build import Program, build_program
from .codegen.emit import EmittedFiles, emit
from .codegen.graph import Graph, read_graph
from .codegen.kernels import KernelSource, build_kernels
from .codegen.planner import Buffer, MemoryPlan, StatePlan, plan_greedy_by_size, plan_state
from .errors import DoesNotFit, McuforgeError
from .frontend import ImportedModel
from .passes import run_pipeline
from .paths import FIRMWARE_DIR
from .sim import run_program
from .target import Target

PRECISIONS = ("fp32", "fp16")
# mcuforge: hand-written kernels bound where their patterns match, TVM's code elsewhere;
# tvm: TVM's generated code for every layer (for comparison).
KERNEL_CHOICES = ("mcuforge", "tvm")
# What fp16 convolutions and dense layers accumulate in (--accumulate). Default: fp16 where the
# target computes in fp16, fp32 where it only converts fp16 (Cortex-M4/M7).
ACCUMULATE_CHOICES = ("fp16", "fp32")
# Largest accepted max|target - reference| / max|reference|. fp32: only the order of float
# additions differs from the framework. fp16: storage and arithmetic in binary16 (unit
# roundoff 2^-11 ~ 4.9e-4) through every layer, or fp16 storage with fp32 accumulation
# (--accumulate fp32), which stays within the same bound; see the bounds table in docs/compiler.md.
TOLERANCE = {"fp32": 1e-5, "fp16": 3e-2}
HARNESS = FIRMWARE_DIR / "harness" / "model_main.c"


@dataclass
class CompiledModel:
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

    @property
    def sources(self) -> list[Path]:
        return self.files.sources


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
    files = emit(graph, tvm_kernels, plan, out, model.name, target, state)
    (out / "plan.txt").write_text(plan.render_ascii() + "\n" + (state.render_ascii() + "\n" if graph.states else ""))
    seconds = time.perf_counter() - start
    compiled = CompiledModel(model.name, target, precision, kernels, out, files, graph, plan, macs, weight_bytes,
                             seconds, accumulate, state)
    (out / "compile.json").write_text(json.dumps({
        "model": model.name, "source": model.source, "target": target.name, "precision": precision,
        "kernels": kernels, "accumulate": accumulate, "bound_layers": sum(1 for s in graph.steps if s.bound),
        "macs": macs, "weight_bytes": weight_bytes, "arena_bytes": plan.arena_size, "state_bytes": state.size,
        "naive_bytes": plan.naive_size, "layers": [s.kernel for s in graph.steps],
        "input_shape": list(model.input.shape), "output_shape": list(model.output.shape),
    }, indent=2) + "\n")
    return compiled


# ---------------------------------------------------------------------------------------------
# Running a compiled model in the simulator


@dataclass
class ModelRun:
    outputs: np.ndarray  # (N, *output shape), what the target computed
    reference: np.ndarray | None  # the framework's outputs on the same inputs (None: no framework runs it)
    insns_per_inference: list[int]  # QEMU's counts (LMUL-weighted); empty on the host target
    layer_insns: list[int] | None
    program: Program = field(repr=False)
    stack_used: int
    seconds_per_inference: list[float] = field(default_factory=list)  # the host target: wall time

    @property
    def checked(self) -> bool:
        return self.reference is not None

    @property
    def max_abs_error(self) -> float:
        """NaN when unchecked."""
        if self.reference is None:
            return float("nan")
        return float(np.max(np.abs(self.outputs.astype(np.float64) - self.reference)))

    @property
    def max_rel_error(self) -> float:
        """max |target - reference| / max |reference|, over all inputs and outputs (NaN when unchecked)."""
        if self.reference is None:
            return float("nan")
        return self.max_abs_error / max(float(np.max(np.abs(self.reference))), 1e-30)

    @property
    def top1_agreement(self) -> float:
        if self.reference is None:
            return float("nan")
        n = len(self.outputs)
        got = self.outputs.reshape(n, -1).argmax(axis=1)
        return float(np.mean(got == self.reference.reshape(n, -1).argmax(axis=1)))


def _inputs_header(inputs: np.ndarray, dtype: str, on_stdin: bool) -> str:
    """inputs.h: the inputs as a const array, or (on_stdin, the host target) only their number."""
    if on_stdin:
        return f"#define MF_INPUTS {len(inputs)}\n#define MF_INPUTS_ON_STDIN 1\n"
    words = inputs.astype(dtype).reshape(len(inputs), -1)
    view = words.view({4: np.uint32, 2: np.uint16, 1: np.uint8}[words.dtype.itemsize])
    ctype = {4: "uint32_t", 2: "uint16_t", 1: "uint8_t"}[words.dtype.itemsize]
    rows = []
    for row in view:
        rows.append("{" + ",".join(f"0x{int(w):x}" for w in row) + "}")
    return (f"#include <stdint.h>\n#define MF_INPUTS {len(inputs)}\n"
            f"static const {ctype} mf_inputs[MF_INPUTS][{view.shape[1]}] __attribute__((aligned(16))) = {{\n"
            + ",\n".join(rows) + "\n};\n")


def build_model_program(compiled: CompiledModel, inputs: np.ndarray, work: Path, profile: bool = False,
                        reset_before: int | None = None) -> Program:
    """The harness and the model for `compiled`'s target, running `inputs` as one sequence
    (reset_before=k: the state reset before input k)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "inputs.h").write_text(_inputs_header(inputs, compiled.graph.input.dtype, compiled.target.is_host))
    defines = {"MF_MODEL_PROFILE": None} if profile else {}
    if reset_before is not None:
        defines["MF_RESET_BEFORE"] = reset_before
    return build_program(compiled.target, [HARNESS, *compiled.sources], work / ("profile" if profile else "run"),
                         name=compiled.name.replace(".", "_"), include_dirs=[compiled.out_dir, work],
                         defines=defines)


def run_model(compiled: CompiledModel, model: ImportedModel, inputs: np.ndarray, work: Path,
              profile: bool = True, timeout: float = 300, reset_before: int | None = None) -> ModelRun:
    """Run `inputs` in order on the target (a model with state carries it from one to the next;
    reset_before=k resets it before input k) and the framework's reference on the same sequence."""
    program = build_model_program(compiled, inputs, work, reset_before=reset_before)
    result = run_program(program, timeout=timeout, stdin=input_bytes(compiled, inputs)).check()
    dtype = np.dtype(compiled.graph.output.dtype)
    outputs = []
    for n in range(len(inputs)):
        words = [int(w, 16) for w in result.records[f"y{n}"].split(",")]
        outputs.append(np.array(words, dtype=np.uint32).astype(np.uint16 if dtype == np.float16 else np.uint32)
                       .view(dtype).reshape(compiled.graph.output.shape))
    parts = [inputs] if reset_before is None else [inputs[:reset_before], inputs[reset_before:]]
    references = [model.reference_outputs(part) for part in parts if len(part)]
    reference = None if any(r is None for r in references) else np.concatenate(references)
    if reference is not None:
        reference = np.asarray(reference, np.float64).reshape(len(inputs), *compiled.graph.output.shape)
    layers = None
    if profile and result.counts is not None:  # per-layer instruction counts (none on the host)
        prof = run_program(build_model_program(compiled, inputs[:1], work, profile=True), timeout=timeout).check()
        layers = [r[1] for r in prof.counts.regions]
    return ModelRun(np.stack(outputs), reference, region_insns(result), layers, program, result.stack_used or 0,
                    seconds_per_inference=[ns / 1e9 for ns in result.wall_ns])


def input_bytes(compiled, inputs: np.ndarray) -> bytes | None:
    """The inputs as the harness reads them on the host target's stdin (None elsewhere)."""
    return inputs.astype(compiled.graph.input.dtype).tobytes() if compiled.target.is_host else None


def region_insns(result) -> list[int]:
    """The instructions of each benchmark region (LMUL-weighted); none on the host target."""
    return [r[1] for r in result.counts.regions] if result.counts is not None else []


def random_inputs(model: ImportedModel, n: int, seed: int = 0) -> np.ndarray:
    """n inputs of the model's shape, uniform in [-1, 1], reproducible."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n, *model.input.shape)).astype(np.float32)
