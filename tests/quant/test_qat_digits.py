"""QAT with the int8 preset on the bundled digits: accuracy kept, integer code exact on target."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8
from mcuforge.integer.tflite_int8 import run_reference
from mcuforge.quant.export import export_sequential
from mcuforge.quant.presets import PRESETS
from mcuforge.quant.qat import accuracy, dequantized, quantize_sequential, train

from ..conftest import zoo_module


@pytest.fixture(scope="module")
def digits():
    module = zoo_module("digits")
    float_model, _ = module.make()
    train(float_model, module.loader(), epochs=30)
    quantized = {name: train(quantize_sequential(float_model, PRESETS[name]), module.loader(), epochs=5, lr=5e-4)
                 for name in ("int8", "w4a8", "binary")}
    _, _, xte, yte = module.data()
    return float_model, quantized, xte, yte


def _int8_inputs(quantized, xte):
    with torch.no_grad():  # the input quantizer's integers, uint8 -> int8
        return (quantized[0](xte).int().numpy().astype(np.int64) - 128).astype(np.int8).reshape(len(xte), 1, 64)


# Training is seeded and single-threaded (tests/conftest.py), but another CPU rounds floats
# differently and the training takes another path. Measured over 8 initialisations (seeds 0-7,
# one thread): MLP float 95.8-97.2 %, int8 QAT 95.0-96.7 %, float - QAT -0.3..1.7 points (a
# fresh AMD EPYC machine: 96.9 / 95.8 %); CNN float 95.3-96.9 %, float - QAT -1.1..0 points.
# The bounds leave about three test digits (0.8 points) beyond the worst seen.
MLP_FLOAT_MIN, MLP_QAT_MIN, MLP_QAT_LOSS = 0.945, 0.94, 0.025
CNN_QAT_LOSS = 0.01  # QAT never lost accuracy on the CNN: the margin alone


def test_int8_qat_keeps_accuracy_and_is_exact_on_target(digits, target, tmp_path):
    float_model, quantized, xte, yte = digits
    quantized = quantized["int8"]
    float_acc, qat_acc = accuracy(float_model, xte, yte), accuracy(quantized, xte, yte)
    assert float_acc >= MLP_FLOAT_MIN and qat_acc >= MLP_QAT_MIN, (float_acc, qat_acc)
    assert qat_acc >= float_acc - MLP_QAT_LOSS, (float_acc, qat_acc)

    graph = export_sequential(quantized, xte[:1])
    with torch.no_grad():
        x_int8 = (quantized[0](xte).int().numpy().astype(np.int64) - 128).astype(np.int8)  # uint8 -> int8
        fake_quant_top1 = dequantized(quantized(xte)).argmax(1).numpy()
    inputs = x_int8.reshape(len(xte), 1, 64)
    reference = np.stack([run_reference(graph, x) for x in inputs]).reshape(len(xte), -1)
    assert np.mean(reference.argmax(1) == fake_quant_top1) >= 0.99  # integer vs fake-quant
    assert np.mean(reference.argmax(1) == yte.numpy()) >= qat_acc - 0.01  # integer vs fake-quant accuracy

    compiled = compile_int8(graph, "digits_int8", target, tmp_path / "out")
    run = run_on_target(compiled, inputs, tmp_path / "work")  # the whole test split, 360 digits
    assert len(run.outputs) == len(xte) == 360
    assert run.mismatches == 0
    assert np.array_equal(run.outputs.reshape(len(xte), -1), reference)


@pytest.mark.parametrize("preset,shrink", [("w4a8", 2), ("binary", 8)])
@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-rv32-zve32f-zvfh"])
def test_sub_8_bit_weights_are_packed_and_exact(digits, preset, shrink, name, tmp_path):
    from mcuforge.target import load_target

    _, quantized, xte, _ = digits
    graph = export_sequential(quantized[preset], xte[:1])
    assert {op.params["weight_bits"] for op in graph.ops if op.kind == "fully_connected"} == {PRESETS[preset].weight_bits}
    inputs = _int8_inputs(quantized[preset], xte)
    compiled = compile_int8(graph, f"digits_{preset}", load_target(name), tmp_path / "out")
    int8 = compile_int8(export_sequential(quantized["int8"], xte[:1]), "digits_int8", load_target(name), tmp_path / "o8")
    assert int8.weight_bytes == shrink * compiled.weight_bytes  # 6464 B -> 3232 B (int4), 808 B (binary)
    run = run_on_target(compiled, inputs, tmp_path / "work")
    reference = np.stack([run_reference(graph, x) for x in inputs])
    assert run.mismatches == 0 and np.array_equal(run.outputs, reference)
    assert f"mf_fully_connected_{'s4' if preset == 'w4a8' else 'b1'}" in run.program.info.symbols


def test_int8_cnn_with_batch_norm_depthwise_and_pooling(tmp_path):
    """Conv + BN (folded before QAT) + ReLU, max pool, depthwise and pointwise, flatten, linear."""
    from mcuforge.quant.quantize import int8_inputs
    from mcuforge.target import load_target

    module = zoo_module("digits")
    float_model, example = module.make_cnn()
    train(float_model, module.image_batches("train"), epochs=30)
    quantized = train(quantize_sequential(float_model, PRESETS["int8"]), module.image_batches("train"), epochs=5, lr=5e-4)
    (xte, yte), = module.image_batches("test")
    float_acc, qat_acc = accuracy(float_model, xte, yte), accuracy(quantized, xte, yte)
    assert qat_acc >= float_acc - CNN_QAT_LOSS, (float_acc, qat_acc)
    graph = export_sequential(quantized, example)
    assert [op.kind for op in graph.ops] == ["conv2d", "max_pool2d", "depthwise_conv2d", "conv2d", "max_pool2d",
                                             "reshape", "fully_connected"]
    inputs = int8_inputs(quantized, xte, graph)
    reference = np.stack([run_reference(graph, x) for x in inputs]).reshape(len(xte), -1)
    with torch.no_grad():
        fake_quant_top1 = dequantized(quantized(xte)).argmax(1).numpy()
    assert np.mean(reference.argmax(1) == fake_quant_top1) >= 0.99
    compiled = compile_int8(graph, "digits_cnn", load_target("qemu-cortex-m55"), tmp_path / "out")
    run = run_on_target(compiled, inputs, tmp_path / "work")
    assert run.mismatches == 0 and np.array_equal(run.outputs.reshape(len(xte), -1), reference)
