"""Writes small int8 .tflite models (one operator) with the `tflite` package's flatbuffer
builders, so each op can be checked against TFLite Micro on random tensors and odd shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

import flatbuffers
import numpy as np
from tflite.BuiltinOptions import BuiltinOptions

INT8, INT32 = 9, 2


def _m(name: str):
    """The flatbuffers module tflite.<name> (the package re-exports the classes under the same names)."""
    import importlib

    return importlib.import_module(f"tflite.{name}")


@dataclass
class T:
    """A tensor of the model: constants carry data."""

    shape: tuple[int, ...]
    scale: list[float]
    zero_point: list[int]
    type: int = INT8
    data: np.ndarray | None = None
    axis: int = 0
    name: str = field(default="")


def _vector(b, start_fn, values, kind):
    start_fn(b, len(values))
    for v in reversed(values):
        getattr(b, f"Prepend{kind}")(v)
    return b.EndVector()


def build(code: int, options_type: int, options, tensors: list[T], op_inputs: list[int], op_outputs: list[int],
          graph_inputs: list[int], graph_outputs: list[int]) -> bytes:
    """`options(builder)` builds the operator's options table and returns its offset."""
    b = flatbuffers.Builder(4096)
    buffers = [None]  # buffer 0: the empty sentinel
    for t in tensors:
        buffers.append(t.data)
    buffer_offsets = []
    for data in buffers:
        vec = b.CreateNumpyVector(np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)) if data is not None else None
        _m("Buffer").BufferStart(b)
        if vec is not None:
            _m("Buffer").BufferAddData(b, vec)
        buffer_offsets.append(_m("Buffer").BufferEnd(b))
    tensor_offsets = []
    for i, t in enumerate(tensors):
        scale = b.CreateNumpyVector(np.array(t.scale, np.float32))
        zp = b.CreateNumpyVector(np.array(t.zero_point, np.int64))
        _m("QuantizationParameters").QuantizationParametersStart(b)
        _m("QuantizationParameters").QuantizationParametersAddScale(b, scale)
        _m("QuantizationParameters").QuantizationParametersAddZeroPoint(b, zp)
        _m("QuantizationParameters").QuantizationParametersAddQuantizedDimension(b, t.axis)
        quant = _m("QuantizationParameters").QuantizationParametersEnd(b)
        name = b.CreateString(t.name or f"t{i}")
        shape = b.CreateNumpyVector(np.array(t.shape, np.int32))
        _m("Tensor").TensorStart(b)
        _m("Tensor").TensorAddShape(b, shape)
        _m("Tensor").TensorAddType(b, t.type)
        _m("Tensor").TensorAddBuffer(b, i + 1 if t.data is not None else 0)
        _m("Tensor").TensorAddName(b, name)
        _m("Tensor").TensorAddQuantization(b, quant)
        tensor_offsets.append(_m("Tensor").TensorEnd(b))
    opts = options(b)
    ins = b.CreateNumpyVector(np.array(op_inputs, np.int32))
    outs = b.CreateNumpyVector(np.array(op_outputs, np.int32))
    _m("Operator").OperatorStart(b)
    _m("Operator").OperatorAddOpcodeIndex(b, 0)
    _m("Operator").OperatorAddInputs(b, ins)
    _m("Operator").OperatorAddOutputs(b, outs)
    _m("Operator").OperatorAddBuiltinOptionsType(b, options_type)
    _m("Operator").OperatorAddBuiltinOptions(b, opts)
    operator = _m("Operator").OperatorEnd(b)
    tensors_vec = _vector(b, _m("SubGraph").SubGraphStartTensorsVector, tensor_offsets, "UOffsetTRelative")
    operators_vec = _vector(b, _m("SubGraph").SubGraphStartOperatorsVector, [operator], "UOffsetTRelative")
    gin = b.CreateNumpyVector(np.array(graph_inputs, np.int32))
    gout = b.CreateNumpyVector(np.array(graph_outputs, np.int32))
    _m("SubGraph").SubGraphStart(b)
    _m("SubGraph").SubGraphAddTensors(b, tensors_vec)
    _m("SubGraph").SubGraphAddInputs(b, gin)
    _m("SubGraph").SubGraphAddOutputs(b, gout)
    _m("SubGraph").SubGraphAddOperators(b, operators_vec)
    subgraph = _m("SubGraph").SubGraphEnd(b)
    _m("OperatorCode").OperatorCodeStart(b)
    _m("OperatorCode").OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
    _m("OperatorCode").OperatorCodeAddBuiltinCode(b, code)
    _m("OperatorCode").OperatorCodeAddVersion(b, 1)
    opcode = _m("OperatorCode").OperatorCodeEnd(b)
    codes_vec = _vector(b, _m("Model").ModelStartOperatorCodesVector, [opcode], "UOffsetTRelative")
    subgraphs_vec = _vector(b, _m("Model").ModelStartSubgraphsVector, [subgraph], "UOffsetTRelative")
    buffers_vec = _vector(b, _m("Model").ModelStartBuffersVector, buffer_offsets, "UOffsetTRelative")
    _m("Model").ModelStart(b)
    _m("Model").ModelAddVersion(b, 3)
    _m("Model").ModelAddOperatorCodes(b, codes_vec)
    _m("Model").ModelAddSubgraphs(b, subgraphs_vec)
    _m("Model").ModelAddBuffers(b, buffers_vec)
    model = _m("Model").ModelEnd(b)
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def options(module_name: str, **fields):
    """A builder callback for tflite.<module_name> options with the given fields."""
    import importlib

    mod = importlib.import_module(f"tflite.{module_name}")

    def make(b):
        getattr(mod, f"{module_name}Start")(b)
        for key, value in fields.items():
            getattr(mod, f"{module_name}Add{key}")(b, value)
        return getattr(mod, f"{module_name}End")(b)

    return make


OPTIONS_TYPE = {"Conv2DOptions": BuiltinOptions.Conv2DOptions,
                "DepthwiseConv2DOptions": BuiltinOptions.DepthwiseConv2DOptions,
                "FullyConnectedOptions": BuiltinOptions.FullyConnectedOptions,
                "Pool2DOptions": BuiltinOptions.Pool2DOptions, "AddOptions": BuiltinOptions.AddOptions,
                "SoftmaxOptions": BuiltinOptions.SoftmaxOptions}
