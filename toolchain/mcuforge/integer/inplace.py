"""In-place layers: where an int8 kernel may write its output over its own input.

Every variant of the window kernels (conv2d, depthwise conv2d, average and max pooling: the
references in firmware/kernels/ref/, the ISA variants' nests in firmware/kernels/
mf_conv_s8_common.h, mf_dwconv_s8_common.h and mf_pool_s8_common.h)
walks the output pixels in row-major order and has read the whole window of a pixel before the
pixel's own output bytes are complete; the SIMD conv2d nests work on pairs of pixels and read
both windows again for each block of output channels (a 1x1 convolution reads the input pixels
themselves, not im2col copies), so a pair's outputs must stay clear of both windows. Add is
elementwise. So once the input dies at the layer, the output can
start `lag` bytes below the input: far enough that the bytes written up to pixel i never reach
an input byte that pixel i or a later one still reads. With the output as large as the input
(a 3x3 convolution of 16 channels over 32x32), that is about one row and a pixel of input
instead of a second 16 KiB map. Fully connected layers and softmax read their whole input for
each output and never overlap.
"""

from __future__ import annotations

import numpy as np

from .graph import QOp

WINDOW_KINDS = ("conv2d", "depthwise_conv2d", "avg_pool2d", "max_pool2d")
# Output pixels a conv2d nest computes at a time, reading all their windows before their outputs
# are complete: the SIMD variants' pairs (mf_conv_layout_s8.pixels; ref/ takes one pixel at a time,
# which pairs cover). tests/kernels/test_shared_facts.py checks every variant against it.
CONV_PIXELS = 2


def _window(op: QOp) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel h, w), stride, dilation, padding (top, left) of a window op."""
    p = op.params
    if op.kind in ("avg_pool2d", "max_pool2d"):
        return tuple(p["filter"]), tuple(p["stride"]), (1, 1), tuple(p["pad"])
    _, kh, kw, _ = p["weights"].shape
    return (kh, kw), tuple(p["stride"]), tuple(p["dilation"]), tuple(p["pad"])


def _first_read(size: int, out: int, k: int, stride: int, dilation: int, pad: int) -> np.ndarray:
    """Along one axis, for each output index: the first input index its window reads (the first
    tap inside the input), or -1 where every tap is padding."""
    start = np.arange(out) * stride - pad
    taps = start[:, None] + np.arange(k)[None, :] * dilation
    inside = (taps >= 0) & (taps < size)
    first = np.where(inside, taps, np.iinfo(np.int64).max).min(axis=1)
    return np.where(inside.any(axis=1), first, -1)


def lag(op: QOp) -> int | None:
    """Bytes the output must start below the input to be written over it by `op`'s kernels, or
    None where the kernels cannot write over their input."""
    if op.kind == "add":
        return 0
    if op.kind not in WINDOW_KINDS:
        return None
    (_, ih, iw, ic), (_, oh, ow, oc) = op.inputs[0].shape, op.output.shape
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = _window(op)
    rows, cols = _first_read(ih, oh, kh, sh, dh, ph), _first_read(iw, ow, kw, sw, dw, pw)
    reads = (rows[:, None] * iw + cols[None, :]) * ic  # first input byte each pixel reads
    never = (rows[:, None] < 0) | (cols[None, :] < 0)
    reads = np.where(never, np.iinfo(np.int64).max, reads).reshape(-1)
    still_read = np.minimum.accumulate(reads[::-1])[::-1]  # by pixel i or a later one
    pixels = np.arange(oh * ow)
    unit = CONV_PIXELS if op.kind == "conv2d" else 1  # pixels computed together
    done = np.minimum(pixels // unit * unit + unit, oh * ow)
    written = done * oc  # output bytes that may be written while pixel i is still read
    return int(max(0, (written - still_read).max()))
