"""TFLite Micro's host interpreter (the `tflite-micro` package) as the external oracle for
int8 models: mcuforge's on-target outputs must equal its outputs bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ToolMissing


def tflm_outputs(path: Path, inputs: np.ndarray) -> np.ndarray:
    try:
        import tflite_micro
    except ImportError:
        raise ToolMissing("the tflite-micro package is not installed", hint="run `make setup`") from None
    interpreter = tflite_micro.runtime.Interpreter.from_file(str(path))
    outputs = []
    for x in inputs:
        interpreter.set_input(np.ascontiguousarray(x), 0)
        interpreter.invoke()
        outputs.append(interpreter.get_output(0).copy())
    return np.stack(outputs)


def is_int8_tflite(path: Path) -> bool:
    """Whether a .tflite file is a quantized model (int8 input), for the integer path; a
    ModelError when the file is too damaged to tell."""
    import tflite

    from ..frontend.tflite import DAMAGE, damaged

    blob = Path(path).read_bytes()
    if len(blob) < 8 or blob[4:8] != b"TFL3":
        return False
    try:
        g = tflite.Model.GetRootAsModel(blob, 0).Subgraphs(0)
        return g.Tensors(g.Inputs(0)).Type() == 9
    except DAMAGE as exc:
        raise damaged(path, exc) from None


def tflm_arena(path: Path) -> tuple[int, int]:
    """(arena total, of which the activations ("head")) that TFLite Micro's interpreter allocates
    for a model: the peer figure for RAM. Its recording allocator prints them from C++, so they
    are read from a child process's output."""
    import subprocess
    import sys

    code = ("import tflite_micro, sys; i = tflite_micro.runtime.Interpreter.from_file(sys.argv[1]); "
            "sys.stdout.flush(); i.print_allocations()")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    figures = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        for key in ("total", "head"):
            marker = f"Arena allocation {key} "
            if marker in line:
                figures[key] = int(line.split(marker)[1].split()[0])
    if set(figures) != {"total", "head"}:
        raise ToolMissing(f"TFLite Micro printed no arena figures for {path}: {proc.stderr.strip()[-300:]}")
    return figures["total"], figures["head"]
