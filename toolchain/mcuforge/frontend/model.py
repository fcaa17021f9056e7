"""What every frontend returns, and the dispatch on the model's file type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ModelError


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str  # "float32"

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True)
class StateSpec:
    """A tensor the model keeps between calls (a buffer its forward pass updates): its name in
    the model and its value at reset."""

    name: str
    initial: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ImportedModel:
    """A model in Relax, with one input and one output, and the framework's own forward pass
    (`reference`) on float32 NumPy arrays of the input's shape: None where no framework can run
    the model, and then the outputs are unchecked. `reference_note` says, in one line, when the
    reference is not the framework's usual one, or missing."""

    name: str
    source: str  # where it came from: "models/mlp.py:make", "model.onnx", ...
    mod: object = field(repr=False)  # tvm.IRModule (Relax), weights bound as constants
    input: TensorSpec = field(repr=False)
    output: TensorSpec = field(repr=False)
    reference: Callable[[np.ndarray], np.ndarray] | None = field(repr=False)
    reference_note: str | None = None
    # A stateful model: `mod`'s main takes (input, *state) and returns (output, *next state);
    # `sequence_reference` runs a sequence of inputs in order from the state at reset.
    state: tuple[StateSpec, ...] = ()
    sequence_reference: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)

    def reference_outputs(self, inputs: np.ndarray) -> np.ndarray | None:
        """The framework's outputs on `inputs` taken as a sequence from the state at reset
        (each on its own for a stateless model); None where no framework runs the model."""
        if self.sequence_reference is not None:
            return self.sequence_reference(inputs)
        if self.reference is None:
            return None
        return np.stack([np.asarray(self.reference(x)) for x in inputs])


def load_model(spec: str) -> ImportedModel:
    """Import `spec`: `file.py:factory`, `file.pt2`, `file.onnx` or `file.tflite`."""
    path_part, factory = spec.rsplit(":", 1) if ".py:" in spec else (spec, "")
    path = Path(path_part)
    if not path.exists():
        raise ModelError(f"model file not found: {path}",
                         hint="give file.py:factory, file.pt2, file.onnx or file.tflite")
    suffix = path.suffix.lower()
    if suffix == ".py":
        from .torch import load_factory
        if not factory:
            raise ModelError(f"{spec}: name the factory function, as {path}:make_model",
                             hint="the factory returns (nn.Module, example_input)")
        return load_factory(path, factory)
    if suffix == ".pt2":
        from .torch import load_exported
        return load_exported(path)
    if suffix == ".onnx":
        from .onnx import load_onnx
        return load_onnx(path)
    if suffix == ".tflite":
        from .tflite import load_tflite
        return load_tflite(path)
    raise ModelError(f"{path}: unsupported model file type {suffix or '(none)'}",
                     hint="mcuforge reads file.py:factory (PyTorch), .pt2, .onnx and float .tflite")


def check_float_io(source: str, specs: list[TensorSpec], what: str) -> TensorSpec:
    """One static float32 tensor, or a clear error."""
    if len(specs) != 1:
        raise ModelError(f"{source}: the model has {len(specs)} {what}s; mcuforge compiles models "
                         f"with exactly one {what} (found: {', '.join(s.name for s in specs)})")
    spec = specs[0]
    if spec.dtype in ("int32", "int64"):
        raise ModelError(f"{source}: {what} {spec.name!r} is {spec.dtype}: integer indices (an embedding "
                         "lookup, a gather) rather than data; mcuforge compiles models whose "
                         f"{what} is a float32 tensor",
                         hint="compile the part after the lookup (its float32 output as the input) and do "
                              "the lookup in your own code")
    if spec.dtype != "float32":
        raise ModelError(f"{source}: {what} {spec.name!r} is {spec.dtype}; the float path needs float32",
                         hint="int8 .tflite models take the integer path (--precision int8); float models are "
                              "quantized with `mcuforge quantize`")
    if any((not isinstance(d, int)) or d <= 0 for d in spec.shape):
        raise ModelError(f"{source}: {what} {spec.name!r} has a dynamic shape {spec.shape}; "
                         "microcontroller code needs static shapes",
                         hint="export the model with a fixed example input")
    return spec
