"""int8 .tflite reader: the flatbuffer (via the `tflite` schema package) -> QGraph, each
operator prepared by its op module. An operator mcuforge lacks is reported by name and index; a
damaged file (cut short, bytes changed so that sizes, shapes or references contradict each
other) by one ModelError."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from ..errors import ModelError, UnsupportedOp
from ..frontend.tflite import DAMAGE, DAMAGED_HINT, checked_shape, damaged, read_flatbuffer
from .graph import QGraph, QOp, QTensor
from .ops import TFLITE

_TYPES = {9: "int8", 2: "int32", 0: "float32", 3: "uint8", 7: "int16", 4: "int64"}
_NUMPY = {"int8": np.int8, "int32": np.int32, "float32": np.float32, "uint8": np.uint8, "int16": np.int16,
          "int64": np.int64}


def _builtin_names() -> dict[int, str]:
    from tflite.BuiltinOperator import BuiltinOperator

    return {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}


class Reader:
    def __init__(self, model, source: str):
        self.model, self.source = model, source
        self.g = model.Subgraphs(0)
        self.tensors: dict[int, QTensor] = {}

    def tensor(self, i: int) -> QTensor:
        if i not in self.tensors:
            t = self.g.Tensors(i)
            dtype = _TYPES.get(t.Type(), f"type{t.Type()}")
            q = t.Quantization()
            scale = q.ScaleAsNumpy().astype(np.float32) if q is not None and q.ScaleLength() else None
            zp = q.ZeroPointAsNumpy().astype(np.int64) if q is not None and q.ZeroPointLength() else None
            raw = self.model.Buffers(t.Buffer()).DataAsNumpy()
            data = None
            if isinstance(raw, np.ndarray) and raw.size and dtype in _NUMPY:
                shape = checked_shape(self.source, i, t, raw.size, np.dtype(_NUMPY[dtype]).itemsize)
                data = np.frombuffer(raw.tobytes(), _NUMPY[dtype]).reshape(shape)
            else:
                shape = checked_shape(self.source, i, t)
            self.tensors[i] = QTensor(i, t.Name().decode(), shape, dtype, scale, zp, data)
        return self.tensors[i]

    def inputs(self, op) -> list[QTensor]:
        return [self.tensor(int(i)) if i >= 0 else None for i in op.InputsAsNumpy()]

    def output(self, op) -> QTensor:
        return self.tensor(int(op.Outputs(0)))

    def options(self, op, cls_name: str):
        cls = getattr(importlib.import_module(f"tflite.{cls_name}"), cls_name)
        table = op.BuiltinOptions()
        opts = cls()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def unsupported(self, index: int, name: str, what: str):
        raise UnsupportedOp(f"{self.source}: operator {index} ({name}) uses {what}, which the integer path lacks")

    def require_int8(self, index: int, name: str, x: QTensor, out: QTensor) -> None:
        for t in (x, out):
            if t.dtype != "int8" or t.scale is None:
                self.unsupported(index, name, f"a {t.dtype} tensor {t.name!r} (the integer path needs int8 "
                                 "tensors with a scale and zero point)")
            if t.scale.size != 1:
                self.unsupported(index, name, f"per-channel scales on the activation {t.name!r}")

    def check(self, index: int, name: str, consistent: bool, what: str) -> None:
        """Refuse operator `index` where its tensors or options contradict each other (`what`):
        no converter writes that, so the file is damaged."""
        if not consistent:
            raise ModelError(f"{self.source}: operator {index} ({name}): {what}: the file is damaged",
                             hint=DAMAGED_HINT)

    def qop(self, index, kind, inputs, output, params) -> QOp:
        return QOp(index, kind, inputs, output, params)


def read_int8_tflite(path: Path) -> QGraph:
    """The integer graph of an int8 .tflite file; a ModelError if the file is damaged."""
    try:
        return _read(read_flatbuffer(path), str(path))
    except DAMAGE as exc:
        raise damaged(path, exc) from None


def _read(model, source: str) -> QGraph:
    """The graph of a Model table: its operators in order, each reading only tensors the input
    or an earlier operator wrote."""
    r = Reader(model, source)
    g = r.g
    if g.InputsLength() != 1 or g.OutputsLength() != 1:
        raise ModelError(f"{source}: {g.InputsLength()} inputs and {g.OutputsLength()} outputs; "
                         "mcuforge needs exactly one of each")
    names = _builtin_names()
    ops = []
    for index in range(g.OperatorsLength()):
        op = g.Operators(index)
        code = model.OperatorCodes(op.OpcodeIndex())
        name = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "CUSTOM")
        module = TFLITE.get(name)
        if module is None:
            raise UnsupportedOp(f"{source}: operator {index} is {name}, which the integer path does not support",
                                hint="supported: " + ", ".join(sorted(TFLITE)))
        ops.append(module.from_tflite(r, op, index))
    inp, out = r.tensor(g.Inputs(0)), r.tensor(g.Outputs(0))
    if inp.dtype != "int8" or out.dtype != "int8":
        raise ModelError(f"{source}: input {inp.dtype}, output {out.dtype}; "
                         "the integer path needs int8 input and output",
                         hint="float models take the float path (--precision fp32)")
    written = {inp.id}
    for q in ops:
        for t in q.inputs:
            r.check(q.index, q.kind, t.id in written, f"reads tensor {t.id} before any operator writes it")
        written.add(q.output.id)
    if out.id not in written:
        raise ModelError(f"{source}: no operator writes the output tensor {out.id}: the file is damaged",
                         hint=DAMAGED_HINT)
    return QGraph(sorted(r.tensors.values(), key=lambda t: t.id), ops, inp, out)


def run_reference(graph: QGraph, x: np.ndarray) -> np.ndarray:
    """The integer host reference of one input: every op's NumPy implementation, in order."""
    return run_reference_batch(graph, np.asarray(x).reshape(1, *graph.input.shape))[0]


REFERENCE_BATCH = 16  # samples per pass: keeps the convolution windows in cache (KWS, ResNet: fastest)


def run_reference_batch(graph: QGraph, inputs: np.ndarray) -> np.ndarray:
    """The integer host reference of `inputs` (N, *input shape): (N, *output shape), int8.

    Every op's reference computes a whole batch at once: a tensor of shape S (batch 1 leading)
    is held as (B * S[0], *S[1:]) for B samples, so each op sees the samples as its leading
    dimension; the integer arithmetic is that of one sample, element for element."""
    inputs = np.asarray(inputs, np.int8).reshape(-1, *graph.input.shape)
    outputs = []
    for start in range(0, len(inputs), REFERENCE_BATCH):
        part = inputs[start:start + REFERENCE_BATCH]
        env = reference_tensors(graph, part)
        outputs.append(env[graph.output.id].reshape(len(part), *graph.output.shape))
    return np.concatenate(outputs).astype(np.int8) if outputs else np.zeros((0, *graph.output.shape), np.int8)


def reference_tensors(graph: QGraph, inputs: np.ndarray) -> dict[int, np.ndarray]:
    """Every tensor's value for a batch of inputs (N, *input shape), by tensor id, each held as
    (N * S[0], *S[1:])."""
    from .ops import OPS

    env = {graph.input.id: np.asarray(inputs, np.int8).reshape(-1, *graph.input.shape[1:])}
    for op in graph.ops:
        env[op.output.id] = OPS[op.kind].reference(op, *(env[t.id] for t in op.inputs))
    return env
