"""The ops the frontends accept, one small model each, at batch 1 and batch 3, imported through
PyTorch and through ONNX, compiled fp32 and fp16 for a Cortex-M4, a Cortex-M55 and a RISC-V
vector core, run there and compared with the framework: every case compiles and matches its
reference (none is refused today; a refusal would be a McuforgeError and fail the case).

Each op is followed by nothing the kernels could hide it behind, so a binding pattern that
accepts a layer its kernel does not compute (a batch, a layout, groups, dilation) fails here."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mcuforge.codegen.compiler import compile_model, random_inputs
from mcuforge.core.flow import run as run_on_target
from mcuforge.core.precision import TOLERANCE
from mcuforge.frontend import load_model
from mcuforge.frontend.torch import from_torch
from mcuforge.target import load_target

TARGETS = ["qemu-cortex-m4", "qemu-cortex-m55", "qemu-rv32-zve32f-zvfh"]


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x) + x)


# name -> (layers, input shape without the batch)
CASES = {
    "conv1d": (lambda: nn.Conv1d(3, 8, 5), (3, 24)),
    "conv1d-padded-dilated-nobias": (lambda: nn.Conv1d(4, 6, 3, padding=2, dilation=2, bias=False), (4, 20)),
    "conv2d": (lambda: nn.Conv2d(3, 8, 3), (3, 9, 7)),
    "conv2d-padded-relu": (lambda: nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()), (3, 7, 5)),
    "conv2d-strided-asymmetric": (lambda: nn.Conv2d(5, 4, (3, 2), stride=(2, 1), padding=(1, 0)), (5, 9, 6)),
    "conv2d-dilated-relu6": (lambda: nn.Sequential(nn.Conv2d(4, 6, 3, dilation=2, padding=2), nn.ReLU6()), (4, 8, 8)),
    "conv2d-nobias-1x1": (lambda: nn.Conv2d(16, 12, 1, bias=False), (16, 4, 5)),
    "depthwise-padded-relu": (lambda: nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU()), (8, 6, 5)),
    "depthwise-strided-nobias": (lambda: nn.Conv2d(6, 6, 3, stride=2, groups=6, bias=False), (6, 9, 9)),
    "depthwise-multiplier-2": (lambda: nn.Conv2d(4, 8, 3, groups=4), (4, 6, 6)),
    "grouped": (lambda: nn.Conv2d(8, 6, 3, groups=2, padding=1), (8, 5, 5)),
    "dense-relu": (lambda: nn.Sequential(nn.Linear(40, 24), nn.ReLU()), (40,)),
    "dense-nobias": (lambda: nn.Linear(33, 7, bias=False), (33,)),
    "dense-over-rows": (lambda: nn.Linear(12, 5), (4, 12)),
    "avg-pool": (lambda: nn.AvgPool2d(2), (6, 8, 6)),
    "avg-pool-padded": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (6, 7, 7)),
    "max-pool": (lambda: nn.MaxPool2d(3, stride=2), (5, 9, 9)),
    "global-avg-pool": (lambda: nn.AdaptiveAvgPool2d(1), (8, 5, 4)),
    "residual-add": (lambda: Residual(6), (6, 5, 5)),
    "activations": (lambda: nn.Sequential(nn.Conv2d(4, 8, 1), nn.Sigmoid(), nn.Conv2d(8, 8, 1), nn.Tanh(),
                                          nn.Conv2d(8, 8, 1), nn.LeakyReLU(0.1), nn.Conv2d(8, 8, 1), nn.Hardswish(),
                                          nn.Conv2d(8, 8, 1), nn.GELU()), (4, 3, 3)),
    "pad": (lambda: Lambda(lambda x: F.pad(x, (1, 2, 0, 1))), (3, 4, 5)),
    "softmax": (lambda: nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=-1)), (20,)),
}

def _model(case: str, batch: int):
    torch.manual_seed(sum(map(ord, case)))
    layers, shape = CASES[case]
    model = layers().eval()
    with torch.no_grad():  # biases and weights away from zero, so every term shows in the output
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    return model, torch.randn(batch, *shape)


def _import(case: str, batch: int, frontend: str, tmp_path):
    model, example = _model(case, batch)
    if frontend == "pytorch":
        return from_torch(model, example, name=case, source=f"{case} (PyTorch)")
    path = tmp_path / f"{case}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(model, (example,), str(path), dynamo=False, opset_version=17)
    return load_model(str(path))


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
@pytest.mark.parametrize("frontend", ["pytorch", "onnx"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", list(CASES))
def test_op_matches_its_reference(case, batch, frontend, precision, tmp_path):
    model = _import(case, batch, frontend, tmp_path)
    assert model.input.shape[0] == batch
    inputs = random_inputs(model, 2, seed=batch)
    for name in TARGETS:
        compiled = compile_model(model, load_target(name), precision, tmp_path / name / "out")
        run = run_on_target(compiled, inputs, tmp_path / name / "work", profile=False)
        assert run.outputs.shape == (2, *model.output.shape)
        assert run.max_rel_error <= TOLERANCE[precision], \
            f"{case} batch {batch} via {frontend}, {precision} on {name}: max rel error {run.max_rel_error:.3g}"
