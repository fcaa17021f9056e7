"""QAT with the int8 preset on the bundled digits: accuracy kept, integer code exact on target."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mcuforge.integer.compiler import compile_int8, run_int8
from mcuforge.integer.tflite_int8 import run_reference
from mcuforge.quant.export import export_sequential
from mcuforge.quant.presets import PRESETS
from mcuforge.quant.qat import accuracy, dequantized, quantize_sequential, train

from ..conftest import repo_path


@pytest.fixture(scope="module")
def digits():
    import importlib
    import sys

    sys.path.insert(0, str(repo_path("models")))
    try:
        module = importlib.import_module("digits")
    finally:
        sys.path.pop(0)
    float_model, _ = module.make()
    train(float_model, module.loader(), epochs=30)
    quantized = train(quantize_sequential(float_model, PRESETS["int8"]), module.loader(), epochs=5, lr=5e-4)
    _, _, xte, yte = module.data()
    return float_model, quantized, xte, yte


def test_int8_qat_keeps_accuracy_and_is_exact_on_target(digits, target, tmp_path):
    float_model, quantized, xte, yte = digits
    float_acc, qat_acc = accuracy(float_model, xte, yte), accuracy(quantized, xte, yte)
    assert float_acc > 0.9
    assert qat_acc >= float_acc - 0.01, (float_acc, qat_acc)

    graph = export_sequential(quantized, xte[:1])
    with torch.no_grad():
        x_int8 = (quantized[0](xte).int().numpy().astype(np.int64) - 128).astype(np.int8)  # uint8 -> int8
        fake_quant_top1 = dequantized(quantized(xte)).argmax(1).numpy()
    inputs = x_int8.reshape(len(xte), 1, 64)
    reference = np.stack([run_reference(graph, x) for x in inputs]).reshape(len(xte), -1)
    assert np.mean(reference.argmax(1) == fake_quant_top1) >= 0.99  # integer vs fake-quant
    assert np.mean(reference.argmax(1) == yte.numpy()) >= float_acc - 0.01

    compiled = compile_int8(graph, "digits_int8", target, tmp_path / "out")
    run = run_int8(compiled, inputs, tmp_path / "work")  # the whole test split, 360 digits
    assert len(run.outputs) == len(xte) == 360
    assert run.mismatches == 0
    assert np.array_equal(run.outputs.reshape(len(xte), -1), reference)
