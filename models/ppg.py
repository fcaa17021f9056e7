"""A PPG heart-rate model for streaming (KID-PPG-like): 8 s of PPG at 32 Hz (256 samples) ->
heart rate. Convolution blocks with dilation and average pooling 4/2/2, every layer unpadded
along time ('valid'), so that the model streams exactly: fed 16k new samples a call it computes
only the new frames of each layer (`mcuforge run models/ppg.py:make --stream --hop 64`).

make(): the model with random weights, as the compiler tests use it.
record(): a long synthetic PPG recording with its heart rate, made offline (a seeded NumPy
generator: the heart rate wanders between 45 and 170 bpm; each beat a systolic peak and a
dicrotic bump; baseline wander, amplitude changes, noise). batches(): 8 s windows of such
recordings, labelled with their mean heart rate (bpm / 100)."""

import numpy as np
import torch
from torch import nn

from _common import randomize_batch_norm

RATE, SECONDS = 32, 8
WINDOW = RATE * SECONDS


def build():
    return nn.Sequential(
        nn.Conv1d(1, 16, 9), nn.BatchNorm1d(16), nn.ReLU(), nn.AvgPool1d(4),          # 256 -> 248 -> 62
        nn.Conv1d(16, 16, 3, dilation=2), nn.BatchNorm1d(16), nn.ReLU(), nn.AvgPool1d(2),  # -> 58 -> 29
        nn.Conv1d(16, 24, 4), nn.BatchNorm1d(24), nn.ReLU(), nn.AvgPool1d(2),         # -> 26 -> 13
        nn.Conv1d(24, 24, 3, dilation=2), nn.ReLU(),                                   # -> 9
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(24, 1),
    )


def make():
    torch.manual_seed(0)
    model = build()
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 1, RATE * SECONDS)


def record(samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(PPG, heart rate in bpm at each sample): float32 arrays of `samples` values at 32 Hz."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / RATE
    # heart rate: a slow random walk between 45 and 170 bpm
    steps = rng.normal(0, 0.6, samples // RATE + 2).cumsum()
    bpm = np.clip(rng.uniform(60, 140) + 12 * np.interp(t, np.arange(len(steps)), steps), 45, 170)
    phase = np.cumsum(bpm / 60 / RATE)
    beat = phase % 1.0
    amplitude = np.interp(t, np.arange(0, t[-1] + 4, 4), rng.uniform(0.7, 1.3, int(t[-1] // 4) + 2))
    pulse = np.exp(-0.5 * (beat / 0.07) ** 2) + np.exp(-0.5 * ((beat - 1) / 0.07) ** 2)
    pulse += 0.35 * np.exp(-0.5 * ((beat - 0.35) / 0.09) ** 2)
    wander = 0.3 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 6.3))
    x = amplitude * pulse + wander + rng.normal(0, 0.05, samples)
    return ((x - 0.4) / 0.4).astype(np.float32), bpm.astype(np.float32)


def windows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n 8 s windows (n, 1, 256) cut from recordings, labelled with their mean bpm / 100."""
    x, y = [], []
    for r in range(0, n, 64):
        signal, bpm = record(64 * 128 + WINDOW, seed * 1000 + r)
        for k in range(min(64, n - r)):
            x.append(signal[k * 128:k * 128 + WINDOW])
            y.append(bpm[k * 128:k * 128 + WINDOW].mean() / 100)
    return np.stack(x)[:, None], np.array(y, np.float32)[:, None]


def batches(split):
    """For `mcuforge quantize --data models/ppg.py:batches`: (x, y) batches of a split."""
    x, y = windows(2048 if split == "train" else 512, 0 if split == "train" else 1)
    return list(zip(torch.from_numpy(x).split(64), torch.from_numpy(y).split(64)))


def train(epochs=12, seed=0):
    """(model, mean absolute heart-rate error in bpm on held-out windows) after `epochs` over
    2,048 windows (seconds on a CPU)."""
    torch.manual_seed(seed)
    model = build()
    x, y = (torch.from_numpy(a) for a in windows(2048, seed))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        model.train()
        for i in torch.randperm(len(x)).split(64):
            opt.zero_grad()
            nn.functional.mse_loss(model(x[i]), y[i]).backward()
            opt.step()
    model.eval()
    xt, yt = windows(512, seed + 1)
    with torch.no_grad():
        error = (model(torch.from_numpy(xt)) - torch.from_numpy(yt)).abs().mean().item() * 100
    return model, error


def trained():
    """The model after train(), for `mcuforge quantize`, `mcuforge eval` and streaming."""
    return train()[0].eval(), torch.zeros(1, 1, WINDOW)
