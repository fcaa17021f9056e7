"""The streaming analysis: for a windowed model fed `hop` new frames per call, how many frames
each layer computes and reads per call, and whether the result equals full-window inference.

It works on a path-neutral description of the layers along the time axis (TimeLayer), which
the integer path builds from its graph (stream/integer.py). The rules (StreamiNNC's shift
invariance, kws_streaming's ring buffers):

- A layer along time (convolution, pooling) with no padding on the time axis, whose last
  output ends on the window's last frame ((length_in - extent) a multiple of its stride),
  computes new_in / stride new frames from the last (new_out - 1) * stride + extent frames of its
  input; the frames before the new ones are kept between calls (the layer's buffer).
- new_in must be a multiple of every stride on the way: the hop is a multiple of the product of
  the strides before the time axis collapses (the valid hops are listed otherwise).
- A layer that collapses the time axis (global pooling over the whole window, a flatten) reads
  the whole window's frames of its input, kept the same way, and gives one frame per call;
  layers after it (dense heads, softmax) run per call as they are.
- Elementwise layers (add, softmax along channels) pass the frames through.
- Padding along time reads frames outside the window (zeros, not the signal): such a layer is
  refused with its name, as is a model whose time axis cannot be found."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError


class StreamError(ModelError):
    """The model cannot be streamed exactly as it is."""


@dataclass(frozen=True)
class TimeLayer:
    index: int  # the operator's index in the model
    kind: str  # conv2d, depthwise_conv2d, avg_pool2d, max_pool2d, add, softmax, reshape, ...
    length_in: int  # frames of its input in the full window
    length_out: int  # frames of its output in the full window (0: the time axis is gone)
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    pad_before: int = 0
    pad_after: int = 0

    @property
    def extent(self) -> int:
        return (self.kernel - 1) * self.dilation + 1

    @property
    def collapses(self) -> bool:
        return self.length_out == 0 or (self.length_out == 1 and self.extent == self.length_in)


@dataclass(frozen=True)
class LayerStream:
    layer: TimeLayer
    new_in: int  # new input frames per call
    new_out: int  # output frames per call (1 where the time axis collapses)
    reads: int  # input frames the layer reads per call: the new ones and the kept ones before them


def stride_product(layers: list[TimeLayer]) -> int:
    """The product of the strides before the time axis collapses: every hop is a multiple of it."""
    product = 1
    for layer in layers:
        if layer.collapses:
            break
        product *= layer.stride
    return product


def valid_hops(layers: list[TimeLayer], window: int) -> list[int]:
    step = stride_product(layers)
    return list(range(step, window + 1, step))


def check_hop(layers: list[TimeLayer], hop: int, window: int, source: str) -> None:
    if not 1 <= hop <= window:
        raise StreamError(f"{source}: hop {hop} outside 1..{window} (the window)",
                          hint=f"valid hops: {_hops(layers, window)}")


def stream_layer(layer: TimeLayer, new_in: int, hop: int, window: int, layers: list[TimeLayer],
                 source: str) -> LayerStream:
    """The frames `layer` computes and reads per call when `new_in` new input frames arrive
    (layers: all of the model's, for the valid hops in an error)."""
    name = f"{source}: layer {layer.index} ({layer.kind})"
    if layer.pad_before or layer.pad_after:
        raise StreamError(f"{name} pads the time axis ({layer.pad_before} frame(s) before, {layer.pad_after} "
                          "after the window): those frames are zeros, not the signal, so a stream would differ",
                          hint="build the model with unpadded (padding='valid') layers along time, and pad the "
                               "signal causally in front of the model instead")
    if layer.collapses:
        return LayerStream(layer, new_in, 1, layer.length_in)
    if (layer.length_in - layer.extent) % layer.stride:
        raise StreamError(f"{name}: its last output does not end on the window's last frame ({layer.length_in} "
                          f"frames, extent {layer.extent}, stride {layer.stride}): streamed outputs would be "
                          "shifted", hint="choose a window length that every stride divides after each layer")
    if new_in % layer.stride:
        raise StreamError(f"{source}: hop {hop} does not align with the strides and pooling (layer {layer.index} "
                          f"({layer.kind}) gets {new_in} new frames a call, stride {layer.stride})",
                          hint=f"valid hops: {_hops(layers, window)}")
    new_out = new_in // layer.stride
    return LayerStream(layer, new_in, new_out, (new_out - 1) * layer.stride + layer.extent)


def _hops(layers: list[TimeLayer], window: int) -> str:
    hops = valid_hops(layers, window)
    return ", ".join(map(str, hops[:16])) + (f", ... (multiples of {hops[0]})" if len(hops) > 16 else "")
