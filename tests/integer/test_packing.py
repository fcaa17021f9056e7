"""Packing of sub-8-bit weights round-trips."""

from __future__ import annotations

import numpy as np

from mcuforge.integer.packing import pack, row_bytes, unpack


def test_int4_and_binary_round_trip():
    rng = np.random.default_rng(0)
    w4 = rng.integers(-8, 8, (5, 13)).astype(np.int8)
    p4 = pack(w4, 4)
    assert p4.shape == (5, row_bytes(13, 4)) == (5, 7)
    assert np.array_equal(unpack(p4, 4, 13), w4)
    assert p4[0, 0] == ((int(w4[0, 0]) & 0xF) | ((int(w4[0, 1]) & 0xF) << 4))  # low nibble first
    wb = np.where(rng.random((3, 19)) > 0.5, 1, -1).astype(np.int8)
    pb = pack(wb, 1)
    assert pb.shape == (3, 3)
    assert np.array_equal(unpack(pb, 1, 19), wb)
    assert (pb[0, 0] & 1) == (wb[0, 0] > 0)  # least significant bit first
