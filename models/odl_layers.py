"""Single layers for the training benchmarks (bench/run.py, table "training"): a ResNet-8
convolution (3x3, 16 -> 16 channels on 32x32, padding 1) with the smallest head that gives a
loss (global average pooling and a linear layer of 16 -> 10)."""

import torch
from torch import nn


def conv3x3():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(16, 10))
    return model.eval(), torch.zeros(1, 16, 32, 32)
