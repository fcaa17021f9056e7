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
    """Whether a .tflite file is a quantized model (int8 input), for the integer path."""
    import tflite

    blob = Path(path).read_bytes()
    if len(blob) < 8 or blob[4:8] != b"TFL3":
        return False
    try:
        g = tflite.Model.GetRootAsModel(blob, 0).Subgraphs(0)
        return g.Tensors(g.Inputs(0)).Type() == 9
    except Exception:
        return False
