"""A streaming 1-D model that keeps state between calls: each call brings one new frame of 4
sensor channels; a delay line holds the last 8 frames, a causal convolution over it detects
patterns, a running sum of its activations (a leaky integrator) accumulates evidence, and a
linear head reads the integrator. The state lives in two buffers the forward pass updates
in place, as a PyTorch user writes it; mcuforge keeps them in the C library's state storage,
set by mf_model_reset()."""

import torch
from torch import nn

FRAME, HISTORY, FEATURES = 4, 8, 16


class StreamingDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("history", torch.zeros(1, FRAME, HISTORY))  # the delay line
        self.register_buffer("evidence", torch.full((1, FEATURES), 0.5))  # the integrator, not zero at reset
        self.conv = nn.Conv1d(FRAME, FEATURES, HISTORY)
        self.head = nn.Linear(FEATURES, 3)

    def forward(self, frame):  # frame: (1, FRAME)
        self.history.copy_(torch.cat([self.history[:, :, 1:], frame.unsqueeze(2)], dim=2))
        features = torch.relu(self.conv(self.history)).flatten(1)
        self.evidence.mul_(0.75).add_(features)
        return self.head(self.evidence)


def make():
    torch.manual_seed(0)
    return StreamingDetector().eval(), torch.zeros(1, FRAME)
