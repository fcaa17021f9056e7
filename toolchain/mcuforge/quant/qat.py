"""Quantization-aware training and calibration of sequential models with Brevitas.

`quantize_sequential` rebuilds an `nn.Sequential` (nested Sequentials are flattened) of Conv2d
and Conv1d (plain or depthwise), BatchNorm, ReLU, ReLU6, MaxPool2d/1d, AdaptiveAvgPool2d/1d(1),
AvgPool2d, Flatten and Linear layers (a 1-D layer runs as the 2-D one on a 1-pixel-high map) with Brevitas layers of the chosen preset, copying the float weights:
an input quantizer first; a batch norm after a convolution is folded into it before training;
each Conv2d/Linear is followed by QuantReLU (when a ReLU or ReLU6 follows; ReLU6 keeps its float
clamp in front, which the integer code applies as its activation range) or by an output
quantizer. Average pooling works on the integers as TFLite's does (`IntAvgPool2d`). Other layers
are refused, naming the layer. `quantize_chain` does the same for a chain of layers inside a
larger model (net.py: residual models). `train` runs QAT; `calibrate` runs PTQ (statistics only)."""

from __future__ import annotations

from typing import Callable

import brevitas.nn as qnn
import torch
from brevitas.graph.calibrate import calibration_mode
from torch import nn

from ..errors import ModelError
from ..frontend.chains import NORMS, flat, fold_batch_norm
from .presets import Preset


class IntAvgPool2d(nn.Module):
    """Average pooling of a quant tensor on its integers, as TFLite's int8 AveragePool does: the
    mean of the window in the int8 domain (Brevitas' uint8 - 128), rounded half away from zero,
    with the input's scale and zero point; a straight-through gradient for QAT."""

    def __init__(self, kernel_size=None, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride  # None: global

    def window(self, x) -> tuple[tuple[int, int], tuple[int, int]]:
        if x.dim() == 3:  # (N, C, L): a 1-pixel-high map
            x = x.unsqueeze(2)
        k = tuple(x.shape[-2:]) if self.kernel_size is None else nn.modules.utils._pair(self.kernel_size)
        s = k if self.stride is None else nn.modules.utils._pair(self.stride)
        return k, s

    def forward(self, x):
        from brevitas.quant_tensor import IntQuantTensor

        if not isinstance(x, IntQuantTensor):  # quantization off (calibration): plain float pooling
            k, s = self.window(x)
            return self._pool(x, k, s)
        k, s = self.window(x.value)
        offset = 0 if x.signed else 128
        q = x.value / x.scale + x.zero_point - offset  # int8-domain values, with gradient
        mean = self._pool(q, k, s)
        rounded = torch.sign(mean) * torch.floor(torch.abs(mean) + 0.5)
        q8 = mean + (rounded - mean).detach()
        value = (q8 + offset - x.zero_point) * x.scale
        return IntQuantTensor(value, x.scale, x.zero_point, x.bit_width, x.signed, self.training)

    @staticmethod
    def _pool(x, k, s):
        if x.dim() == 3:
            return nn.functional.avg_pool2d(x.unsqueeze(2), k, s).squeeze(2)
        return nn.functional.avg_pool2d(x, k, s)


_RELUS = (nn.ReLU, nn.ReLU6)


def quantize_sequential(model: nn.Module, preset: Preset) -> nn.Sequential:
    if not isinstance(model, nn.Sequential):
        raise ModelError(f"quantization takes an nn.Sequential of Linear/ReLU/Flatten layers, got {type(model).__name__}")
    return nn.Sequential(input_quantizer_for(preset), *quantize_chain(flat(model), preset))


def input_quantizer_for(preset: Preset) -> nn.Module:
    return qnn.QuantIdentity(act_quant=preset.act_quant, return_quant_tensor=True)


def quantize_chain(modules: list[nn.Module], preset: Preset, names: list[str] | None = None) -> list[nn.Module]:
    """The quantized layers of a chain of float layers whose input is already a quant tensor;
    `names` label the layers in error messages (default: their positions)."""
    layers: list[nn.Module] = []
    for k, m in enumerate(modules):
        i = names[k] if names else k  # for messages; k indexes `modules`
        if isinstance(m, (nn.Conv2d, nn.Conv1d)):
            if m.groups not in (1, m.in_channels) or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise ModelError(f"layer {i} ({type(m).__name__}): groups={m.groups}, padding={m.padding!r}; the integer "
                                 "backend takes plain and depthwise convolutions with numeric zero padding")
            weight, bias = fold_batch_norm(m, modules[k + 1] if k + 1 < len(modules) else None)
            cls = qnn.QuantConv2d if isinstance(m, nn.Conv2d) else qnn.QuantConv1d
            q = cls(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
                                dilation=m.dilation, groups=m.groups, bias=True, weight_quant=preset.weight_quant,
                                bias_quant=preset.bias_quant, return_quant_tensor=False)
            q.weight.data.copy_(weight)
            q.bias.data.copy_(bias)
            layers.append(q)
            _output_quantizer(layers, modules, k, preset)
        elif isinstance(m, NORMS):
            if k == 0 or not isinstance(modules[k - 1], (nn.Conv2d, nn.Conv1d, nn.Linear)):
                raise ModelError(f"layer {i} ({type(m).__name__}) does not follow a Conv2d or Linear, so it "
                                 "cannot be folded")
        elif isinstance(m, (nn.MaxPool2d, nn.MaxPool1d)):
            if m.dilation not in (1, (1, 1)) or m.ceil_mode:
                raise ModelError(f"layer {i} ({type(m).__name__}): dilation or ceil_mode; use plain windows")
            layers.append(type(m)(m.kernel_size, m.stride, m.padding))  # keeps the quant tensor
        elif isinstance(m, nn.AdaptiveAvgPool1d):
            if m.output_size not in (1, (1,)):
                raise ModelError(f"layer {i} (AdaptiveAvgPool1d): output size {m.output_size}; the integer "
                                 "backend pools globally (output size 1)")
            layers.append(IntAvgPool2d())
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            if nn.modules.utils._pair(m.output_size) != (1, 1):
                raise ModelError(f"layer {i} (AdaptiveAvgPool2d): output size {m.output_size}; the integer "
                                 "backend pools globally (output size 1)")
            layers.append(IntAvgPool2d())
        elif isinstance(m, nn.AvgPool1d):  # a 1-pixel-high window over (N, C, L)
            if m.padding not in (0, (0,)) or m.ceil_mode:
                raise ModelError(f"layer {i} (AvgPool1d): padding or ceil_mode; use valid windows")
            k, st = m.kernel_size[0], (m.stride or m.kernel_size)[0]
            layers.append(IntAvgPool2d((1, k), (1, st)))
        elif isinstance(m, nn.AvgPool2d):
            if m.padding not in (0, (0, 0)) or m.ceil_mode:
                raise ModelError(f"layer {i} (AvgPool2d): padding or ceil_mode; use valid windows")
            layers.append(IntAvgPool2d(m.kernel_size, m.stride))
        elif isinstance(m, nn.Linear):
            # a float output: the activation quantizer that follows requantizes it (Brevitas
            # cannot describe the accumulator of sub-8-bit weights times zero-pointed inputs)
            bn = modules[k + 1] if k + 1 < len(modules) and isinstance(modules[k + 1], NORMS) else None
            q = qnn.QuantLinear(m.in_features, m.out_features, bias=m.bias is not None or bn is not None,
                                weight_quant=preset.weight_quant, bias_quant=preset.bias_quant,
                                return_quant_tensor=False)
            weight, bias = fold_batch_norm(m, bn)
            q.weight.data.copy_(weight)
            if q.bias is not None:
                q.bias.data.copy_(bias)
            layers.append(q)
            _output_quantizer(layers, modules, k, preset)
        elif isinstance(m, _RELUS):
            if k > 0 and isinstance(modules[k - 1], nn.Flatten):
                raise ModelError(f"layer {i} ({type(m).__name__}) follows a Flatten; put it before")
            if isinstance(m, nn.ReLU6):
                layers.append(nn.ReLU6())  # the clamp at 6, in float before the quantizer
            layers.append(qnn.QuantReLU(act_quant=preset.relu_quant, return_quant_tensor=True))
        elif isinstance(m, nn.Flatten):
            layers.append(m)
        else:
            raise ModelError(f"layer {i} ({type(m).__name__}) has no integer kernel in the quantizer yet",
                             hint="quantize Conv2d/1d, BatchNorm, ReLU/ReLU6, MaxPool, AvgPool, Flatten and "
                                  "Linear layers")
    return layers


def _output_quantizer(layers: list, modules: list, i: int, preset: Preset) -> None:
    """After a Conv2d/Linear: nothing when a ReLU/ReLU6 follows (past a batch norm), which brings
    its own quantizer; else an output quantizer."""
    rest = [x for x in modules[i + 1:] if not isinstance(x, NORMS)][:1]
    if not (rest and isinstance(rest[0], _RELUS)):
        layers.append(qnn.QuantIdentity(act_quant=preset.act_quant, return_quant_tensor=True))


def dequantized(y) -> torch.Tensor:
    return y.value if hasattr(y, "value") else y


def train(model: nn.Module, loader, epochs: int, lr: float = 1e-3, seed: int = 0,
          on_epoch: Callable[[int, int, float], None] | None = None) -> nn.Module:
    """Adam on the cross entropy, seeded; on_epoch(epoch, epochs, mean loss) after each epoch."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for epoch in range(epochs):
        total, batches = 0.0, 0
        for x, y in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(dequantized(model(x)), y)
            loss.backward()
            opt.step()
            total, batches = total + loss.item(), batches + 1
        if on_epoch is not None:
            on_epoch(epoch + 1, epochs, total / max(batches, 1))
    return model.eval()


@torch.no_grad()
def calibrate(model: nn.Module, loader) -> nn.Module:
    model.eval()
    with calibration_mode(model):
        for x, _ in loader:
            model(x)
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return float((dequantized(model(x)).argmax(1) == y).float().mean())
