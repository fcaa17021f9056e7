"""The integer spiking network: what the C computes, and its host reference (the specification).

Each synapse (dense, conv2d) and the neuron layer after it share one unit `s_u`: int8 weights
`w_q = round(w * s_in / s_u)` (s_in: the input's scale for the first synapse, 1 for spikes),
int32 biases `round(b / s_u)` (an all-to-all recurrence's bias folded in), the threshold
`theta_q = round(theta / s_u)` and the membrane, all in that unit; s_u is chosen so that the
largest weight (the recurrent weights included) maps to 127. Max pooling between a synapse and
its neurons pools the int32 currents; after the neurons it pools the spikes. Leak factors are
Q15, the membrane int16 or int32 (chosen per layer from the calibrated range, neuron.py).

`run` computes a batch of sequences exactly: sums in float64 (every partial sum an integer far
below 2^53), the neuron recurrence in int64 (neuron.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import McuforgeError
from .graph import LayerKind
from .neuron import Arith, neuron_step

Q = 15  # leak factors in Q15
MEMBRANE_RANGE = {"int16": (-(1 << 15), (1 << 15) - 1), "int32": (-(1 << 31), (1 << 31) - 1)}
S16_DRIVE_BOUND = 1 << 28  # an int16 layer computes in int32: its current must stay below this


@dataclass
class IntLayer(LayerKind):
    kind: str  # dense, conv2d, maxpool, flatten, leaky, rleaky, synaptic
    name: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: dict = field(default_factory=dict)
    # dense/conv2d: weight (int8), bias (int32), stride, padding, event (bool: spike-list kernel)
    # maxpool: kernel, stride, dtype ("int32" on currents, "int8" on spikes)
    # neurons: beta, alpha (int32 Q15, one or one per neuron), theta, reset, delay, membrane,
    #          unit (float), drive_bound; rleaky: rec_weight (int8) or rec_v (int32)


@dataclass
class IntSpikingGraph:
    name: str
    input_shape: tuple[int, ...]
    input_scale: float  # x_q = clamp(round(x / input_scale)); 1 for spikes
    layers: list[IntLayer]

    @property
    def neurons(self) -> list[IntLayer]:
        return [layer for layer in self.layers if layer.is_neuron]

    @property
    def output_size(self) -> int:
        return self.neurons[-1].size

    @property
    def input_size(self) -> int:
        return int(np.prod(self.input_shape))

    def quantize_input(self, x) -> np.ndarray:
        x = np.asarray(x, np.float64)
        return np.clip(np.round(x / self.input_scale), -128, 127).astype(np.int8)


def leak_int(u, q):
    """The integer leak: (u * q + 2^14) >> 15 (arithmetic shift: floor)."""
    return (u * q + (1 << (Q - 1))) >> Q


def saturate_int(u, membrane: str):
    lo, hi = MEMBRANE_RANGE[membrane]
    return np.clip(u, lo, hi)


@dataclass
class Trace:
    """Per neuron layer: spikes (B, T, n) int8 and membranes (B, T, n) int64."""
    spikes: list[np.ndarray]
    membranes: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.spikes[-1]


def synapse_int(layer: IntLayer, x: np.ndarray) -> np.ndarray:
    """The current of a synapse (dense, conv2d), a max pooling or a flatten, exact, in int64."""
    p = layer.params
    b = len(x)
    if layer.kind == "dense":
        w = p["weight"].astype(np.float64)
        return np.rint(x.reshape(b, -1).astype(np.float64) @ w.T).astype(np.int64) + p["bias"]
    if layer.kind == "conv2d":
        y = torch.nn.functional.conv2d(torch.from_numpy(x.reshape(b, *layer.in_shape).astype(np.float64)),
                                       torch.from_numpy(p["weight"].astype(np.float64)), None,
                                       tuple(p["stride"]), tuple(p["padding"]))
        return np.rint(y.numpy()).astype(np.int64) + p["bias"].reshape(1, -1, 1, 1)
    if layer.kind == "maxpool":
        y = torch.nn.functional.max_pool2d(torch.from_numpy(x.reshape(b, *layer.in_shape).astype(np.float64)),
                                           tuple(p["kernel"]), tuple(p["stride"]))
        return np.rint(y.numpy()).astype(np.int64)
    if layer.kind == "flatten":
        return x.reshape(b, -1)
    raise McuforgeError(f"layer {layer.name}: {layer.kind} is not a synapse")


def int_arith(layer: IntLayer, saturate: bool = True) -> Arith:
    p = layer.params
    n = layer.size

    def leak(u, which):
        q = p[which].astype(np.int64)
        return leak_int(u, q if q.size == 1 else q.reshape(1, n))

    return Arith(leak=leak, fire=lambda u: (u > p["theta"]).astype(np.int64),
                 crossed=lambda u: (u > p["theta"]).astype(np.int64),
                 saturate=(lambda u, _: saturate_int(u, p["membrane"])) if saturate else (lambda u, _: u),
                 theta=np.int64(p["theta"]))


def recurrent_int(layer: IntLayer):
    p = layer.params
    if "rec_weight" in p:
        w = p["rec_weight"].astype(np.float64)
        return lambda s: np.rint(s.astype(np.float64) @ w.T).astype(np.int64)
    v = p.get("rec_v", np.zeros(1, np.int64)).astype(np.int64)
    return lambda s: s * (v if v.size == 1 else v.reshape(1, -1))


def initial_state(layer: IntLayer, batch: int) -> dict:
    zeros = np.zeros((batch, layer.size), np.int64)
    return {"mem": zeros.copy(), "syn": zeros.copy(), "spk": zeros.copy()}


def run(graph: IntSpikingGraph, x: np.ndarray, saturate: bool = True) -> Trace:
    """The integer reference on a batch of sequences x (B, T, *input_shape) int8, from reset:
    every neuron layer's spikes and membranes at every step. saturate=False: membranes in int64
    without their type's limits (the calibration that chooses the types)."""
    x = np.asarray(x)
    b, steps = x.shape[:2]
    neurons = graph.neurons
    states = [initial_state(layer, b) for layer in neurons]
    arith = [int_arith(layer, saturate) for layer in neurons]
    recurrent = [recurrent_int(layer) for layer in neurons]
    spikes = [np.zeros((b, steps, layer.size), np.int8) for layer in neurons]
    membranes = [np.zeros((b, steps, layer.size), np.int64) for layer in neurons]
    for t in range(steps):
        a = x[:, t].reshape(b, -1).astype(np.int64)
        k = 0
        for layer in graph.layers:
            if layer.is_neuron:
                a = neuron_step(layer.kind, layer.params["reset"], layer.params["delay"], states[k],
                                a.reshape(b, -1), recurrent[k], arith[k])
                spikes[k][:, t] = a
                membranes[k][:, t] = states[k]["mem"]
                k += 1
            else:
                a = synapse_int(layer, a)
    return Trace(spikes, membranes)
