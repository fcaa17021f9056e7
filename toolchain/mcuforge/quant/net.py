"""Quantization of models that are not a plain chain: residual networks (ResNet-8's blocks).

The float model is traced with torch.fx and cut into chains of layers joined by adds: a chain
grows while each layer's value feeds only the next layer, so a value used twice (a block's
input, which feeds both its convolutions and its skip) starts new chains. Each chain is
quantized as a Sequential is (`qat.quantize_chain`: batch norms folded, a quantizer after every
convolution), each add gets its own output quantizer (QuantReLU when a ReLU follows the add,
which it absorbs; otherwise QuantIdentity), and `QuantNet` runs the steps in the traced order.
Its fake-quant add is `quantizer(a + b)` on the dequantized inputs; the integer add
(export.py, integer/ops/add.py) rescales both inputs to the output's scale as TFLite's does.

Traced layers: modules (as quantize_sequential takes them) and the functional forms of ReLU,
ReLU6, flatten(x, 1), adaptive / plain average pooling and max pooling; anything else is
refused, naming the node.
"""

from __future__ import annotations

import brevitas.nn as qnn
import torch
from torch import nn

from ..frontend.chains import trace
from .presets import Preset
from .qat import dequantized, input_quantizer_for, quantize_chain, quantize_sequential


class QuantNet(nn.Module):
    """A quantized model of chains and residual adds (see the module docstring): `input_quant`,
    then `steps` (name, "chain" | "add", input step names) over `layers` (the chain's
    Sequential, or the add's output quantizer); `output` names the last step."""

    def __init__(self, input_quant: nn.Module, steps: list[tuple[str, str, tuple[str, ...]]],
                 layers: dict[str, nn.Module], output: str):
        super().__init__()
        self.input_quant = input_quant
        self.layers = nn.ModuleDict(layers)
        self.steps = steps
        self.output = output

    def forward(self, x):
        values = {"input": self.input_quant(x)}
        for name, kind, inputs in self.steps:
            layer = self.layers[name]
            if kind == "chain":
                values[name] = layer(values[inputs[0]])
            else:
                values[name] = layer(dequantized(values[inputs[0]]) + dequantized(values[inputs[1]]))
        return values[self.output]


def quantize_model(model: nn.Module, preset: Preset) -> nn.Module:
    """An nn.Sequential as quantize_sequential does; any other model traced into a QuantNet."""
    if isinstance(model, nn.Sequential):
        return quantize_sequential(model, preset)
    steps, output = trace(model)
    layers: dict[str, nn.Module] = {}
    for s in steps:
        if s.kind == "chain":
            layers[s.name] = nn.Sequential(*quantize_chain(s.modules, preset, s.labels))
        else:
            act = preset.relu_quant if s.relu else preset.act_quant
            layers[s.name] = (qnn.QuantReLU if s.relu else qnn.QuantIdentity)(act_quant=act, return_quant_tensor=True)
    return QuantNet(input_quantizer_for(preset), [(s.name, s.kind, tuple(s.inputs)) for s in steps], layers, output)


def input_quantizer(quantized: nn.Module) -> nn.Module:
    """The input quantizer of a quantized model (quantize_model's result)."""
    return quantized.input_quant if isinstance(quantized, QuantNet) else quantized[0]
