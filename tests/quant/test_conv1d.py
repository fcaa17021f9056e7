"""1-D layers in the quantizer: Conv1d (with BatchNorm1d), MaxPool1d and AdaptiveAvgPool1d become
the 2-D integer ops on a 1-pixel-high map; the zoo's biosignal CNN runs bit-exact on targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8
from mcuforge.integer.tflite_int8 import run_reference
from mcuforge.quant.export import export_sequential
from mcuforge.quant.presets import PRESETS
from mcuforge.quant.qat import calibrate, dequantized, quantize_sequential
from mcuforge.quant.quantize import int8_inputs
from mcuforge.target import load_target

from ..conftest import zoo_module


@pytest.fixture(scope="module")
def quantized():
    cnn1d = zoo_module("cnn1d")
    model, example = cnn1d.make()
    q = calibrate(quantize_sequential(model, PRESETS["int8"]), cnn1d.batches("train")[:8])
    return q, export_sequential(q, example), cnn1d


def test_1d_layers_map_to_2d_ops(quantized):
    _, graph, _ = quantized
    convs = [op for op in graph.ops if op.kind == "conv2d"]
    assert [op.params["weights"].shape[1:3] for op in convs] == [(1, 7), (1, 5), (1, 3)]
    assert [op.params["stride"] for op in convs] == [(1, 2), (1, 2), (1, 1)]
    assert graph.input.shape == (1, 1, 256, 1)
    pool = next(op for op in graph.ops if op.kind == "max_pool2d")
    assert pool.params["filter"] == (1, 2) and pool.params["stride"] == (1, 2)
    assert any(op.kind == "avg_pool2d" for op in graph.ops)


def test_integer_reference_agrees_with_fake_quant(quantized):
    q, graph, cnn1d = quantized
    x = torch.from_numpy(cnn1d.signals(64, seed=4)[0])
    with torch.no_grad():
        fake = dequantized(q(x)).numpy()
    ints = np.stack([run_reference(graph, xi) for xi in int8_inputs(q, x, graph)]).reshape(64, -1)
    ref = (ints.astype(np.int64) - graph.output.zp()) * graph.output.s()
    assert np.mean(fake.argmax(1) == ref.argmax(1)) >= 0.95
    assert np.max(np.abs(fake - ref)) <= 3 * graph.output.s() + 1e-6


@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-rv32-zve32f-zvfh"])
def test_bit_exact_on_target(quantized, name, tmp_path):
    q, graph, cnn1d = quantized
    inputs = int8_inputs(q, torch.from_numpy(cnn1d.signals(4, seed=5)[0]), graph)
    run = run_on_target(compile_int8(graph, "cnn1d", load_target(name), tmp_path / "o"), inputs, tmp_path / "w")
    assert run.mismatches == 0


def test_biosignal_recipe_learns_the_rhythms():
    _, accuracy = zoo_module("cnn1d").train(epochs=8)
    assert accuracy >= 0.85, accuracy
