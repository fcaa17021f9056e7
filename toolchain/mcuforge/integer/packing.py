"""Sub-8-bit weights in flash: int4 two per byte (low nibble first, two's complement), binary
(+-1) eight per byte (bit set = +1, least significant bit first). Each row (output unit) starts
on a byte, so a kernel finds row u at u * row_bytes."""

from __future__ import annotations

import numpy as np


def row_bytes(depth: int, bits: int) -> int:
    return -(-depth * bits // 8)


def pack(weights: np.ndarray, bits: int) -> np.ndarray:
    """(units, depth) int8 values -> (units, row_bytes) uint8."""
    w = np.asarray(weights, np.int64)
    units, depth = w.shape
    if bits == 8:
        return w.astype(np.int8).view(np.uint8)
    if bits == 4:
        if w.min() < -8 or w.max() > 7:
            raise ValueError("int4 weights must lie in [-8, 7]")
        nib = np.zeros((units, row_bytes(depth, 4) * 2), np.int64)
        nib[:, :depth] = w & 0xF
        return (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8)
    if bits == 1:
        if not np.all(np.abs(w) == 1):
            raise ValueError("binary weights must be +1 or -1")
        bitsarr = np.zeros((units, row_bytes(depth, 1) * 8), np.int64)
        bitsarr[:, :depth] = w > 0
        return np.packbits(bitsarr.astype(np.uint8), axis=1, bitorder="little")
    raise ValueError(f"{bits}-bit weights")


def unpack(packed: np.ndarray, bits: int, depth: int) -> np.ndarray:
    p = np.asarray(packed, np.uint8)
    if bits == 8:
        return p.view(np.int8)[:, :depth]
    if bits == 4:
        nib = np.stack([p & 0xF, p >> 4], axis=2).reshape(p.shape[0], -1)[:, :depth].astype(np.int8)
        return np.where(nib > 7, nib - 16, nib).astype(np.int8)
    bitsarr = np.unpackbits(p, axis=1, bitorder="little")[:, :depth]
    return np.where(bitsarr == 1, 1, -1).astype(np.int8)
