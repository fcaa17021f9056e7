"""An MLP for scikit-learn's bundled handwritten digits (1797 real 8x8 images, offline):
64 -> 64 -> 32 -> 10. `make()` gives the untrained model and an example input, `data()` the
train/test split (features scaled to [0, 1]), `loader()` batches of the training split."""

import numpy as np
import torch
from torch import nn


def data(seed: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(x, digits.target, test_size=0.2, random_state=seed, stratify=digits.target)
    return tuple(torch.from_numpy(a) for a in (xtr, ytr, xte, yte))


def make():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return model.eval(), torch.zeros(1, 64)


def loader(batch_size: int = 32):
    xtr, ytr, _, _ = data()
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr), batch_size=batch_size,
                                       shuffle=True, generator=torch.Generator().manual_seed(0))


def batches(split: str):
    """For `mcuforge quantize --data models/digits.py:batches`: (x, y) batches of a split."""
    if split == "train":
        return loader()
    _, _, xte, yte = data()
    return [(xte, yte)]


def make_cnn():
    """A small CNN on the 8x8 digits as 1x8x8 images: conv-BN-ReLU, pool, depthwise-pointwise, linear."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(), nn.Conv2d(8, 16, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )
    return model.eval(), torch.zeros(1, 1, 8, 8)


def image_batches(split: str):
    """`batches` with the digits as 1x8x8 images, for make_cnn."""
    return [(x.reshape(-1, 1, 8, 8), y) for x, y in batches(split)]
