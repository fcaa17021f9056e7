"""A MobileNetV1-style net (width 0.25) on 48x48x3 inputs: a stride-2 stem, then depthwise /
pointwise pairs with ReLU6, global average pooling and a classifier (2 classes, as in Visual
Wake Words). Sized to fit every target in fp32."""

import torch
from torch import nn

from _common import randomize_batch_norm


def _dw_pw(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(),
    )


def make():
    torch.manual_seed(0)
    widths = [(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1)]
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
        *[_dw_pw(a, b, s) for a, b, s in widths],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 2),
    )
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 3, 48, 48)
