"""Benchmark results as data: a job (model, target, precision, options) runs into a row (its
figures, or a status and the reason: does-not-fit with the region and the excess, a wrong
result, an error), rows are appended to a JSON-lines file keyed by the job and the code's
commit, and tables are rendered from rows. bench/run.py is lists of jobs plus renderers;
sweeps (many jobs, on a cluster) build on the same three pieces.

A failed job is a row, never the end of a run: one model that does not fit a target leaves the
rest of the table standing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .errors import DoesNotFit, McuforgeError
from .paths import ROOT

# The figures a row keeps (report/figures.py's names), and what run_job adds: the outputs'
# digest (to compare two targets' outputs bit for bit), the simulator's wall time for the whole
# run, the code of the hand-written kernels in the program.
FIGURES = ("insns_per_inference", "insns_median", "seconds_per_inference", "macs", "mac_per_insn", "peak_mac_per_insn", "flash",
           "text", "weights", "ram", "arena", "naive", "state", "stack_used", "compile_seconds", "max_rel_error",
           "mismatches_vs_reference", "oracles", "kernels", "accumulate", "outputs_sha256", "run_wall_seconds",
           "kernel_code_bytes")


@dataclass(frozen=True)
class Job:
    model: str  # file.py:factory, .pt2, .onnx, .tflite or .mfq
    target: str
    precision: str = "auto"  # fp32, fp16, int8, or auto (int8 for int8 files)
    kernels: str = "mcuforge"  # or tvm (float), ref (int8)
    accumulate: str | None = None  # fp16 models: fp16 or fp32
    inputs: int = 1  # random inputs checked against the reference
    check: str | None = None  # an oracle the outputs are compared with too (tflite-micro)
    seed: int = 0  # of the random inputs

    @property
    def key(self) -> str:
        return _key(self)

    def run(self, work: Path) -> dict:
        return run_job(self, work)


@dataclass(frozen=True)
class StreamJob(Job):
    """A Job compiled as a stream fed `hop` new frames a call (its inputs: the calls)."""
    hop: int = 64


@dataclass(frozen=True)
class SnnJob(Job):
    """A spiking network (.mfq) stepped `inputs` times on seeded random spikes at `rate` (the
    input's spike rate: 1 - sparsity), with the dense or the event-driven synapses."""
    events: str = "dense"
    rate: float = 0.2

    def run(self, work: Path) -> dict:
        def spikes(compiled):
            rng = np.random.default_rng(self.seed)
            return (rng.random((self.inputs, compiled.input.shape[0])) < self.rate).astype(np.int8)

        return run_job(self, work, {"events": self.events}, spikes)


@dataclass(frozen=True)
class DotJob:
    """A dot product of length n with the target's int8 and fp16 ISA kernels (dotbench.py)."""
    target: str
    n: int

    @property
    def key(self) -> str:
        return _key(self)

    def run(self, work: Path) -> dict:
        from .dotbench import run_dot
        from .target import load_target

        row = {"key": self.key, "job": {"kind": "dot", **dataclasses.asdict(self)}, "code": code_version()}
        try:
            r = run_dot(load_target(self.target), self.n)
        except McuforgeError as exc:
            return {**row, "status": "error", "reason": exc.message}
        right = r.int8_ok and r.fp16_ok is not False
        return {**row, "status": "ok" if right else "wrong", "figures": r.as_dict(),
                "reason": None if right else "a dot product differs from NumPy's"}


@dataclass(frozen=True)
class TrainJob:
    """Training steps of a model's chosen layers on a target (odl/), on seeded random samples
    and labels: instructions per phase, MAC/instr forward and backward, RAM; checked against
    PyTorch's steps."""
    model: str  # file.py:factory
    target: str
    precision: str = "fp32"
    trainable: str = "all"
    steps: int = 2
    batch: int = 1

    @property
    def key(self) -> str:
        return _key(self)

    def run(self, work: Path) -> dict:
        from .odl.compiler import Options, compile_training
        from .odl.flow import TrainingReport, load_graph
        from .odl.graph import select_trainable
        from .odl.run import compare, order_of
        from .target import load_target

        row = {"key": self.key, "job": {"kind": "train", **dataclasses.asdict(self)}, "code": code_version()}
        try:
            graph, _ = load_graph(self.model)
            select_trainable(graph, self.trainable)
            compiled = compile_training(graph, load_target(self.target), self.precision, work / "out",
                                        Options(batch=self.batch))
            rng = np.random.default_rng(0)
            n = self.steps * self.batch
            x = graph.to_nhwc(rng.uniform(-1, 1, (n, *graph.torch_input_shape)).astype(np.float32))
            y = rng.integers(0, graph.output.size, n)
            r = compare(compiled, x, y, order_of(n, self.steps, self.batch), work / "run", timeout=1800)
        except DoesNotFit as exc:
            return {**row, "status": "does-not-fit", "reason": exc.message, "region": exc.region,
                    "overflow": exc.overflow}
        except McuforgeError as exc:
            return {**row, "status": "error", "reason": exc.message}
        figures = TrainingReport(compiled, r, n, None, None, None).as_dict()
        kept = {k: figures[k] for k in ("instructions_per_step", "instructions", "macs", "mac_per_instr", "ram",
                                        "flash", "stack_used", "max_loss_rel_error", "max_param_error")}
        return {**row, "status": "ok" if r.ok else "wrong", "figures": kept,
                "reason": None if r.ok else f"loss {r.loss_error:.2e}, parameters {r.param_error:.2e} from PyTorch's"}


# Samples each path of an EvalJob times (at most the job's inputs): the slow paths get fewer.
EVAL_SAMPLES = {"per_sample": 100, "numpy_batched": 512, "evaluator": 4096, "evaluator_torch": 256,
                "tflite_micro": 500, "litert_builtin_ref": 500}
EVAL_REPEATS = {"numpy_batched": 3, "evaluator": 3}  # best of; the others run once


@dataclass(frozen=True)
class EvalJob:
    """An int8 .tflite model's wall-time throughput (samples/s, on this machine) on the same random
    inputs with the batched evaluator and the other ways to run it, each checked bit for bit
    against the evaluator's outputs."""
    model: str  # an int8 .tflite file
    inputs: int = 4096
    seed: int = 0

    @property
    def key(self) -> str:
        return _key(self)

    def run(self, work: Path) -> dict:
        import torch

        from .evaluate.integer import IntegerEvaluator
        from .integer.tflite_int8 import read_int8_tflite, run_reference, run_reference_batch
        from .integer.tflm import tflm_outputs

        row = {"key": self.key, "job": {"kind": "eval", **dataclasses.asdict(self)}, "code": code_version()}
        try:
            graph = read_int8_tflite(Path(self.model))
            rng = np.random.default_rng(self.seed)
            x = rng.integers(-128, 128, (self.inputs, *graph.input.shape[1:])).astype(np.int8)
            evaluator = IntegerEvaluator(graph)
            evaluator(x[:1])  # warm-up
            torch_path = IntegerEvaluator(graph, macs="gemm", requant="torch")
            torch_path(x[:1])
            paths = {"per_sample": lambda v: np.stack([run_reference(graph, s) for s in v]),
                     "numpy_batched": lambda v: run_reference_batch(graph, v), "evaluator": evaluator,
                     "evaluator_torch": torch_path,
                     "tflite_micro": lambda v: tflm_outputs(Path(self.model), v[:, None]),
                     "litert_builtin_ref": lambda v: _litert_outputs(Path(self.model), v)}
            rates, outputs = {}, {}
            for name, fn in paths.items():
                v = x[:min(EVAL_SAMPLES[name], self.inputs)]
                best = float("inf")
                for _ in range(EVAL_REPEATS.get(name, 1)):
                    start = time.perf_counter()
                    outputs[name] = fn(v).reshape(len(v), -1)
                    best = min(best, time.perf_counter() - start)
                rates[name] = len(v) / best
        except McuforgeError as exc:
            return {**row, "status": "error", "reason": exc.message}
        reference = outputs["evaluator"]
        exact = {name: bool(np.array_equal(out, reference[:len(out)])) for name, out in outputs.items()}
        figures = {"samples_per_s": rates, "samples": {name: len(out) for name, out in outputs.items()},
                   "exact": exact, "evaluator_over": {name: rates["evaluator"] / r for name, r in rates.items()},
                   "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
                   "clock": "wall time (time.perf_counter) on this machine"}
        differ = {name: int((out != reference[:len(out)]).any(1).sum()) for name, out in outputs.items()}
        figures["differ"] = differ
        # LiteRT is measured, not an oracle: its fully connected kernel rounds differently from
        # TFLite Micro's (a last-digit difference on some outputs), so its differences are reported
        wrong = [f"{name} ({differ[name]} of {len(out)} samples)"
                 for name, out in outputs.items() if not exact[name] and name != "litert_builtin_ref"]
        return {**row, "status": "wrong" if wrong else "ok", "figures": figures,
                "reason": f"{', '.join(wrong)} differ from the evaluator's outputs" if wrong else None}


def _litert_outputs(path: Path, inputs: np.ndarray) -> np.ndarray:
    """LiteRT's interpreter with its reference kernels (BUILTIN_REF), one thread, one invoke a sample."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_path=str(path), num_threads=1,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    source, sink = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    outputs = []
    for x in inputs:
        interpreter.set_tensor(source, x[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(sink)[0])
    return np.stack(outputs)


def _key(job) -> str:
    text = json.dumps({"kind": type(job).__name__, **dataclasses.asdict(job)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_version() -> str:
    """The commit the code runs at (with "+changes" when the checkout has uncommitted ones)."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def run_job(job: Job, work: Path, options: dict | None = None, make_inputs: Callable | None = None) -> dict:
    """Compile and run one job on its target; the row, whatever happens (McuforgeErrors become
    rows with their reason). options: the path's own compile options; make_inputs(compiled):
    the inputs, where not the model's seeded random ones."""
    from .build.elf import code_bytes
    from .core.flow import compile, run
    from .report.figures import run_figures
    from .target import load_target

    row = {"key": job.key, "job": dataclasses.asdict(job), "code": code_version()}
    try:
        compiled = compile(job.model, load_target(job.target), job.precision, work / "out", job.kernels,
                           job.accumulate, getattr(job, "hop", None), **(options or {}))
        inputs = make_inputs(compiled) if make_inputs else compiled.random_inputs(job.inputs, job.seed)
        result = run(compiled, inputs, work / "run", timeout=1800, check=job.check)
        figures, right = run_figures(compiled, result), result.ok
        figures["run_wall_seconds"] = result.wall_seconds
        figures["outputs_sha256"] = hashlib.sha256(np.ascontiguousarray(result.outputs).tobytes()).hexdigest()
        kernels = {p.stem for p in compiled.sources if p.name.startswith("mf_")}
        link_map = result.program.elf.with_suffix(".map")
        figures["kernel_code_bytes"] = code_bytes(link_map, kernels) if link_map.is_file() else None
    except DoesNotFit as exc:
        return {**row, "status": "does-not-fit", "reason": exc.message, "region": exc.region,
                "overflow": exc.overflow}
    except McuforgeError as exc:
        return {**row, "status": "error", "reason": exc.message}
    kept = {k: figures[k] for k in FIGURES if k in figures}
    return {**row, "status": "ok" if right else "wrong", "precision": compiled.precision,
            "model_name": compiled.name, "figures": kept, "reason": None if right else result.diff()}


class ResultsFile:
    """Rows appended one JSON line each, as jobs finish; read back whole."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def append(self, row: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")

    def rows(self) -> list[dict]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def latest(self) -> dict[str, dict]:
        """The last row of each job (by key), whatever the code version it ran at."""
        return {r["key"]: r for r in self.rows()}

    def done(self, code: str) -> set[str]:
        """Keys of the jobs that have a row at this code version (what a resumed run skips)."""
        return {r["key"] for r in self.rows() if r.get("code") == code}


Column = tuple[str, Callable[[dict], str]]


def render_markdown(rows: Iterable[dict], columns: list[Column], first: int = 3) -> str:
    """A Markdown table, a line per row; a row that did not run fills the columns after the
    first `first` with its status and reason."""
    lines = ["| " + " | ".join(h for h, _ in columns) + " |",
             "|" + "|".join("---" if i < first else "---:" for i in range(len(columns))) + "|"]
    for row in rows:
        if row["status"] == "ok":
            cells = [fn(row) for _, fn in columns]
        else:
            reason = (row.get("reason") or "").split(": ", 1)[-1]
            cells = [fn(row) for _, fn in columns[:first]] + [f"{row['status']}: {reason}"]
            cells += [""] * (len(columns) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
