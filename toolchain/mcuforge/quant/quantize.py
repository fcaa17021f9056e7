"""`mcuforge quantize`: a float PyTorch model -> Brevitas QAT (or PTQ) with a preset -> the
integer graph (.mfq), and the drift report on the test split: float model vs fake-quant model vs
the integer model as the device computes it, through the batched evaluator (vs on-target output
when a target is given)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ModelError
from ..evaluate.integer import IntegerEvaluator
from ..frontend.torch import call_factory, import_user_function, split_data
from ..integer.graph import QGraph
from .export import export_model
from .net import input_quantizer, quantize_model
from .presets import PRESETS
from .qat import calibrate, dequantized, train


INTEGER_STAGE = "integer (evaluator = device)"


@dataclass
class Stage:
    name: str
    accuracy: float | None
    top1_agreement_with_float: float
    max_abs_difference_from_float: float


def quantize(model_spec: str, recipe: str, data_spec: str, qat_epochs: int, ptq: bool, float_epochs: int = 0,
             on_epoch=None):
    """(float model, quantized model, integer graph, test split). on_epoch(stage, epoch, epochs,
    loss) after each training epoch ("float" or "QAT")."""
    def report(stage):
        return None if on_epoch is None else (lambda e, n, loss: on_epoch(stage, e, n, loss))

    if recipe not in PRESETS:
        raise ModelError(f"unknown recipe {recipe!r}", hint=f"recipes: {', '.join(PRESETS)}")
    if ".py:" not in model_spec or ".py:" not in data_spec:
        raise ModelError("quantize takes file.py:factory and --data file.py:function")
    path, factory = model_spec.rsplit(":", 1)
    float_model, example = call_factory(Path(path), factory)
    dpath, dname = data_spec.rsplit(":", 1)
    data_fn = import_user_function(Path(dpath), dname)
    train_loader = data_fn("train")
    quantized = None
    try:
        if float_epochs:
            train(float_model, train_loader, float_epochs, on_epoch=report("float"))
        quantized = quantize_model(float_model, PRESETS[recipe])
        if ptq:
            calibrate(quantized, train_loader)
        else:
            train(quantized, train_loader, qat_epochs, lr=5e-4, on_epoch=report("QAT"))
        graph = export_model(quantized, example)
    except ModelError:
        raise
    except Exception as exc:  # Brevitas or the user's data: report, not a traceback
        stage = "training the float model" if quantized is None else "quantization"
        raise ModelError(f"{stage} failed: {type(exc).__name__}: {exc}") from None
    return float_model, quantized, graph, split_data(data_fn, "test", data_spec)


def int8_inputs(quantized, x: torch.Tensor, graph: QGraph) -> np.ndarray:
    """The model's input quantizer applied on the host: TFLite int8 inputs for the integer code."""
    with torch.no_grad():
        q = input_quantizer(quantized)(x)
    ints = q.int().numpy().astype(np.int64)
    if not bool(q.signed):
        ints = ints - 128
    if ints.ndim == 4:  # NCHW -> the integer backend's NHWC
        ints = ints.transpose(0, 2, 3, 1)
    elif ints.ndim == 3:  # (N, C, L) -> (N, 1, L, C)
        ints = ints.transpose(0, 2, 1)
    return ints.astype(np.int8).reshape(len(x), *graph.input.shape)


def drift(float_model, quantized, graph: QGraph, x: torch.Tensor, y: torch.Tensor | None,
          target_outputs: np.ndarray | None = None) -> list[Stage]:
    with torch.no_grad():
        f = float_model(x).numpy()
        q = dequantized(quantized(x)).numpy()
    inputs = int8_inputs(quantized, x, graph)
    ints = IntegerEvaluator(graph)(inputs).reshape(len(x), -1).astype(np.int64)
    scale, zp = graph.output.s(), graph.output.zp()
    stages = [("float", f), ("fake-quant (Brevitas)", q), (INTEGER_STAGE, (ints - zp) * scale)]
    if target_outputs is not None:  # the first len(target_outputs) samples
        n = len(target_outputs)
        stages.append((f"on target ({n} samples)" if n < len(x) else "on target",
                       (target_outputs.reshape(n, -1).astype(np.int64) - zp) * scale))
    top_f = f.argmax(1)
    if y is not None and (y.dtype.is_floating_point or y.dim() != 1):  # a regression: no accuracy
        y = None
    return [Stage(name, float(np.mean(v.argmax(1) == y.numpy()[:len(v)])) if y is not None else None,
                  float(np.mean(v.argmax(1) == top_f[:len(v)])), float(np.max(np.abs(v - f[:len(v)]))))
            for name, v in stages]


def stages_as_dicts(stages: list[Stage]) -> list[dict]:
    return [asdict(s) for s in stages]
