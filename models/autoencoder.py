"""The MLPerf Tiny anomaly-detection model: a fully connected autoencoder on 5 frames x 128
log-mel bins (640 inputs), 128-unit layers with batch norm and ReLU around an 8-unit
bottleneck. The anomaly score is the reconstruction error.

make(): the model with random weights, as the compiler tests use it.
train(): a short recipe on offline data: `machine_sounds` synthesizes log-mel frames of a
machine (a few harmonic lines that drift, plus noise); anomalies shift and add lines. Trains on
normal sounds only and reports the ROC AUC of the reconstruction error on a held-out mix."""

import numpy as np
import torch
from torch import nn

from _common import randomize_batch_norm

FRAMES, MELS = 5, 128


def _block(cin, cout):
    return [nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU()]


def build():
    dims = [FRAMES * MELS, 128, 128, 128, 128, 8, 128, 128, 128, 128]
    layers = [m for a, b in zip(dims, dims[1:]) for m in _block(a, b)]
    return nn.Sequential(*layers, nn.Linear(128, FRAMES * MELS))


def make():
    torch.manual_seed(0)
    model = build()
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, FRAMES * MELS)


def machine_sounds(n, anomalous=False, seed=0):
    """n windows of 5 log-mel frames (n, 640), float32, about zero mean and unit spread."""
    rng = np.random.default_rng(seed)
    bins = np.arange(MELS)
    base = rng.uniform(10, 110, (n, 1, 3))  # three harmonic lines per clip
    if anomalous:
        base = base + rng.choice([-1, 1], (n, 1, 3)) * rng.uniform(4, 12, (n, 1, 3))
    drift = np.linspace(0, 1, FRAMES)[None, :, None] * rng.normal(0, 0.5, (n, 1, 3))
    centres = base + drift
    x = np.exp(-0.5 * ((bins[None, None, None, :] - centres[..., None]) / 2.0) ** 2).sum(axis=2)
    if anomalous:
        extra = rng.uniform(0, MELS, (n, 1, 1))
        x = x + 0.7 * np.exp(-0.5 * ((bins[None, None, :] - extra) / 1.5) ** 2)
    x = np.log(x + 0.05) + rng.normal(0, 0.1, x.shape)
    return ((x - x.mean()) / x.std()).reshape(n, FRAMES * MELS).astype(np.float32)


def auc(normal_scores, anomaly_scores):
    """ROC AUC: the probability that an anomaly scores higher than a normal window."""
    a = np.asarray(anomaly_scores)[:, None]
    b = np.asarray(normal_scores)[None, :]
    return float(np.mean(a > b) + 0.5 * np.mean(a == b))


def train(epochs=20, seed=0):
    """(model, AUC) after `epochs` over 2,000 normal windows (a few seconds on a CPU)."""
    torch.manual_seed(seed)
    model = build()
    x = torch.from_numpy(machine_sounds(2000, seed=seed))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        for batch in x[torch.randperm(len(x))].split(64):
            opt.zero_grad()
            loss = torch.mean((model(batch) - batch) ** 2)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        def score(d):
            t = torch.from_numpy(d)
            return torch.mean((model(t) - t) ** 2, dim=1).numpy()

        normal = score(machine_sounds(300, seed=seed + 1))
        anomalies = score(machine_sounds(300, anomalous=True, seed=seed + 2))
    return model, auc(normal, anomalies)


def batches(split):
    """For `mcuforge eval --data models/autoencoder.py:batches`: (x, label) batches; 'train' is
    2,000 normal windows, 'test' 300 normal (label 0) and 300 anomalous (label 1) ones, the mix
    train() scores."""
    from _common import as_batches

    if split == "train":
        x = machine_sounds(2000)
        return as_batches(x, np.zeros(len(x), np.int64), 64)
    x = np.concatenate([machine_sounds(300, seed=1), machine_sounds(300, anomalous=True, seed=2)])
    return as_batches(x, np.repeat(np.array([0, 1], np.int64), 300), 64)


def trained():
    """The model after train() (about 4 s), for `mcuforge eval` and `mcuforge quantize`."""
    return train()[0].eval(), torch.zeros(1, FRAMES * MELS)
