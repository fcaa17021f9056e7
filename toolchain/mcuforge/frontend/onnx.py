"""ONNX frontend: TVM's Relax ONNX importer; the reference is ONNX Runtime on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelError, UnsupportedOp
from .model import ImportedModel, TensorSpec, check_float_io

_ONNX_DTYPES = {1: "float32", 10: "float16", 3: "int8", 2: "uint8", 6: "int32", 7: "int64"}


def _specs(values, initializers: set[str]) -> list[TensorSpec]:
    specs = []
    for v in values:
        if v.name in initializers:
            continue
        t = v.type.tensor_type
        dims = tuple(d.dim_value if d.HasField("dim_value") else d.dim_param or "?" for d in t.shape.dim)
        specs.append(TensorSpec(v.name, dims, _ONNX_DTYPES.get(t.elem_type, f"onnx type {t.elem_type}")))
    return specs


def load_onnx(path: Path) -> ImportedModel:
    import onnx

    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:
        raise ModelError(f"{path}: not a valid ONNX model ({type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})") from None
    inits = {i.name for i in model.graph.initializer}
    inp = check_float_io(str(path), _specs(model.graph.input, inits), "input")
    out = check_float_io(str(path), _specs(model.graph.output, set()), "output")
    from tvm.relax.frontend.onnx import from_onnx

    try:
        mod = from_onnx(model, shape_dict={inp.name: list(inp.shape)}, dtype_dict={inp.name: "float32"})
    except Exception as exc:
        raise UnsupportedOp(f"{path}: TVM could not import the model: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    import onnxruntime

    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])

    def reference(x: np.ndarray) -> np.ndarray:
        return session.run(None, {inp.name: np.asarray(x, np.float32).reshape(inp.shape)})[0]

    return ImportedModel(name=path.stem, source=str(path), mod=mod, input=inp, output=out, reference=reference)
