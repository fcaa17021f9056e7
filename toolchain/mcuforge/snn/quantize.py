"""Float spiking graph -> integer spiking graph (integer.py), from calibration sequences.

The input's step: 1 when the calibration inputs are all 0 or 1 (spikes), else max|x| / 127.
Integer parameters come from torchnet.quantized_layers (QAT's forward uses the same). Each
membrane's type is chosen from its range on the calibration data, computed by the integer
reference without limits: int16 when twice that range fits (and its current's static bound keeps
int32 arithmetic exact), else int32; a layer that would overflow int32, or a forced int16 that
the data overflow, is an error naming the layer."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import McuforgeError
from .graph import SpikingGraph
from .integer import MEMBRANE_RANGE, S16_DRIVE_BOUND, IntLayer, IntSpikingGraph, run
from .torchnet import blocks, quantized_layers


def input_scale_of(x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    if np.all((x == 0) | (x == 1)):
        return 1.0
    return max(float(np.max(np.abs(x))), 1e-12) / 127


def _integer_layers(graph: SpikingGraph, input_scale: float) -> list[IntLayer]:
    q = {name: {k: v.detach().numpy() for k, v in p.items()} for name, p in
         quantized_layers(graph, input_scale).items()}
    pairs = {neu.name: syn for syn, neu in blocks(graph)}
    layers, signal = [], "input"
    for layer in graph.layers:
        m, p = layer.module, {}
        if layer.kind in ("dense", "conv2d"):
            p = {"weight": q[layer.name]["weight"].astype(np.int8), "bias": q[layer.name]["bias"].astype(np.int32)}
            if layer.kind == "conv2d":
                p.update(stride=tuple(m.stride), padding=tuple(m.padding))
        elif layer.kind == "maxpool":
            k = (m.kernel_size,) * 2 if isinstance(m.kernel_size, int) else tuple(m.kernel_size)
            s = m.stride or m.kernel_size
            dtype = "int32" if signal == "current" else "int8"
            p = {"kernel": k, "stride": (s, s) if isinstance(s, int) else tuple(s), "dtype": dtype}
        elif layer.is_neuron:
            qp = q[layer.name]
            syn = pairs[layer.name]
            w = q[syn.name]["weight"].astype(np.int64).reshape(len(q[syn.name]["weight"]), -1)
            s_in = 128 if syn is graph.layers[0] else 1
            drive = int(np.max(np.abs(w).sum(1) * s_in + np.abs(q[syn.name]["bias"].astype(np.int64))))
            p = {"theta": int(qp["theta"]), "beta": qp["beta"].astype(np.int32), "reset": layer.reset,
                 "delay": layer.reset_delay, "unit": float(qp["unit"]), "membrane": "int32"}
            if "alpha" in qp:
                p["alpha"] = qp["alpha"].astype(np.int32)
            if "rec_weight" in qp:
                p["rec_weight"] = qp["rec_weight"].astype(np.int8)
                drive += int(np.max(np.abs(qp["rec_weight"]).sum(1)))
            if "rec_v" in qp:
                p["rec_v"] = qp["rec_v"].astype(np.int32)
                drive += int(np.max(np.abs(qp["rec_v"])))
            p["drive_bound"] = drive
        signal = {"dense": "current", "conv2d": "current"}.get(layer.kind, "spikes" if layer.is_neuron else signal)
        layers.append(IntLayer(layer.kind, layer.name, layer.in_shape, layer.out_shape, p))
    return layers


def choose_membranes(g: IntSpikingGraph, calibration: np.ndarray, membrane: str = "auto") -> None:
    """Sets each neuron layer's membrane type from its calibrated range (membrane="auto"), or to
    `membrane` where the data allow it; McuforgeError naming the layer otherwise."""
    trace = run(g, g.quantize_input(calibration), saturate=False)
    for layer, mem in zip(g.neurons, trace.membranes):
        p = layer.params
        peak = max(int(np.max(np.abs(mem))) if mem.size else 0, p["theta"])
        fits16 = 2 * peak <= MEMBRANE_RANGE["int16"][1] and p["drive_bound"] < S16_DRIVE_BOUND
        if p["drive_bound"] > MEMBRANE_RANGE["int32"][1]:
            raise McuforgeError(f"{g.name}: layer {layer.name} ({layer.kind}): its current can reach "
                                f"{p['drive_bound']:,} units, beyond the int32 the kernels sum in",
                                hint="fewer inputs per neuron, or smaller biases against the weights")
        if 2 * peak > MEMBRANE_RANGE["int32"][1]:
            raise McuforgeError(f"{g.name}: layer {layer.name} ({layer.kind}): its membrane reaches {peak:,} "
                                "units on the calibration data, beyond int32 with a margin of 2",
                                hint="lower the weights or the threshold's scale, or retrain with a smaller gain")
        if membrane == "int16" and not fits16:
            why = (f"its membrane reaches {peak:,} units on the calibration data (int16 holds "
                   f"{MEMBRANE_RANGE['int16'][1]:,}, with a margin of 2)" if 2 * peak > MEMBRANE_RANGE["int16"][1]
                   else f"its current can reach {p['drive_bound']:,}, too much for int32 arithmetic")
            raise McuforgeError(f"{g.name}: layer {layer.name} ({layer.kind}) cannot keep an int16 membrane: {why}",
                                hint="use --membrane int32 (or auto)")
        p["membrane"] = "int16" if (membrane == "int16" or (membrane == "auto" and fits16)) else "int32"


def quantize_snn(graph: SpikingGraph, calibration: np.ndarray, membrane: str = "auto",
                 input_scale: float | None = None) -> IntSpikingGraph:
    """The integer network of `graph`, calibrated on sequences (B, T, *input_shape)."""
    if membrane not in ("auto", "int16", "int32"):
        raise McuforgeError(f"unknown membrane type {membrane!r}", hint="auto, int16 or int32")
    calibration = np.asarray(calibration, np.float32)
    scale = input_scale_of(calibration) if input_scale is None else input_scale
    with torch.no_grad():
        g = IntSpikingGraph(graph.name, graph.input_shape, scale, _integer_layers(graph, scale))
    choose_membranes(g, calibration, membrane)
    record_rates(g, calibration)
    return g


def record_rates(g: IntSpikingGraph, calibration: np.ndarray) -> None:
    """Each dense synapse's input rate on the calibration data (the fraction of its inputs that
    are not zero), and each neuron layer's own (what a recurrence reads), from which the
    compiler chooses the event-driven kernel."""
    x = g.quantize_input(calibration)
    trace = run(g, x)
    rate, k = float(np.mean(x != 0)), 0
    for layer in g.layers:
        if layer.kind in ("dense", "conv2d"):
            layer.params["input_rate"] = rate
        if layer.is_neuron:
            rate = float(np.mean(trace.spikes[k] != 0))
            layer.params["rec_rate"] = rate  # what an all-to-all recurrence reads back
            k += 1
