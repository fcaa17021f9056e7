"""ResNet-8 as in MLPerf Tiny image classification: 32x32x3 -> 10 classes, three residual
stages (16, 32, 64 channels) with batch norm and residual adds."""

import numpy as np
import torch
from torch import nn

from _common import accuracy, fit_classifier, randomize_batch_norm, split_batches


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = None if stride == 1 and cin == cout else nn.Conv2d(cin, cout, 1, stride)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.skip is None else self.skip(x)))


class ResNet8(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.stages = nn.Sequential(Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2))
        self.head = nn.Linear(64, classes)

    def forward(self, x):
        y = self.stages(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


def make():
    torch.manual_seed(0)
    model = ResNet8()
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 3, 32, 32)


SHAPES = ("disc", "square", "ring", "cross", "h-stripes", "v-stripes", "checker", "diagonal", "triangle", "dots")


def shapes(n, seed=0):
    """n synthetic 32x32 colour images of ten shape classes (random size, place, colours, noise),
    (n, 3, 32, 32) float32 in about [-1, 1], and labels: offline data in CIFAR-10's format."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    x = np.empty((n, 3, 32, 32), np.float32)
    y = rng.integers(0, 10, n)
    for i in range(n):
        cy, cx, r = rng.uniform(10, 22), rng.uniform(10, 22), rng.uniform(5, 10)
        dy, dx, p = yy - cy, xx - cx, rng.uniform(3, 6)
        mask = {
            0: dy ** 2 + dx ** 2 < r ** 2,
            1: (abs(dy) < r * 0.8) & (abs(dx) < r * 0.8),
            2: abs(np.sqrt(dy ** 2 + dx ** 2) - r) < 1.5,
            3: ((abs(dy) < 1.5) | (abs(dx) < 1.5)) & (abs(dy) < r) & (abs(dx) < r),
            4: (yy // p) % 2 == 0,
            5: (xx // p) % 2 == 0,
            6: ((yy // p) + (xx // p)) % 2 == 0,
            7: abs(dy - dx) < 2,
            8: (dy > -r) & (dy < r) & (abs(dx) < (dy + r) / 2),
            9: ((yy % p) < 1.5) & ((xx % p) < 1.5),
        }[int(y[i])]
        fg, bg = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        img = np.where(mask[None], fg[:, None, None], bg[:, None, None]) + rng.normal(0, 0.08, (3, 32, 32))
        x[i] = img * 2 - 1
    return x, y


def batches(split):
    """For `mcuforge quantize --data models/resnet8.py:batches`: (x, y) batches of a split."""
    return split_batches(shapes, split, 3000, 500, 64)


def train(epochs=8, n=3000, seed=0):
    """(model, test accuracy) after `epochs` over n synthetic shape images (about 30 s on 2 cores)."""
    torch.manual_seed(seed)
    model = ResNet8()
    x, y = (torch.from_numpy(a) for a in shapes(n, seed))
    model = fit_classifier(model, lambda: [(x[i], y[i]) for i in torch.randperm(n).split(64)], epochs)
    return model, accuracy(model, *shapes(500, seed + 1))


def trained():
    """The model after train() (about 30 s), for `mcuforge quantize` and `mcuforge eval`."""
    return train()[0].eval(), torch.zeros(1, 3, 32, 32)
