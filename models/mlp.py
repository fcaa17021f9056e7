"""A small MLP classifier (e.g. for 8x8 digits flattened to 64 features)."""

import torch
from torch import nn


def make():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return model.eval(), torch.zeros(1, 64)
