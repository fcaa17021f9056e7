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

from pathlib import Path

import numpy as np

from ..errors import ModelError, UnsupportedOp
from .model import ImportedModel, TensorSpec, check_float_io
from .tflite_reference import TfliteGraph

FLOAT32, INT8 = 0, 9


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


def _read(path: Path):
    import tflite

    blob = path.read_bytes()
    if len(blob) < 8 or blob[4:8] != b"TFL3":
        raise ModelError(f"{path}: not a TFLite flatbuffer (no TFL3 identifier)",
                         hint="give a .tflite file written by the TFLite converter")
    try:
        model = tflite.Model.GetRootAsModel(blob, 0)
        if model.SubgraphsLength() != 1:
            raise ModelError(f"{path}: {model.SubgraphsLength()} subgraphs; mcuforge reads single-graph models")
        model.Subgraphs(0).TensorsLength()
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"{path}: corrupt TFLite file ({type(exc).__name__}: {exc})") from None
    return model


def load_tflite(path: Path) -> ImportedModel:
    from tvm.relax.frontend.tflite import from_tflite
    from tvm.relax.frontend.tflite.tflite_frontend import OperatorConverter

    model = _read(path)
    graph = TfliteGraph(model, str(path))  # raises UnsupportedOp / ModelError for int8 models
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
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    inp = check_float_io(str(path), [graph.input_spec()], "input")
    out = check_float_io(str(path), [graph.output_spec()], "output")
    return ImportedModel(name=path.stem, source=str(path), mod=mod, input=inp, output=out,
                         reference=graph.run)


def tensor_spec(graph, index: int) -> TensorSpec:
    t = graph.Tensors(index)
    dtype = {FLOAT32: "float32", INT8: "int8", 3: "uint8", 2: "int32"}.get(t.Type(), f"tflite type {t.Type()}")
    return TensorSpec(t.Name().decode(), tuple(int(d) for d in t.ShapeAsNumpy()), dtype)
