"""Quantization-aware training and calibration of sequential models with Brevitas.

`quantize_sequential` rebuilds an `nn.Sequential` of Conv2d (plain or depthwise), BatchNorm2d,
ReLU, MaxPool2d, Flatten and Linear layers with Brevitas layers of the chosen preset, copying
the float weights: an input quantizer first; a batch norm after a convolution is folded into it
before training; each Conv2d/Linear is followed by QuantReLU (when a ReLU follows) or by an
output quantizer. Other layers are refused, naming the layer. `train` runs QAT; `calibrate`
runs PTQ (statistics only, no weight update)."""

from __future__ import annotations

import brevitas.nn as qnn
import torch
from brevitas.graph.calibrate import calibration_mode
from torch import nn

from ..errors import ModelError
from .presets import Preset


def quantize_sequential(model: nn.Module, preset: Preset) -> nn.Sequential:
    if not isinstance(model, nn.Sequential):
        raise ModelError(f"quantization takes an nn.Sequential of Linear/ReLU/Flatten layers, got {type(model).__name__}")
    layers: list[nn.Module] = [qnn.QuantIdentity(act_quant=preset.act_quant, return_quant_tensor=True)]
    modules = list(model)
    for i, m in enumerate(modules):
        if isinstance(m, nn.Conv2d):
            if m.groups not in (1, m.in_channels) or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise ModelError(f"layer {i} (Conv2d): groups={m.groups}, padding={m.padding!r}; the integer "
                                 "backend takes plain and depthwise convolutions with numeric zero padding")
            weight, bias = fold_batch_norm(m, modules[i + 1] if i + 1 < len(modules) else None)
            q = qnn.QuantConv2d(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
                                dilation=m.dilation, groups=m.groups, bias=True, weight_quant=preset.weight_quant,
                                bias_quant=preset.bias_quant, return_quant_tensor=False)
            q.weight.data.copy_(weight)
            q.bias.data.copy_(bias)
            layers.append(q)
            rest = [x for x in modules[i + 1:] if not isinstance(x, nn.BatchNorm2d)][:1]
            if not (rest and isinstance(rest[0], nn.ReLU)):
                layers.append(qnn.QuantIdentity(act_quant=preset.act_quant, return_quant_tensor=True))
        elif isinstance(m, nn.BatchNorm2d):
            if i == 0 or not isinstance(modules[i - 1], nn.Conv2d):
                raise ModelError(f"layer {i} (BatchNorm2d) does not follow a Conv2d, so it cannot be folded")
        elif isinstance(m, nn.MaxPool2d):
            layers.append(nn.MaxPool2d(m.kernel_size, m.stride, m.padding))  # keeps the quant tensor
        elif isinstance(m, nn.Linear):
            # a float output: the activation quantizer that follows requantizes it (Brevitas
            # cannot describe the accumulator of sub-8-bit weights times zero-pointed inputs)
            q = qnn.QuantLinear(m.in_features, m.out_features, bias=m.bias is not None,
                                weight_quant=preset.weight_quant, bias_quant=preset.bias_quant,
                                return_quant_tensor=False)
            q.weight.data.copy_(m.weight.data)
            if m.bias is not None:
                q.bias.data.copy_(m.bias.data)
            layers.append(q)
            if not (i + 1 < len(modules) and isinstance(modules[i + 1], nn.ReLU)):
                layers.append(qnn.QuantIdentity(act_quant=preset.act_quant, return_quant_tensor=True))
        elif isinstance(m, nn.ReLU):
            if i > 0 and isinstance(modules[i - 1], nn.Flatten):
                raise ModelError(f"layer {i} (ReLU) follows a Flatten; put it before")
            layers.append(qnn.QuantReLU(act_quant=preset.relu_quant, return_quant_tensor=True))
        elif isinstance(m, nn.Flatten):
            layers.append(m)
        else:
            raise ModelError(f"layer {i} ({type(m).__name__}) has no integer kernel in the quantizer yet",
                             hint="quantize Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten and Linear layers")
    return nn.Sequential(*layers)


@torch.no_grad()
def fold_batch_norm(conv: nn.Conv2d, bn: nn.Module | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The convolution's weight and bias with a following inference batch norm folded in."""
    weight = conv.weight.detach().clone()
    bias = conv.bias.detach().clone() if conv.bias is not None else torch.zeros(conv.out_channels)
    if isinstance(bn, nn.BatchNorm2d):
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        weight = weight * scale.reshape(-1, 1, 1, 1)
        bias = bn.bias + (bias - bn.running_mean) * scale
    return weight, bias


def dequantized(y) -> torch.Tensor:
    return y.value if hasattr(y, "value") else y


def train(model: nn.Module, loader, epochs: int, lr: float = 1e-3, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(dequantized(model(x)), y)
            loss.backward()
            opt.step()
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
