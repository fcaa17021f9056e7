"""The integer IR: int8 tensors with their quantization, and int8 ops whose parameters
(multipliers, shifts, offsets, activation ranges) are computed once on the host."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class QTensor:
    id: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # "int8" | "int32"
    scale: np.ndarray | None = field(default=None, repr=False)  # float32, per tensor or channel
    zero_point: np.ndarray | None = field(default=None, repr=False)
    data: np.ndarray | None = field(default=None, repr=False)  # constants only

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.size * (4 if self.dtype == "int32" else 1)

    def zp(self) -> int:
        return int(self.zero_point[0]) if self.zero_point is not None and self.zero_point.size else 0

    def s(self) -> float:
        return float(self.scale[0])


@dataclass
class QOp:
    index: int  # position in the source model (for error messages)
    kind: str  # the op module's name: conv2d, depthwise_conv2d, fully_connected, ...
    inputs: list[QTensor]  # activations only; weights and biases live in params
    output: QTensor
    params: dict[str, Any] = field(repr=False)


@dataclass
class QGraph:
    tensors: list[QTensor]
    ops: list[QOp]
    input: QTensor
    output: QTensor

    def macs(self) -> int:
        return sum(op.params.get("macs", 0) for op in self.ops)
