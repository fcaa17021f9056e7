"""A 1-D CNN for biosignals: 8 s of PPG/ECG at 32 Hz (256 samples) -> 4 classes."""

import numpy as np
import torch
from torch import nn

from _common import accuracy, fit_classifier, randomize_batch_norm, split_batches


def make():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(1, 8, 7, stride=2, padding=3), nn.BatchNorm1d(8), nn.ReLU(),
        nn.Conv1d(8, 16, 5, stride=2, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
        nn.MaxPool1d(2),
        nn.Conv1d(16, 16, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, 4),
    )
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 1, 256)



RATE, SECONDS = 32, 8
CLASSES = ("normal", "tachycardia", "bradycardia", "irregular")


def signals(n, seed=0):
    """n synthetic 8 s pulse recordings at 32 Hz, (n, 1, 256) float32, and their rhythm class:
    beats (a sharp systolic peak and a dicrotic bump) at 60-95 bpm (normal), 110-160
    (tachycardia), 35-52 (bradycardia) or at random intervals (irregular), with baseline wander,
    amplitude changes and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(RATE * SECONDS) / RATE
    x = np.empty((n, 1, len(t)), np.float32)
    y = rng.integers(0, 4, n)
    for i in range(n):
        bpm = {0: (60, 95), 1: (110, 160), 2: (35, 52), 3: (55, 120)}[int(y[i])]
        beat, times = 60 / rng.uniform(*bpm), []
        now = rng.uniform(0, beat)
        while now < SECONDS:
            times.append(now)
            now += beat * (rng.uniform(0.45, 1.55) if y[i] == 3 else rng.uniform(0.96, 1.04))
        wave = np.zeros_like(t)
        for b in times:
            a = rng.uniform(0.7, 1.3)
            wave += a * np.exp(-0.5 * ((t - b) / 0.06) ** 2) + 0.35 * a * np.exp(-0.5 * ((t - b - 0.3) / 0.1) ** 2)
        wander = 0.3 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 6.3))
        x[i, 0] = wave + wander + rng.normal(0, 0.05, len(t))
    return x, y


def batches(split):
    """For `mcuforge quantize --data models/cnn1d.py:batches`: (x, y) batches of a split."""
    return split_batches(signals, split, 1024, 256, 32)


def train(epochs=15, seed=0):
    """(model, test accuracy) after `epochs` over 1,024 synthetic recordings (seconds on a CPU)."""
    torch.manual_seed(seed)
    train_batches = batches("train")
    model = fit_classifier(make()[0], lambda: train_batches, epochs)
    return model, accuracy(model, *signals(256, 1))
