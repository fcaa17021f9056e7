"""MobileNetV1, width 0.25, on 96x96x3 images -> 2 classes: the MLPerf Tiny Visual Wake Words
model (a stride-2 3x3 stem of 8 channels, 13 depthwise/pointwise pairs up to 256 channels, global
average pooling, a classifier). About 7.5 M MACs and 0.2 M weights.

make(): the model with random weights and batch-norm statistics.
train(): a short recipe on offline data: `scenes` draws textured backgrounds with or without a
person-like figure (a body and a head of random size, colour and place)."""

import numpy as np
import torch
from torch import nn

from _common import accuracy, fit_classifier, randomize_batch_norm, split_batches

SIZE = 96


def _dw_pw(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(),
    )


PAIRS = [(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2)] + [(128, 128, 1)] * 5 + [
    (128, 256, 2), (256, 256, 1)]


def build():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
        *[_dw_pw(a, b, s) for a, b, s in PAIRS],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 2),
    )


def make():
    torch.manual_seed(0)
    model = build()
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 3, SIZE, SIZE)


def scenes(n, seed=0):
    """(images (n, 3, 96, 96) float32 in [-1, 1], labels (n,) int64: 1 = a figure is present)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    images = np.empty((n, 3, SIZE, SIZE), np.float32)
    labels = rng.integers(0, 2, n)
    for i in range(n):
        f = rng.uniform(2, 12, 2)
        texture = 0.5 + 0.25 * np.sin(2 * np.pi * (f[0] * xx + rng.uniform()) ) * np.cos(2 * np.pi * f[1] * yy)
        img = texture[None] * rng.uniform(0.3, 1.0, (3, 1, 1)) + rng.normal(0, 0.05, (3, SIZE, SIZE))
        if labels[i]:
            h = rng.uniform(0.35, 0.8)
            cx, top = rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.95 - h)
            body = ((xx - cx) / (0.12 * h)) ** 2 + ((yy - top - 0.6 * h) / (0.4 * h)) ** 2 < 1
            head = ((xx - cx) / (0.09 * h)) ** 2 + ((yy - top - 0.1 * h) / (0.1 * h)) ** 2 < 1
            colour = rng.uniform(0, 1, 3)
            img[:, body | head] = colour[:, None]
        images[i] = img * 2 - 1
    return images, labels


def train(epochs=3, n=768, seed=0):
    """(model, test accuracy) after `epochs` over n synthetic scenes (under a minute on 2 cores)."""
    torch.manual_seed(seed)
    model = build()
    x, y = (torch.from_numpy(a) for a in scenes(n, seed))
    model = fit_classifier(model, lambda: [(x[i], y[i]) for i in torch.randperm(n).split(32)], epochs)
    return model, accuracy(model, *scenes(256, seed + 1))


def batches(split):
    """For `mcuforge quantize --data models/mobilenet_v1.py:batches`: (x, y) batches of a split."""
    return split_batches(scenes, split, 768, 256, 32)
