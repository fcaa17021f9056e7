"""A 1-D CNN for biosignals: 8 s of PPG/ECG at 32 Hz (256 samples) -> 4 classes."""

import torch
from torch import nn

from _common import randomize_batch_norm


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

