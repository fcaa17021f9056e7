"""Quantization-aware training and calibration of sequential models with Brevitas.

`quantize_sequential` rebuilds an `nn.Sequential` of Linear / ReLU / Flatten layers with
Brevitas layers of the chosen preset, copying the float weights: an input quantizer first,
QuantLinear layers, QuantReLU after a ReLU, and an output quantizer after a Linear that no ReLU
follows. Other layers are refused, naming the layer. `train` runs QAT; `calibrate` runs PTQ
(statistics only, no weight update)."""

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
        if isinstance(m, nn.Linear):
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
            layers.append(qnn.QuantReLU(act_quant=preset.relu_quant, return_quant_tensor=True))
        elif isinstance(m, nn.Flatten):
            layers.append(m)
        else:
            raise ModelError(f"layer {i} ({type(m).__name__}) has no integer kernel in the quantizer yet",
                             hint="quantize Linear, ReLU and Flatten layers")
    return nn.Sequential(*layers)


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
