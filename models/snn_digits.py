"""Spiking networks (snnTorch) on scikit-learn's bundled handwritten digits (1797 real 8x8
images, offline), rate-coded: each pixel fires at each of T = 20 steps with the probability of
its intensity (snntorch.spikegen.rate, seeded), so a sample is 20 x 64 spikes.

`make()`: a feed-forward LIF net 64 -> 96 -> 10; `make_conv()`: a convolutional SNN on 1x8x8;
`make_recurrent()`: an RLeaky hidden layer. `batches(split)` / `image_batches(split)`: (spikes
(B, T, ...), labels) for `mcuforge quantize --data`."""

import numpy as np
import snntorch as snn
import torch
from torch import nn

from digits import data

STEPS = 20


def _spikes(x: torch.Tensor, seed: int) -> torch.Tensor:
    from snntorch import spikegen

    torch.manual_seed(seed)
    return spikegen.rate(x, num_steps=STEPS).transpose(0, 1).contiguous()  # (B, T, 64)


def make():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 96), snn.Leaky(beta=0.9, init_hidden=True),
                          nn.Linear(96, 10), snn.Leaky(beta=0.9, init_hidden=True, output=True))
    return model, torch.zeros(1, 64)


def make_recurrent():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), snn.RLeaky(beta=0.9, linear_features=64, init_hidden=True),
                          nn.Linear(64, 10), snn.Leaky(beta=0.9, init_hidden=True, output=True))
    return model, torch.zeros(1, 64)


def make_conv():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.MaxPool2d(2), snn.Leaky(beta=0.9, init_hidden=True),
                          nn.Conv2d(8, 16, 3, padding=1), snn.Leaky(beta=0.9, init_hidden=True), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 2 * 2, 10), snn.Leaky(beta=0.9, init_hidden=True, output=True))
    return model, torch.zeros(1, 1, 8, 8)


def batches(split: str, batch_size: int = 64):
    """(spikes (B, 20, 64), labels) batches: the training split shuffled (seeded), the test split whole."""
    xtr, ytr, xte, yte = data()
    if split == "train":
        x = _spikes(xtr, 1)
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        return [(x[order[i:i + batch_size]], ytr[order[i:i + batch_size]]) for i in range(0, len(x), batch_size)]
    return [(_spikes(xte, 2), yte)]


def image_batches(split: str):
    """`batches` with each step's spikes as a 1x8x8 image, for make_conv."""
    return [(x.reshape(len(x), STEPS, 1, 8, 8), y) for x, y in batches(split)]
