"""A synthetic event-camera data set (DVS-like, offline): a shape (square, cross or bar) moves
across a 16x16 sensor in one of four directions (the class: right, left, down, up) at one pixel
a step, from a random place; each step's events are the pixels whose brightness rose (ON, channel
0) or fell (OFF, channel 1) since the step before, plus 1 % sensor noise. 20 steps, 2 x 16 x 16
binary events a step; seeded. The direction needs the order of the events, not one frame.

`make()`: a convolutional SNN (snnTorch); `batches(split)`: (events (B, 20, 2, 16, 16), labels)."""

import numpy as np
import snntorch as snn
import torch
from torch import nn

STEPS, SIZE, CLASSES = 20, 16, 4
MOVES = ((0, 1), (0, -1), (1, 0), (-1, 0))  # (dy, dx): right, left, down, up


def _shape(kind: int) -> np.ndarray:
    s = np.zeros((5, 5), np.float32)
    if kind == 0:
        s[1:4, 1:4] = 1
    elif kind == 1:
        s[2, :] = 1
        s[:, 2] = 1
    else:
        s[2, :] = 1
    return s


def _frames(label: int, rng: np.random.Generator) -> np.ndarray:
    """Brightness frames (STEPS + 1, SIZE, SIZE) of one sample."""
    shape = _shape(int(rng.integers(3)))
    if rng.random() < 0.5:
        shape = shape.T.copy()
    dy, dx = MOVES[label]
    y, x = (int(v) for v in rng.integers(-2, SIZE - 3, 2))
    y -= dy * STEPS // 2
    x -= dx * STEPS // 2
    frames = np.zeros((STEPS + 1, SIZE + 10, SIZE + 10), np.float32)
    for t in range(STEPS + 1):
        py, px = y + dy * t + 5, x + dx * t + 5
        if 0 <= py <= SIZE + 5 and 0 <= px <= SIZE + 5:
            frames[t, py:py + 5, px:px + 5] = shape
    return frames[:, 5:5 + SIZE, 5:5 + SIZE]


def events(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(CLASSES, size=n)
    x = np.zeros((n, STEPS, 2, SIZE, SIZE), np.float32)
    for i, label in enumerate(labels):
        f = _frames(int(label), rng)
        diff = f[1:] - f[:-1]
        x[i, :, 0] = diff > 0
        x[i, :, 1] = diff < 0
    noise = rng.random(x.shape) < 0.01
    x = np.maximum(x, noise.astype(np.float32))
    return torch.from_numpy(x), torch.from_numpy(labels)


def make():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 8, 3, padding=1), nn.MaxPool2d(2), snn.Leaky(beta=0.8, init_hidden=True),
        nn.Conv2d(8, 16, 3, padding=1), nn.MaxPool2d(2), snn.Leaky(beta=0.8, init_hidden=True),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 32), snn.Leaky(beta=0.9, init_hidden=True),
        nn.Linear(32, CLASSES), snn.Leaky(beta=0.9, init_hidden=True, output=True))
    return model, torch.zeros(1, 2, SIZE, SIZE)


def batches(split: str, batch_size: int = 32):
    """(events, labels): 1,200 training samples in shuffled batches, 400 test samples whole."""
    if split == "train":
        x, y = events(1200, 1)
        return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return [events(400, 2)]
