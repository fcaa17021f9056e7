"""The program that runs a compiled model on its target: the harness (firmware/harness) and the
model's library, with the inputs built in (or, on the host target, read from stdin), run in QEMU
or natively; the outputs read back as exact bit patterns.

A run of more inputs than fit in the target's flash beside the model goes as several programs,
each with as many inputs as fit; a model with state cannot be split that way (its state would
restart), and gets a clear error instead."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..build import Program, build_program
from ..errors import McuforgeError
from ..paths import FIRMWARE_DIR
from ..sim import SimResult, run_program

HARNESS = FIRMWARE_DIR / "harness" / "model_main.c"
MAX_INPUTS_PER_PROGRAM = 250  # beyond this the inputs' C array slows the build more than a new program costs
CODE_ROOM = 64 * 1024  # flash kept for the code beside the weights and the inputs


def _inputs_header(inputs: np.ndarray, on_stdin: bool) -> str:
    """inputs.h: the inputs as a const array, or (on_stdin, the host target) only their number."""
    if on_stdin:
        return f"#define MF_INPUTS {len(inputs)}\n#define MF_INPUTS_ON_STDIN 1\n"
    words = inputs.reshape(len(inputs), -1)
    view = words.view({4: np.uint32, 2: np.uint16, 1: np.uint8}[words.dtype.itemsize])
    ctype = {4: "uint32_t", 2: "uint16_t", 1: "uint8_t"}[words.dtype.itemsize]
    rows = ["{" + ",".join(f"0x{int(w):x}" for w in row) + "}" for row in view]
    return (f"#include <stdint.h>\n#define MF_INPUTS {len(inputs)}\n"
            f"static const {ctype} mf_inputs[MF_INPUTS][{view.shape[1]}] __attribute__((aligned(16))) = {{\n"
            + ",\n".join(rows) + "\n};\n")


def build_model_program(compiled, inputs: np.ndarray, work: Path, profile: bool = False,
                        reset_before: int | None = None) -> Program:
    """The harness and the model for `compiled`'s target, running `inputs` as one sequence
    (reset_before=k: the state reset before input k)."""
    work.mkdir(parents=True, exist_ok=True)
    inputs = np.ascontiguousarray(inputs, dtype=compiled.input.dtype)
    (work / "inputs.h").write_text(_inputs_header(inputs, compiled.target.is_host))
    defines = {"MF_MODEL_PROFILE": None} if profile else {}
    if reset_before is not None:
        defines["MF_RESET_BEFORE"] = reset_before
    if compiled.reset_every:
        defines["MF_RESET_EVERY"] = compiled.reset_every
    return build_program(compiled.target, [HARNESS, *compiled.sources], work / ("profile" if profile else "run"),
                         name=compiled.name.replace(".", "_"), include_dirs=[compiled.out_dir, work],
                         defines=defines)


def input_bytes(compiled, inputs: np.ndarray) -> bytes | None:
    """The inputs as the harness reads them on the host target's stdin (None elsewhere)."""
    return np.ascontiguousarray(inputs, dtype=compiled.input.dtype).tobytes() if compiled.target.is_host else None


def inputs_per_program(compiled, n: int) -> int:
    """How many inputs one program holds: all of them on the host (stdin); elsewhere as many as
    fit in half the flash the model leaves (at most MAX_INPUTS_PER_PROGRAM, unless the model has
    state and the inputs are one sequence)."""
    if compiled.target.is_host:
        return max(n, 1)
    room = (compiled.target.memory.flash.length - compiled.weight_bytes - CODE_ROOM) // 2
    cap = n if compiled.stateful else MAX_INPUTS_PER_PROGRAM  # a sequence stays one program while it fits
    fit = max(1, min(n, cap, room // max(compiled.input.nbytes, 1)))
    every = compiled.reset_every
    if every and fit < n:  # programs split between samples, where the state is reset anyway
        fit = max(every, fit // every * every)
    return fit


class _Ran:
    """The first program's build and simulator result (its sizes, stack and counts)."""

    def __init__(self, program: Program, result: SimResult):
        self.program, self.counts, self.stack_used = program, result.counts, result.stack_used


def decode_outputs(compiled, result: SimResult, n: int) -> np.ndarray:
    """The outputs the harness printed as bit patterns, in the model's output type."""
    dtype = np.dtype(compiled.output.dtype)
    unsigned = {1: np.uint8, 2: np.uint16, 4: np.uint32}[dtype.itemsize]
    rows = [np.array([int(w, 16) for w in result.records[f"y{k}"].split(",")], np.uint32).astype(unsigned)
            .view(dtype).reshape(compiled.output.shape) for k in range(n)]
    return np.stack(rows)


def run_inputs(compiled, inputs: np.ndarray, work: Path, timeout: float, reset_before: int | None,
               progress: Callable[[int, int], None] | None, profile: bool = False):
    """(outputs, the first program's build and result, instructions per input, wall seconds per
    input, wall seconds of the simulator or native runs) of `inputs` on the target, as one
    program or several."""
    per_program = inputs_per_program(compiled, len(inputs))
    if per_program < len(inputs) and compiled.stateful and not compiled.reset_every:
        raise McuforgeError(f"{compiled.name}: {len(inputs)} inputs do not fit in the flash of "
                            f"{compiled.target.name} beside the model ({per_program} do), and a model with state "
                            "must run them as one sequence", hint=f"run at most {per_program} inputs, or use -t host")
    outputs, insns, seconds, first, wall = [], [], [], None, 0.0
    if progress is not None:
        progress(0, len(inputs))
    for start in range(0, len(inputs), per_program):
        part = inputs[start:start + per_program]
        program = build_model_program(compiled, part, work, profile=profile, reset_before=reset_before)
        began = time.perf_counter()
        result = run_program(program, timeout=timeout, stdin=input_bytes(compiled, part)).check()
        wall += time.perf_counter() - began
        first = first or _Ran(program, result)
        outputs.append(decode_outputs(compiled, result, len(part)))
        insns += [r[1] for r in result.counts.regions] if result.counts is not None else []
        seconds += [ns / 1e9 for ns in result.wall_ns]
        if progress is not None:
            progress(start + len(part), len(inputs))
    return np.concatenate(outputs), first, insns, seconds, wall
