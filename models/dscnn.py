"""DS-CNN (small) for keyword spotting as in MLPerf Tiny: 49x10 MFCC -> 12 classes; a
10x4 stride-2 convolution, then four depthwise-separable blocks of 64 channels."""

import torch
from torch import nn

from _common import randomize_batch_norm


def _ds_block(ch):
    return nn.Sequential(
        nn.Conv2d(ch, ch, 3, 1, 1, groups=ch, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
        nn.Conv2d(ch, ch, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
    )


def make():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 64, (10, 4), stride=2, padding=(5, 1), bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        *[_ds_block(64) for _ in range(4)],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 12),
    )
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 1, 49, 10)
