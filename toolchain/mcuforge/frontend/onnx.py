"""ONNX frontend: TVM's Relax ONNX importer; the reference is ONNX Runtime on the CPU."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import tvm
from tvm import relax

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
        raise ModelError(f"{path}: not a valid ONNX model, or a damaged one ({type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})",
                         hint="export the model again, or download it again") from None
    inits = {i.name for i in model.graph.initializer}
    inp = check_float_io(str(path), _specs(model.graph.input, inits), "input")
    outputs = _specs(model.graph.output, set())
    from tvm.relax.frontend.onnx import from_onnx

    _check_operators(model, path)
    try:
        mod = from_onnx(_fold_constants(model), shape_dict={inp.name: list(inp.shape)},
                        dtype_dict={inp.name: "float32"})
    except Exception as exc:
        raise UnsupportedOp(f"{path}: TVM could not import the model: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    if len(outputs) == 1:  # exporters often leave an output's dimensions symbolic: TVM's are known
        ret = mod["main"].ret_ty
        if isinstance(ret, relax.TensorType) and ret.shape is not None:
            shape = tuple(int(d) if isinstance(d, (int, tvm.tirx.IntImm)) else "?" for d in ret.shape.values)
            outputs = [TensorSpec(outputs[0].name, shape, outputs[0].dtype)]
    out = check_float_io(str(path), outputs, "output")
    reference, note = _reference(model, inp, path)
    return ImportedModel(name=path.stem, source=str(path), mod=mod, input=inp, output=out, reference=reference,
                         reference_note=note)


def _check_operators(model, path: Path) -> None:
    """Every node's operator is one TVM's ONNX importer converts, or an error naming the first
    node that is not, with the other unsupported operators."""
    from tvm.relax.frontend.onnx.onnx_frontend import _get_convert_map

    known = set(_get_convert_map()) | {"Constant", "If"}
    bad = [n for n in model.graph.node if n.op_type not in known]
    if bad:
        others = sorted({n.op_type for n in bad[1:]} - {bad[0].op_type})
        raise UnsupportedOp(f"{path}: the operator {bad[0].op_type} (node {bad[0].name or '(unnamed)'!r}) has no "
                            "conversion in TVM's ONNX importer" + (f"; also unsupported: {', '.join(others)}" if others else ""),
                            hint="replace it in the model with supported operations, or export with another opset")


_RANDOM = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}


def _fold_constants(model):
    """A copy of the model in which every node whose inputs are all constants (initializers,
    Constant nodes, or results of such nodes) is replaced by its result, computed by ONNX's
    reference evaluator: exporters compute pads, shapes and clip bounds from constants with
    small subgraphs that TVM's importer takes for dynamic values ("Dynamic pads are not
    supported yet")."""
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    model = copy.deepcopy(model)
    graph = model.graph
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    kept, folded = [], []
    for node in graph.node:
        inputs = [i for i in node.input if i]
        if node.domain not in ("", "ai.onnx") or node.op_type in _RANDOM or any(i not in constants for i in inputs):
            kept.append(node)
            continue
        single = helper.make_graph([node], "fold", [], [helper.make_tensor_value_info(o, 0, None) for o in node.output],
                                   [numpy_helper.from_array(constants[i], i) for i in set(inputs)])
        results = ReferenceEvaluator(helper.make_model(single, opset_imports=model.opset_import)).run(None, {})
        for name, value in zip(node.output, results):
            constants[name] = np.asarray(value)
            folded.append(numpy_helper.from_array(constants[name], name))
    used = {i for node in kept for i in node.input} | {o.name for o in graph.output}
    graph.initializer.extend(t for t in folded if t.name in used)
    del graph.node[:]
    graph.node.extend(kept)
    return model


_ORT_ERROR = re.compile(r"\[ONNXRuntimeError\] : \d+ : ")


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message; ONNX Runtime's without its numeric prefix."""
    text = _ORT_ERROR.sub("", str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reference(model, inp: TensorSpec, path: Path):
    """(forward pass, note): ONNX Runtime; where it cannot run the model (operators of old
    opsets, operators it lacks), ONNX's own reference evaluator, with a note saying so; where
    neither runs, no reference and a note saying that results are unchecked. Each is tried on
    a zero input first, so that a refusal shows here and not in the middle of a run."""
    import onnxruntime
    from onnx.reference import ReferenceEvaluator

    def as_input(x: np.ndarray) -> dict:
        return {inp.name: np.asarray(x, np.float32).reshape(inp.shape)}

    zeros = np.zeros(inp.shape, np.float32)
    try:
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: its warnings about old opsets are ours to word
        session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        session.run(None, as_input(zeros))
        return (lambda x: session.run(None, as_input(x))[0]), None
    except Exception as exc:  # onnxruntime's own exception types (NOT_IMPLEMENTED, INVALID_GRAPH, ...)
        why = _first_line(exc)
    try:
        evaluator = ReferenceEvaluator(model)
        evaluator.run(None, as_input(zeros))
    except Exception as exc:
        return None, (f"{path.name}: neither ONNX Runtime ({why}) nor onnx.reference ({_first_line(exc)}) can "
                      "run the model: its outputs are not checked against a framework")
    return ((lambda x: np.asarray(evaluator.run(None, as_input(x))[0])),
            f"{path.name}: ONNX Runtime cannot run the model ({why}); checking against "
            "onnx.reference.ReferenceEvaluator instead")
