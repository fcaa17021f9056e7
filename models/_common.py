"""Helpers shared by the zoo models."""

import torch
from torch import nn


def randomize_batch_norm(model):
    """Give batch norms non-trivial statistics, as training would."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def fit_classifier(model, epoch_batches, epochs, lr=3e-3):
    """Train with Adam on cross entropy; `epoch_batches()` gives one epoch's (x, y) batches.
    Returns the model in eval mode."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for xb, yb in epoch_batches():
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def accuracy(model, x, y) -> float:
    """Top-1 accuracy of `model` on numpy inputs and labels."""
    return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def as_batches(x, y, size):
    """(x, y) numpy arrays as a list of (inputs, labels) tensor batches of `size`."""
    return list(zip(torch.from_numpy(x).split(size), torch.from_numpy(y).split(size)))


def split_batches(data, split, n_train, n_test, size):
    """A recipe's `batches(split)` for `mcuforge quantize --data`: batches of `size` of
    data(n, seed), n_train samples of seed 0 for "train", n_test of seed 1 otherwise."""
    train = split == "train"
    return as_batches(*data(n_train if train else n_test, 0 if train else 1), size)
