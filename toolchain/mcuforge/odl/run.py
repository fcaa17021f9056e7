"""A training run on the target: the harness (firmware/harness/train_main.c) and the compiled
training library, the samples and their order built in (on the host target: each step's batch on
stdin), run in QEMU or natively; the loss of every step and the trained parameters read back as
exact bit patterns, the instructions of every phase from the simulator's counts; then compared
with PyTorch's run (odl/reference.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..build import build_program
from ..core.program import CODE_ROOM
from ..errors import McuforgeError
from ..paths import FIRMWARE_DIR
from ..sim import run_program
from .compiler import BAD_LABEL, NOT_FINITE, READ_PARAMS_MAX, CompiledTraining
from .reference import TrainingRun, train_reference

HARNESS = FIRMWARE_DIR / "harness" / "train_main.c"
# fp16 training against PyTorch's fp32 run: the loss of each step and the trained parameters,
# relative to their largest magnitude (measured: docs/training.md)
LOSS_BOUND = {"fp32": 1e-4, "fp16": 1e-2}
PARAM_BOUND = {"fp32": 1e-4, "fp16": 2e-2}


class TrainingFailed(McuforgeError):
    """The step function refused a step: a label outside the classes, or a loss that is not finite."""


@dataclass
class DeviceRun:
    losses: np.ndarray  # per step, float64 of the float the device returned
    params: np.ndarray  # trainable parameters after the last step (float32), the C's order
    phases: dict[str, int] = field(default_factory=dict)  # instructions of one step: forward, backward, update
    step_insns: list[int] = field(default_factory=list)
    stack_used: int | None = None
    flash: int = 0
    ram: int = 0
    wall_seconds: float = 0.0


def order_of(n_samples: int, steps: int, batch: int, seed: int = 0) -> np.ndarray:
    """(steps, batch) sample indices: epochs over the samples, each in a fresh seeded shuffle."""
    rng = np.random.default_rng(seed)
    flat: list[int] = []
    while len(flat) < steps * batch:
        flat += list(rng.permutation(n_samples))
    return np.array(flat[:steps * batch], np.int32).reshape(steps, batch)


def samples_that_fit(compiled: CompiledTraining, n: int) -> int:
    """How many distinct samples a program holds beside the model and its code (all of them on
    the host)."""
    if compiled.target.is_host:
        return n
    room = compiled.target.memory.flash.length - compiled.weight_bytes - CODE_ROOM
    return max(1, min(n, room // (compiled.input.nbytes + 4)))


def _data_header(compiled: CompiledTraining, samples: np.ndarray, labels: np.ndarray, order: np.ndarray) -> str:
    if compiled.target.is_host:
        return f"#define MF_STEPS {len(order)}\n#define MF_TRAIN_ON_STDIN 1\n"
    words = np.ascontiguousarray(samples, compiled.input.dtype).reshape(len(samples), -1)
    view = words.view({4: np.uint32, 2: np.uint16}[words.dtype.itemsize])
    ctype = {4: "uint32_t", 2: "uint16_t"}[words.dtype.itemsize]
    rows = ",\n".join("{" + ",".join(f"0x{int(w):x}" for w in row) + "}" for row in view)
    order_rows = ",\n".join("{" + ",".join(str(int(k)) for k in row) + "}" for row in order)
    return (f"#include <stdint.h>\n#define MF_STEPS {len(order)}\n"
            f"static const {ctype} mf_samples[{len(samples)}][{view.shape[1]}] __attribute__((aligned(16))) = {{\n"
            f"{rows}\n}};\n"
            f"static const int32_t mf_labels[{len(labels)}] = {{{','.join(str(int(v)) for v in labels)}}};\n"
            f"static const uint16_t mf_order[{len(order)}][{order.shape[1]}] = {{\n{order_rows}\n}};\n")


def _stdin(compiled: CompiledTraining, samples: np.ndarray, labels: np.ndarray, order: np.ndarray) -> bytes | None:
    if not compiled.target.is_host:
        return None
    x = np.ascontiguousarray(samples, compiled.input.dtype)
    parts = []
    for idx in order:
        parts.append(x[idx].tobytes() + np.asarray(labels[idx], np.int32).tobytes())
    return b"".join(parts)


def _floats(text: str, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    bits = np.array([int(w, 16) for w in text.split(",")], np.uint32)
    return bits.astype({4: np.uint32, 2: np.uint16}[dtype.itemsize]).view(dtype)


def _refused(compiled: CompiledTraining, status: int, step: int, loss: float, labels: np.ndarray,
             order: np.ndarray):
    """The TrainingFailed for a step mf_model_train_step refused with `status`."""
    classes = compiled.graph.output.size
    if status == BAD_LABEL:
        bad = sorted({int(v) for v in np.asarray(labels)[order[step]] if not 0 <= int(v) < classes})
        raise TrainingFailed(f"step {step}: label {', '.join(map(str, bad))} is outside the model's {classes} "
                             "classes; the step was refused", hint=f"labels are class indices 0 .. {classes - 1}")
    if status == NOT_FINITE:
        raise TrainingFailed(f"step {step}: the loss is {loss} (not finite): training diverged, the weights were "
                             "not updated from that step", hint=f"lower the learning rate (it is {compiled.options.lr:g})")
    raise TrainingFailed(f"step {step}: mf_model_train_step returned {status}")


def run_training_over_hil(dut, compiled: CompiledTraining, samples: np.ndarray, labels: np.ndarray,
                          order: np.ndarray) -> DeviceRun:
    """The same run on a device running the HIL firmware with this training library (a board
    deployed with `mcuforge deploy --train`, or a QEMU board): each step's samples and labels sent
    with CALL train_step, the loss read back; then the parameters, READ_PARAMS_MAX at a time."""
    entries = {e.name: i for i, e in enumerate(dut.entry_points())}
    if "train_step" not in entries:
        raise McuforgeError("the device runs a model without a training step",
                            hint="deploy it with `mcuforge deploy --train`")
    x = np.ascontiguousarray(samples, compiled.input.dtype)
    losses = []
    for step, idx in enumerate(order):
        answer = dut.call(entries["train_step"], x[idx].tobytes() + np.asarray(labels[idx], "<i4").tobytes())
        losses.append(float(np.frombuffer(answer.output[:4], "<f4")[0]))
        if answer.status != 0:
            _refused(compiled, answer.status, step, losses[-1], labels, order)
    params, total = [], compiled.trainable_elements
    for offset in range(0, total, READ_PARAMS_MAX):
        count = min(READ_PARAMS_MAX, total - offset)
        answer = dut.call(entries["read_params"], np.array([offset, count], "<u4").tobytes())
        if answer.status != 0:
            raise McuforgeError(f"read_params({offset}, {count}) returned {answer.status}")
        params.append(np.frombuffer(answer.output, compiled.input.dtype)[:count])
    return DeviceRun(np.array(losses, np.float64), np.concatenate(params).astype(np.float32))


def run_training(compiled: CompiledTraining, samples: np.ndarray, labels: np.ndarray, order: np.ndarray,
                 work: Path, timeout: float = 600.0) -> DeviceRun:
    """Run len(order) steps; samples NHWC (n, *input_shape), labels (n,), order (steps, batch)."""
    if order.shape[1] != compiled.options.batch:
        raise McuforgeError(f"the order takes {order.shape[1]} samples a step; the program was compiled for "
                            f"--batch {compiled.options.batch}")
    fits = samples_that_fit(compiled, len(samples))
    if fits < len(samples):
        raise McuforgeError(f"{compiled.name}: {len(samples)} training samples do not fit in the flash of "
                            f"{compiled.target.name} beside the model ({fits} do)",
                            hint=f"use at most {fits} samples (--samples), or -t host")
    work.mkdir(parents=True, exist_ok=True)
    (work / "train_data.h").write_text(_data_header(compiled, samples, labels, order))
    program = build_program(compiled.target, [HARNESS, *compiled.sources], work / "train",
                            name=compiled.name.replace(".", "_") + "_train",
                            include_dirs=[compiled.out_dir, work], defines={"MF_MODEL_PROFILE": None})
    began = time.perf_counter()
    result = run_program(program, timeout=timeout, stdin=_stdin(compiled, samples, labels, order)).check()
    wall = time.perf_counter() - began
    steps = int(result.records.get("failed_step", len(order)))
    losses = np.array([float(_floats(result.records[f"loss{k}"], np.float32)[0])
                       for k in range(min(steps + 1, len(order)))], np.float64)
    if "train_status" in result.records:
        _refused(compiled, int(result.records["train_status"]), steps, losses[-1], labels, order)
    chunks = -(-compiled.trainable_elements // READ_PARAMS_MAX)
    params = np.concatenate([_floats(result.records[f"params{k}"], compiled.input.dtype)
                             for k in range(chunks)]).astype(np.float32)
    per_step = 2 * compiled.options.batch + 1
    regions = [r[0] for r in result.counts.regions] if result.counts is not None else []
    phases, step_insns = {}, []
    if len(regions) == per_step * len(order):
        step_insns = [sum(regions[k * per_step:(k + 1) * per_step]) for k in range(len(order))]
        first = regions[:per_step]
        phases = {"forward": sum(first[0:-1:2]), "backward": sum(first[1:-1:2]), "update": first[-1]}
    return DeviceRun(losses, params, phases, step_insns, result.stack_used, program.sizes.flash,
                     program.sizes.ram, wall)


@dataclass
class Comparison:
    device: DeviceRun
    reference: TrainingRun  # PyTorch in float32
    loss_error: float  # loss_error(device, reference)
    param_error: float  # param_error(device, reference)
    loss_bound: float
    param_bound: float
    # PyTorch float32 against PyTorch float64 by the same measures: how far float32 rounding
    # alone moves the same run (a difference in summation order grows over the steps)
    float32_loss_drift: float = 0.0
    float32_param_drift: float = 0.0

    @property
    def ok(self) -> bool:
        """Within the bounds, or (a long run at a high learning rate) no further from PyTorch's
        float32 run than twice that run is from its float64 twin: then float32 rounding, not the
        target, is the difference."""
        return (self.loss_error <= max(self.loss_bound, 2 * self.float32_loss_drift)
                and self.param_error <= max(self.param_bound, 2 * self.float32_param_drift))


def loss_error(losses: np.ndarray, reference: np.ndarray) -> float:
    """max over steps of |loss - reference| relative to the reference step's loss, or to the run's
    mean loss where the step's is smaller (a loss near 0 has no relative precision to speak of)."""
    scale = np.maximum(np.abs(reference), float(np.mean(np.abs(reference))))
    return float(np.max(np.abs(losses - reference) / np.maximum(scale, 1e-12)))


def param_error(params: np.ndarray, reference: TrainingRun) -> float:
    """max |params - reference's| relative to the largest change training made to a parameter."""
    change = np.abs(reference.params - reference.params_before)
    return float(np.abs(np.asarray(params, np.float64) - reference.params).max() / max(float(change.max()), 1e-12))


def compare(compiled: CompiledTraining, samples: np.ndarray, labels: np.ndarray, order: np.ndarray,
            work: Path, timeout: float = 600.0) -> Comparison:
    """The run on the target beside PyTorch's from the same start over the same order."""
    import torch

    device = run_training(compiled, samples, labels, order, work, timeout)
    o = compiled.options
    reference = train_reference(compiled.graph, samples, labels, order, o.lr, o.momentum, o.weight_decay)
    exact = train_reference(compiled.graph, samples, labels, order, o.lr, o.momentum, o.weight_decay,
                            dtype=torch.float64)
    return Comparison(device, reference, loss_error(device.losses, reference.losses),
                      param_error(device.params, reference), LOSS_BOUND[compiled.precision],
                      PARAM_BOUND[compiled.precision], loss_error(reference.losses, exact.losses),
                      param_error(reference.params, exact))
