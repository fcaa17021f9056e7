"""Float .tflite frontend: TVM's Relax TFLite reader, plus what it lacks for real float models.

Float models from the TFLite converter often keep their convolution weights in int8 with a
per-channel scale ("dynamic range" or weight-only quantization); TVM's reader refuses them. We
dequantize such weights once, at import (w = (q - zero_point) * scale, per channel), so the
model becomes the float model it stands for.

The reference is a NumPy interpreter of the same float semantics (reference.py), not LiteRT:
LiteRT runs those int8-weight layers with its hybrid kernels, which quantize the activations on
the fly and so differ from the float model by ~1e-3. On models without int8 weights the NumPy
interpreter agrees with LiteRT to ~1e-6 (tests/frontend/test_tflite.py checks it).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

from ..errors import ModelError, UnsupportedOp
from .model import ImportedModel, TensorSpec, check_float_io
from .tflite_reference import TfliteGraph

FLOAT32, INT8 = 0, 9

# What reading a damaged flatbuffer raises: the accessors read offsets past the end
# (struct.error), negative offsets (TypeError), vectors longer than the file (ValueError), names
# that are not UTF-8 (UnicodeDecodeError); NumPy then refuses the sizes they give (ValueError,
# MemoryError) and the readers index with them (IndexError, KeyError).
DAMAGE = (struct.error, ArithmeticError, LookupError, ValueError, TypeError, AttributeError, MemoryError)
MAX_ELEMENTS = 1 << 24  # per tensor: far beyond any microcontroller's memory
DAMAGED_HINT = "export the model again, or download it again"


def damaged(path, exc: BaseException) -> ModelError:
    """The error for a .tflite file that breaks off or contradicts itself, from what reading it raised."""
    if isinstance(exc, struct.error):
        why = "it refers to data past its end"
    else:
        why = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return ModelError(f"{path}: damaged or truncated TFLite file ({why})", hint=DAMAGED_HINT)


def checked_shape(source: str, index: int, tensor, buffer_bytes: int = 0, itemsize: int = 0) -> tuple[int, ...]:
    """Tensor `index`'s shape, checked before anything is allocated from it: no negative
    dimension, at most MAX_ELEMENTS elements and, for a constant (`buffer_bytes` of `itemsize`
    each), exactly the elements its buffer holds."""
    shape = tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ()
    size = math.prod(shape)
    if min(shape, default=0) < 0 or size > MAX_ELEMENTS or (buffer_bytes and size * itemsize != buffer_bytes):
        held = f" but its buffer holds {buffer_bytes} bytes" if buffer_bytes else ""
        raise ModelError(f"{source}: tensor {index} has shape {list(shape)}{held}: the file is damaged",
                         hint=DAMAGED_HINT)
    return shape


class _FloatTensor:
    """A view of a tflite Tensor that reports FLOAT32 (for dequantized weights)."""

    def __init__(self, tensor):
        self._tensor = tensor

    def Type(self):  # noqa: N802 (flatbuffers naming)
        return FLOAT32

    def Quantization(self):  # noqa: N802
        return None

    def __getattr__(self, name):
        return getattr(self._tensor, name)


def read_flatbuffer(path: Path):
    """The file's root Model table, once it has the TFLite identifier and exactly one subgraph."""
    import tflite

    blob = Path(path).read_bytes()
    if len(blob) < 8 or blob[4:8] != b"TFL3":
        raise ModelError(f"{path}: not a TFLite flatbuffer (no TFL3 identifier)",
                         hint="give a .tflite file written by the TFLite converter")
    model = tflite.Model.GetRootAsModel(blob, 0)
    if model.SubgraphsLength() != 1:
        raise ModelError(f"{path}: {model.SubgraphsLength()} subgraphs; mcuforge reads single-graph models")
    return model


def load_tflite(path: Path) -> ImportedModel:
    from tvm.relax.frontend.tflite import from_tflite
    from tvm.relax.frontend.tflite.tflite_frontend import OperatorConverter

    try:
        model = read_flatbuffer(path)
        graph = TfliteGraph(model, str(path))  # raises UnsupportedOp / ModelError for int8 models
        inp = check_float_io(str(path), [graph.input_spec()], "input")
        out = check_float_io(str(path), [graph.output_spec()], "output")
    except DAMAGE as exc:
        raise damaged(path, exc) from None
    weights = graph.dequantized_weights  # tensor index -> float32 array

    class Converter(OperatorConverter):
        def get_tensors(self, tensors_idx_list):
            wrappers = super().get_tensors(tensors_idx_list)
            for w in wrappers:
                if isinstance(w.tensor_idx, (int, np.integer)) and int(w.tensor_idx) in weights:
                    w.tensor, w.qnn_params = _FloatTensor(w.tensor), None
            return wrappers

        def get_tensor_value(self, tensor_wrapper, is_sparse=False):
            if int(tensor_wrapper.tensor_idx) in weights:
                return weights[int(tensor_wrapper.tensor_idx)]
            return super().get_tensor_value(tensor_wrapper, is_sparse)

    try:
        mod = from_tflite(model, op_converter=Converter)
    except Exception as exc:
        raise UnsupportedOp(f"{path}: TVM could not import the model: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
                            hint="the model may use what TVM's TFLite reader lacks; if the file may be "
                            "damaged, " + DAMAGED_HINT) from None
    return ImportedModel(name=path.stem, source=str(path), mod=mod, input=inp, output=out,
                         reference=graph.run)


def tensor_spec(graph, index: int) -> TensorSpec:
    t = graph.Tensors(index)
    dtype = {FLOAT32: "float32", INT8: "int8", 3: "uint8", 2: "int32"}.get(t.Type(), f"tflite type {t.Type()}")
    return TensorSpec(t.Name().decode(), tuple(int(d) for d in t.ShapeAsNumpy()), dtype)
