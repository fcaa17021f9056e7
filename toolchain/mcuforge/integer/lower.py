"""Target-dependent rewrites of the integer graph, applied by compile_int8 before planning.

A depthwise convolution of a single input channel (how TFLite and our reader store a
convolution of a 1-channel input, e.g. the first layer of the MLPerf KWS DS-CNN) is a
convolution with in_c = 1: the same sums, so the same outputs bit for bit. Where the target's
conv2d variant works on im2col patches (a blocked layout, emit.CONV_LAYOUTS) it is rewritten to
conv2d, whose kernels do a whole window per dot product; elsewhere (the portable reference) the
depthwise kernel is cheaper and the op stays. Everything else is left alone."""

from __future__ import annotations

import dataclasses

from ..build.kernels import kernel_variant
from ..target import Target
from .emit import CONV_LAYOUTS
from .graph import QGraph, QOp


def _as_conv2d(op: QOp) -> QOp:
    w = op.params["weights"]  # 1 x KH x KW x O -> O x KH x KW x 1
    params = {k: v for k, v in op.params.items() if k != "depth_multiplier"}
    return dataclasses.replace(op, kind="conv2d", params={**params, "weights": w.transpose(3, 1, 2, 0).copy()})


def lower_for_target(graph: QGraph, target: Target) -> QGraph:
    if kernel_variant(target, "mf_conv2d_s8") not in CONV_LAYOUTS:
        return graph
    ops = [_as_conv2d(op) if op.kind == "depthwise_conv2d" and op.inputs[0].shape[3] == 1 else op
           for op in graph.ops]
    return dataclasses.replace(graph, ops=ops)
