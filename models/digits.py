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
