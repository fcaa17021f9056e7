"""A `--data file.py:function` split as the arrays a model takes: float inputs in the model's
layout, or int8 inputs quantized as TFLite's Quantize op does; wrong shapes and types named
with what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..frontend.torch import import_user_function, split_data


def load_split(spec: str, split: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(inputs, labels) of one split; labels None when the function yields None for them."""
    if ".py:" not in spec:
        raise ModelError(f"--data {spec!r}: give file.py:function",
                         hint="function(split) yields (inputs, labels) batches, e.g. models/digits.py:batches")
    path, name = spec.rsplit(":", 1)
    fn = import_user_function(Path(path), name)
    x, y = split_data(fn, split, spec)
    x = x.numpy()
    y = None if y is None or y.numel() == 0 else y.numpy()
    if y is not None and len(y) != len(x):
        raise ModelError(f"{spec}({split!r}) yields {len(x)} inputs but {len(y)} labels",
                         hint="each batch is (inputs, labels) with one label per input")
    if len(x) == 0:
        raise ModelError(f"{spec}({split!r}) yields no samples")
    return x, y


def in_layout(x: np.ndarray, shape: tuple[int, ...], spec: str, what: str) -> np.ndarray:
    """x (N, ...) as (N, *shape[1:]): as it is, or from PyTorch's channels-first layout (NCHW
    for an NHWC model, (N, C, L) for a (1, 1, L, C) one), or flattened."""
    want = tuple(shape[1:])
    if tuple(x.shape[1:]) == want:
        return x
    if len(want) == 3 and x.ndim == 4 and tuple(x.shape[1:]) == (want[2], want[0], want[1]):
        return x.transpose(0, 2, 3, 1)
    if len(want) == 3 and want[0] == 1 and x.ndim == 3 and tuple(x.shape[1:]) == (want[2], want[1]):
        return x.transpose(0, 2, 1).reshape(len(x), *want)
    if x.ndim == 2 and x.shape[1] == int(np.prod(want)):
        return x.reshape(len(x), *want)
    alternatives = f" (or {(want[2], want[0], want[1])}, channels first)" if len(want) == 3 else ""
    raise ModelError(f"{spec} yields inputs of shape {tuple(x.shape[1:])} per sample; {what} takes "
                     f"{want}{alternatives}",
                     hint="make the data function yield inputs the model was built for")


def quantized(x: np.ndarray, scale: float, zero_point: int, spec: str) -> np.ndarray:
    """int8 inputs: int8 data as it is, float data quantized as TFLite's Quantize op
    (round half away from zero of x / scale in float32, plus the zero point, saturated)."""
    if x.dtype == np.int8:
        return x
    if not np.issubdtype(x.dtype, np.floating):
        raise ModelError(f"{spec} yields {x.dtype} inputs; an int8 model takes float32 inputs (quantized with its "
                         f"input scale {scale:g} and zero point {zero_point}) or int8 inputs",
                         hint="yield torch.float32 (or int8, already quantized) tensors")
    if not np.all(np.isfinite(x)):
        raise ModelError(f"{spec} yields inputs that are not finite (NaN or infinity)")
    v = x.astype(np.float32) / np.float32(scale)
    q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def float32(x: np.ndarray, spec: str) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.floating):
        raise ModelError(f"{spec} yields {x.dtype} inputs; a float model takes float32 inputs",
                         hint="yield torch.float32 tensors")
    return x.astype(np.float32)
