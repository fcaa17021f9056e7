"""DS-CNN (small) for keyword spotting as in MLPerf Tiny: 49x10 MFCC -> 12 classes; a
10x4 stride-2 convolution, then four depthwise-separable blocks of 64 channels.

make_causal() / trained_causal(): the same blocks unpadded along time (padding only across the
10 coefficients) and with stride 1 along time, so that the model streams exactly one MFCC frame
at a time (`mcuforge run dscnn.mfq --stream --hop 1`): 49 frames -> 40 after the first
convolution -> 32 after the four 3x3 depthwise layers."""

import numpy as np
import torch
from torch import nn

from _common import accuracy, fit_classifier, randomize_batch_norm, split_batches


def _ds_block(ch, time_padding=1):
    return nn.Sequential(
        nn.Conv2d(ch, ch, 3, 1, (time_padding, 1), groups=ch, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
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


def build_causal():
    return nn.Sequential(
        nn.Conv2d(1, 64, (10, 4), stride=(1, 2), padding=(0, 1), bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        *[_ds_block(64, time_padding=0) for _ in range(4)],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 12),
    )


def make_causal():
    torch.manual_seed(0)
    model = build_causal()
    randomize_batch_norm(model)
    return model.eval(), torch.zeros(1, 1, 49, 10)


WORDS = ("silence", "unknown", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")


def keywords(n, seed=0):
    """n synthetic 49x10 MFCC-like maps of twelve 'keywords', (n, 1, 49, 10) float32, and labels.
    Each word is a fixed sequence of 2-4 'phones' (a spectral shape over the 10 coefficients held
    for a random length); utterances vary in onset, speed, loudness and noise; 'silence' is noise
    only and 'unknown' a random phone sequence. Offline data in MLPerf KWS's format."""
    rng = np.random.default_rng(seed)
    phones = np.random.default_rng(1234).normal(0, 1, (16, 10)).astype(np.float32)  # fixed inventory
    lexicon = np.random.default_rng(99).integers(0, 16, (12, 4))
    lengths = np.random.default_rng(98).integers(2, 5, 12)
    x = rng.normal(0, 0.3, (n, 1, 49, 10)).astype(np.float32)
    y = rng.integers(0, 12, n)
    for i in range(n):
        if y[i] == 0:
            continue
        seq = rng.integers(0, 16, rng.integers(2, 5)) if y[i] == 1 else lexicon[y[i], :lengths[y[i]]]
        t = int(rng.integers(0, 12))
        gain = rng.uniform(0.7, 1.4)
        for ph in seq:
            d = int(rng.integers(5, 10))
            end = min(49, t + d)
            x[i, 0, t:end] += gain * phones[ph]
            t = end
    return x, y


def batches(split):
    """For `mcuforge quantize --data models/dscnn.py:batches`: (x, y) batches of a split."""
    return split_batches(keywords, split, 2000, 500, 64)


def train(epochs=6, seed=0):
    """(model, test accuracy) after `epochs` over 2,000 synthetic utterances (seconds on a CPU)."""
    torch.manual_seed(seed)
    train_batches = batches("train")
    model = fit_classifier(make()[0], lambda: train_batches, epochs)
    return model, accuracy(model, *keywords(500, 1))


def trained():
    """The model after train() (seconds), for `mcuforge quantize` and `mcuforge eval`."""
    return train()[0].eval(), make()[1]


def train_causal(epochs=6, seed=0):
    """(streamable model, test accuracy), trained as train() does."""
    torch.manual_seed(seed)
    train_batches = batches("train")
    model = fit_classifier(build_causal(), lambda: train_batches, epochs)
    return model, accuracy(model, *keywords(500, 1))


def trained_causal():
    return train_causal()[0].eval(), make()[1]
