"""Training a spiking network with surrogate gradients (BPTT through the time steps), in float
(snnTorch's arithmetic) or quantization-aware (the integer recurrence, straight-through), and
scoring it: float, quantized (the integer reference = the device) and the spike-count readout.

Classification reads the output layer's spike counts over the sample's steps (rate code): the
loss is cross-entropy on the counts, the prediction the neuron that fired most (ties: the lowest
index, as argmax)."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F

from .graph import SpikingGraph
from .integer import IntSpikingGraph, run
from .torchnet import SpikingModule


def train(module: SpikingModule, batches: Iterable, epochs: int, lr: float = 2e-3, seed: int = 0,
          on_epoch: Callable[[int, int, float], None] | None = None) -> float:
    """Adam on cross-entropy of the output spike counts; the mean loss of the last epoch."""
    torch.manual_seed(seed)
    params = [p for p in module.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    loss_sum = 0.0
    for epoch in range(epochs):
        loss_sum, count = 0.0, 0
        for x, y in batches:
            spikes, _ = module(x.float())
            loss = F.cross_entropy(spikes[-1].sum(1).float(), y.long())
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum, count = loss_sum + float(loss.detach()) * len(x), count + len(x)
        loss_sum /= max(count, 1)
        if on_epoch is not None:
            on_epoch(epoch + 1, epochs, loss_sum)
    return loss_sum


def float_counts(graph: SpikingGraph, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """The float model's output spike counts (N, classes)."""
    module = SpikingModule(graph)
    with torch.no_grad():
        parts = [module(torch.from_numpy(np.asarray(x[i:i + batch], np.float32)))[0][-1].sum(1).numpy()
                 for i in range(0, len(x), batch)]
    return np.concatenate(parts)


def integer_counts(graph: IntSpikingGraph, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """The integer network's output spike counts (N, classes): what the device counts."""
    parts = [run(graph, graph.quantize_input(x[i:i + batch])).output.astype(np.int64).sum(1)
             for i in range(0, len(x), batch)]
    return np.concatenate(parts)


def accuracy(counts: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(counts, axis=1) == np.asarray(y)))
