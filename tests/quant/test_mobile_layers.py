"""The quantizer on MobileNet-style layers: nested Sequentials, ReLU6 (a float clamp the integer
code applies as its activation range), global average pooling on the integers
(IntAvgPool2d) and a batch norm after a Linear. The exported integer graph agrees with
Brevitas' fake-quant model and runs bit-exact on a target."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mcuforge.errors import ModelError
from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8
from mcuforge.integer.tflite_int8 import run_reference
from mcuforge.quant.export import export_sequential
from mcuforge.quant.presets import PRESETS
from mcuforge.quant.qat import calibrate, dequantized, quantize_sequential, train
from mcuforge.quant.quantize import int8_inputs
from mcuforge.target import load_target


def _model():
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
                          nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
    model = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(), block,
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 8), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.Linear(8, 4))
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope="module")
def quantized():
    x = torch.randn(256, 3, 16, 16) * 2
    y = torch.randint(0, 4, (256,))
    loader = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
    q = train(quantize_sequential(_model(), PRESETS["int8"]), loader, epochs=1, lr=5e-4)
    calibrate(q, loader)
    return q, export_sequential(q, x[:1])


def test_graph_has_the_pooling_and_relu6_ranges(quantized):
    _, graph = quantized
    kinds = [op.kind for op in graph.ops]
    assert kinds == ["conv2d", "depthwise_conv2d", "conv2d", "avg_pool2d", "reshape", "fully_connected",
                     "fully_connected"]
    for op in graph.ops[:3]:  # ReLU6: the range ends at zero point + round(6 / scale), below 127
        out = op.output
        assert op.params["act_min"] == out.zp()
        assert op.params["act_max"] == min(127, out.zp() + round(6 / out.s()))


def test_integer_reference_agrees_with_fake_quant(quantized):
    q, graph = quantized
    x = torch.randn(64, 3, 16, 16) * 2
    with torch.no_grad():
        fake = dequantized(q(x)).numpy()
    ints = np.stack([run_reference(graph, xi) for xi in int8_inputs(q, x, graph)]).reshape(64, -1)
    ref = (ints.astype(np.int64) - graph.output.zp()) * graph.output.s()
    assert np.mean(fake.argmax(1) == ref.argmax(1)) >= 0.95
    assert np.max(np.abs(fake - ref)) <= 2 * graph.output.s() + 1e-6  # within the last bits


def test_bit_exact_on_target(quantized, tmp_path):
    q, graph = quantized
    inputs = int8_inputs(q, torch.randn(3, 3, 16, 16) * 2, graph)
    run = run_on_target(compile_int8(graph, "mobile_layers", load_target("qemu-cortex-m55"), tmp_path / "o"), inputs,
                   tmp_path / "w")
    assert run.mismatches == 0


def test_pooling_to_more_than_one_output_is_refused():
    with pytest.raises(ModelError, match="AdaptiveAvgPool2d.*output size 2"):
        quantize_sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2)), PRESETS["int8"])
