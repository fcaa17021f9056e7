"""The spiking graph run over sequences in PyTorch, in two arithmetics of neuron.py:

- float: snnTorch's semantics on the user's own modules (training with surrogate gradients; the
  check that mcuforge reads the model as snnTorch runs it);
- quantized: the integer network of integer.py computed in float64 (exact: every value an
  integer far below 2^53), with straight-through rounding, so that training sees the integer
  recurrence (QAT) and its forward is the integer reference, bit for bit.

`quantized_layers` is the one place that turns float parameters into integers: QAT's forward
and the export (quantize.py) both call it."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import McuforgeError
from .graph import Layer, SpikingGraph
from .integer import MEMBRANE_RANGE, Q
from .neuron import Arith, neuron_step


def ste_round(x: torch.Tensor) -> torch.Tensor:
    return x + (torch.round(x) - x).detach()


def heaviside(x: torch.Tensor) -> torch.Tensor:
    return (x > 0).to(x.dtype)


class ATan(torch.autograd.Function):
    """snnTorch's default surrogate: Heaviside forward, alpha/2 / (1 + (pi/2 alpha x)^2) backward."""

    @staticmethod
    def forward(ctx, x, alpha: float = 2.0):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.alpha / 2 / (1 + (math.pi / 2 * ctx.alpha * x) ** 2), None


def blocks(graph: SpikingGraph) -> list[tuple[Layer, Layer]]:
    """(synapse, neuron) pairs: each neuron layer and the synapse whose current it integrates;
    a McuforgeError where a synapse does not take the model's input or spikes."""
    pairs, synapse = [], None
    for layer in graph.layers:
        if layer.kind in ("dense", "conv2d"):
            if synapse is not None:
                raise McuforgeError(f"{graph.name}: layer {layer.name} ({layer.kind}) takes the current of layer "
                                    f"{synapse.name}, not spikes; a synapse feeds a neuron layer",
                                    hint="put a neuron layer (snn.Leaky) between the two")
            synapse = layer
        elif layer.is_neuron:
            if synapse is None:
                raise McuforgeError(f"{graph.name}: neuron layer {layer.name} has no synapse before it")
            pairs.append((synapse, layer))
            synapse = None
    return pairs


def quantized_layers(graph: SpikingGraph, input_scale: float) -> dict[str, dict[str, torch.Tensor]]:
    """Per layer name, its integer parameters as float64 tensors holding integers (weights and
    biases with straight-through gradients), and per neuron its unit."""
    out: dict[str, dict] = {}
    for n, (syn, neu) in enumerate(blocks(graph)):
        s_in = input_scale if n == 0 else 1.0
        w = syn.module.weight.double()
        peaks = [w.detach().abs().max() * s_in]
        rec = neu.module.recurrent if neu.kind == "rleaky" else None
        if isinstance(rec, nn.Linear):
            peaks.append(rec.weight.detach().double().abs().max())
        elif rec is not None:
            peaks.append(torch.as_tensor(rec.V).detach().double().abs().max())
        unit = torch.clamp(torch.stack(peaks).max(), min=1e-12) / 127
        bias = syn.module.bias.double() if syn.module.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
        if isinstance(rec, nn.Linear) and rec.bias is not None:
            bias = bias + rec.bias.double()
        out[syn.name] = {"weight": torch.clamp(ste_round(w * s_in / unit), -127, 127), "bias": ste_round(bias / unit)}
        p = {"unit": unit, "theta": torch.clamp(torch.round(torch.as_tensor(neu.threshold, dtype=torch.float64) / unit),
                                                min=1),
             "beta": torch.round(neu.module.beta.detach().double().clamp(0, 1).reshape(-1) * (1 << Q))}
        if neu.kind == "synaptic":
            p["alpha"] = torch.round(neu.module.alpha.detach().double().clamp(0, 1).reshape(-1) * (1 << Q))
        if isinstance(rec, nn.Linear):
            p["rec_weight"] = torch.clamp(ste_round(rec.weight.double() / unit), -127, 127)
        elif rec is not None:
            p["rec_v"] = ste_round(torch.as_tensor(rec.V).double().reshape(-1) / unit)
        out[neu.name] = p
    return out


class SpikingModule(nn.Module):
    """The graph over sequences x (B, T, *input_shape): forward returns, per neuron layer, the
    spikes (B, T, n) and membranes (B, T, n). quantized=True: the integer network (input_scale:
    the input's quantization step; membranes: the type of each neuron layer's membrane, by name,
    where saturation applies; none given: no saturation, as calibration wants)."""

    def __init__(self, graph: SpikingGraph, quantized: bool = False, input_scale: float = 1.0,
                 membranes: dict[str, str] | None = None):
        super().__init__()
        self.graph, self.quantized, self.input_scale = graph, quantized, input_scale
        self.model = graph.model  # the user's modules: their parameters train
        self.membranes = membranes or {}
        blocks(graph)  # refuses a malformed chain now

    def _arith(self, layer: Layer, q: dict | None) -> Arith:
        m = layer.module
        if q is None:  # snnTorch's own arithmetic
            factors = {"beta": lambda: m.beta.clamp(0, 1), "alpha": lambda: m.alpha.clamp(0, 1)}
            theta = m.threshold
            return Arith(leak=lambda u, which: factors[which]() * u, fire=lambda u: m.spike_grad(u - theta),
                         crossed=lambda u: heaviside(u - theta).detach(), saturate=lambda u, _: u, theta=theta)
        p = q[layer.name]
        unit, theta = p["unit"], p["theta"]

        def leak(u, which):
            v = u * p[which] / (1 << Q)
            return v + (torch.floor((u * p[which] + (1 << (Q - 1))) / (1 << Q)) - v).detach()

        bounds = MEMBRANE_RANGE.get(self.membranes.get(layer.name, ""))
        saturate = (lambda u, _: torch.clamp(u, *bounds)) if bounds else (lambda u, _: u)
        return Arith(leak=leak, fire=lambda u: ATan.apply((u - theta) * unit),
                     crossed=lambda u: heaviside(u - theta).detach(), saturate=saturate, theta=theta)

    def _synapse(self, layer: Layer, a: torch.Tensor, q: dict | None) -> torch.Tensor:
        m = layer.module
        a = a.reshape(a.shape[0], *layer.in_shape)
        if q is None or layer.kind in ("maxpool", "flatten"):
            return m(a) if q is None or layer.kind == "flatten" else F.max_pool2d(a, m.kernel_size, m.stride)
        p = q[layer.name]
        if layer.kind == "dense":
            return F.linear(a, p["weight"], p["bias"])
        return F.conv2d(a, p["weight"], p["bias"], m.stride, m.padding)

    def _recurrent(self, layer: Layer, q: dict | None):
        if layer.kind != "rleaky":
            return None
        if q is None:
            rec = layer.module.recurrent
            return lambda s: rec(s)
        p = q[layer.name]
        if "rec_weight" in p:
            return lambda s: F.linear(s, p["rec_weight"])
        return lambda s: s * p["rec_v"]

    def start(self, batch: int) -> dict:
        """The state at reset and what every step needs (the integer parameters, computed once)."""
        q = quantized_layers(self.graph, self.input_scale) if self.quantized else None
        dtype = torch.float64 if self.quantized else torch.float32
        neurons = self.graph.neurons
        return {"q": q, "dtype": dtype, "arith": [self._arith(layer, q) for layer in neurons],
                "recurrent": [self._recurrent(layer, q) for layer in neurons],
                "states": [{k: torch.zeros(batch, layer.size, dtype=dtype) for k in ("mem", "syn", "spk")}
                           for layer in neurons]}

    def step(self, x: torch.Tensor, run: dict, detach: bool = False) -> list[torch.Tensor]:
        """One time step of x (B, *input_shape): each neuron layer's spikes. detach: cut the
        temporal route first (the state enters as a constant: SLTT)."""
        q, b = run["q"], x.shape[0]
        a = x.to(run["dtype"]) if q is None else torch.clamp(torch.round(x.double() / self.input_scale), -128, 127)
        spikes, k = [], 0
        for layer in self.graph.layers:
            if layer.is_neuron:
                state = run["states"][k]
                if detach:
                    for key in state:
                        state[key] = state[key].detach()
                a = neuron_step(layer.kind, layer.reset, layer.reset_delay, state, a.reshape(b, -1),
                                run["recurrent"][k], run["arith"][k])
                spikes.append(a)
                k += 1
            else:
                a = self._synapse(layer, a, q)
        return spikes

    def forward(self, x: torch.Tensor):
        run = self.start(x.shape[0])
        spikes, mems = [[] for _ in self.graph.neurons], [[] for _ in self.graph.neurons]
        for t in range(x.shape[1]):
            for k, s in enumerate(self.step(x[:, t], run)):
                spikes[k].append(s)
                mems[k].append(run["states"][k]["mem"])
        return [torch.stack(s, 1) for s in spikes], [torch.stack(m, 1) for m in mems]
