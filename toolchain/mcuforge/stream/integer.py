"""Streaming an int8 model: its graph re-shaped for one call of `hop` new frames, the buffers that
keep each layer's earlier input frames (state), and the reference a stream is held to.

Each call (`mf_model_push(new frames, out)`):
- a layer that reads only the frames its producer just computed (a 1x1 convolution, an add)
  reads them where they are;
- a layer that also reads earlier frames reads its own buffer of `reads` frames in the state:
  right after the producer runs (or at the start of the call, for the model's input) the buffer
  moves its frames forward by the new ones and the new ones are copied in behind them;
- the existing kernels run unchanged on those shorter windows, with no padding along time.

At reset every buffer holds what a long silence (the input's zero point) leaves there: the
frames of that layer's input for an input of zero points (all alike, since nothing along time
is padded). So every output of the stream, from the first call on, is bit for bit the output of
full-window inference over the window that ends at the call's last frame, with silence before
the stream began."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..integer.graph import QGraph, QOp, QTensor
from ..integer.tflite_int8 import reference_tensors, run_reference_batch
from .analysis import LayerStream, StreamError, TimeLayer, check_hop, stream_layer

TIME_KINDS = ("conv2d", "depthwise_conv2d", "avg_pool2d", "max_pool2d")
FRAME_WISE = ("add", "softmax")


def time_axis(graph: QGraph, source: str) -> int:
    """The NHWC axis of time: W for (1, 1, frames, C) inputs (1-D models), else H."""
    shape = graph.input.shape
    if len(shape) != 4 or max(shape[1], shape[2]) == 1:
        raise StreamError(f"{source}: the input {list(shape)} has no time axis",
                          hint="streaming takes models of (1, frames, features, channels) or "
                               "(1, 1, frames, channels) inputs")
    return 2 if shape[1] == 1 else 1


def time_layers(graph: QGraph, axis: int, source: str) -> list[tuple[QOp, TimeLayer]]:
    """The operators whose input has the time axis, with their geometry along it."""
    length = {graph.input.id: graph.input.shape[axis]}
    found = []
    for op in graph.ops:
        if not any(t.id in length for t in op.inputs):
            continue
        frames, p, a = length[op.inputs[0].id], op.params, axis - 1
        if op.kind in TIME_KINDS:
            kernel = p["weights"].shape[1 + a] if "weights" in p else p["filter"][a]
            stride, dilation, before = p["stride"][a], p.get("dilation", (1, 1))[a], p["pad"][a]
            out = op.output.shape[axis]
            after = max((out - 1) * stride + (kernel - 1) * dilation + 1 - frames - before, 0)
            layer = TimeLayer(op.index, op.kind, frames, out, kernel, stride, dilation, before, after)
        elif op.kind in FRAME_WISE and len(op.output.shape) == 4:
            layer = TimeLayer(op.index, op.kind, frames, frames)
        else:  # a flatten, a dense layer over the window: the time axis ends here
            layer = TimeLayer(op.index, op.kind, frames, 0)
        if not layer.collapses:
            length[op.output.id] = layer.length_out
        found.append((op, layer))
    return found


@dataclass
class Feed:
    """A layer's buffer in the state: `reads` frames, of which the last `new` arrive each call
    from tensor `source` (the producer's output, or the model's input)."""

    name: str
    source: int  # tensor id
    frame_bytes: int
    reads: int
    new: int
    reset: np.ndarray = field(repr=False)  # int8, one frame: every frame of the buffer after silence

    @property
    def nbytes(self) -> int:
        return self.reads * self.frame_bytes


@dataclass
class StreamedInt8:
    """A model's graph for one call of `hop` frames, with its buffers."""

    full: QGraph  # the windowed model
    graph: QGraph  # one call: the input holds `hop` frames; buffered inputs are window tensors
    axis: int
    hop: int
    window: int
    layers: list[LayerStream]
    feeds: dict[int, Feed]  # window tensor id -> its buffer

    def reference(self, pushes: np.ndarray) -> np.ndarray:
        """Full-window inference over the window that ends at each call's last frame, silence
        (the input's zero point) before the first call."""
        shape = self.full.input.shape
        pushes = np.asarray(pushes, np.int8).reshape(len(pushes), *self.graph.input.shape[1:])
        silence = np.full((*shape[1:self.axis], self.window - self.hop, *shape[self.axis + 1:]),
                          self.full.input.zp(), np.int8)
        signal = np.concatenate([silence, *pushes], axis=self.axis - 1)
        windows = np.stack([np.take(signal, range(n * self.hop, n * self.hop + self.window), axis=self.axis - 1)
                            for n in range(len(pushes))])
        return run_reference_batch(self.full, windows).reshape(len(pushes), *self.graph.output.shape)


def stream_int8(graph: QGraph, hop: int, source: str) -> StreamedInt8:
    axis = time_axis(graph, source)
    window = graph.input.shape[axis]
    found = time_layers(graph, axis, source)
    layers = [layer for _, layer in found]
    check_hop(layers, hop, window, source)
    silence = reference_tensors(graph, np.full(graph.input.shape, graph.input.zp(), np.int8))

    def with_frames(t: QTensor, frames: int, new_id: int | None = None) -> QTensor:
        shape = list(t.shape)
        shape[axis] = frames
        return dataclasses.replace(t, shape=tuple(shape), id=t.id if new_id is None else new_id)

    frames = {graph.input.id: hop}  # tensor id -> frames per call (tensors with a time axis)
    tensors = {graph.input.id: with_frames(graph.input, hop)}
    next_id = max(t.id for t in graph.tensors) + 1
    ops, streams, feeds = [], [], {}
    by_op = {id(op): layer for op, layer in found}
    for op in graph.ops:
        layer = by_op.get(id(op))
        if layer is None:  # after the time axis collapsed: as it is
            inputs = [tensors.get(t.id, t) for t in op.inputs]
            out = op.output
            ops.append(dataclasses.replace(op, inputs=inputs, output=out))
            tensors[out.id] = out
            continue
        src = op.inputs[0]
        s = stream_layer(layer, frames[src.id], hop, window, layers, source)
        streams.append(s)
        inputs = [tensors[t.id] for t in op.inputs]
        if s.reads != s.new_in:  # a buffer in the state
            frame_bytes = src.size // src.shape[axis]
            full = silence[src.id].reshape(src.shape)
            last = np.take(full, [src.shape[axis] - 1], axis=axis)  # all frames alike: nothing pads time
            window_tensor = with_frames(src, s.reads, next_id)
            feeds[next_id] = Feed(f"b{op.index}", src.id, frame_bytes, s.reads, s.new_in,
                                  np.ascontiguousarray(last, np.int8).reshape(-1))
            inputs[0] = window_tensor
            next_id += 1
        if layer.collapses:
            out = op.output
        else:
            out = with_frames(op.output, s.new_out)
            frames[op.output.id] = s.new_out
        params = dict(op.params)
        if "macs" in params and not layer.collapses:
            params["macs"] = params["macs"] * s.new_out // layer.length_out
        ops.append(dataclasses.replace(op, inputs=inputs, output=out, params=params))
        tensors[op.output.id] = out
    all_tensors = {t.id: t for t in tensors.values()}
    for o in ops:
        for t in [*o.inputs, o.output]:
            all_tensors.setdefault(t.id, t)
    streamed = QGraph(sorted(all_tensors.values(), key=lambda t: t.id), ops, tensors[graph.input.id],
                      tensors[graph.output.id])
    return StreamedInt8(graph, streamed, axis, hop, window, streams, feeds)
