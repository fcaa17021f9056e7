"""A PyTorch model as the training compiler reads it: a list of nodes over one sample in NHWC,
batch norms folded into the layer before them, each parameter layer trainable or frozen.

Nodes: conv2d (groups 1), depthwise (groups == channels), linear, clip (ReLU, ReLU6,
Hardtanh), avg_pool, max_pool (adaptive average pooling to a size that divides the input is an
average pooling), add (residual), flatten (a view: NHWC flattens in H, W, C order, so the
weight columns of a linear layer after a spatial flatten are permuted from PyTorch's C, H, W
order once, here). Conv1d and its pooling are the same ops with a height of 1. Dropout and
Identity vanish (inference semantics: a batch norm is frozen and folded, as in Tiny Training
Engine; a trainable layer with a batch norm is trained in its folded form).

The trainable parameters are chosen by `select_trainable`: "all", "last:K" (the last K parameter
layers), "biases" (every bias, no weight: bias-only fine-tuning), or layer names (the model's
module paths, comma separated)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..errors import ModelError
from ..frontend.chains import NORMS, fold_batch_norm, trace

PARAM_OPS = ("conv2d", "depthwise", "linear")
INPUT = -1  # a node input that is the model's input


@dataclass
class Node:
    index: int
    name: str  # where it is in the model (module path, or the traced node)
    op: str  # conv2d | depthwise | linear | clip | avg_pool | max_pool | add | flatten
    inputs: list[int]  # node indices; INPUT is the model input
    shape: tuple[int, ...]  # its output, one sample: (H, W, C) or (features,)
    attrs: dict = field(default_factory=dict)  # kernel, stride, pad (conv, pool); lo, hi (clip)
    weight: np.ndarray | None = field(default=None, repr=False)  # float32, in the C layout
    bias: np.ndarray | None = field(default=None, repr=False)
    train_weight: bool = False
    train_bias: bool = False

    @property
    def trainable(self) -> bool:
        return self.train_weight or self.train_bias

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def macs(self) -> int:
        """Multiply-accumulates of its forward pass (one sample)."""
        if self.op == "linear":
            return self.weight.size
        if self.op == "conv2d":
            return self.size * int(np.prod(self.weight.shape[1:]))
        if self.op == "depthwise":
            return self.size * self.weight.shape[0] * self.weight.shape[1]
        return 0


@dataclass
class TrainGraph:
    name: str
    input_shape: tuple[int, ...]  # one sample, NHWC: (H, W, C), or (features,)
    torch_input_shape: tuple[int, ...]  # one sample as the model takes it: (C, H, W), (C, L) or (F,)
    nodes: list[Node]

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    @property
    def param_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.op in PARAM_OPS]

    def to_nhwc(self, x: np.ndarray) -> np.ndarray:
        """Samples (n, *torch_input_shape) as the C takes them: (n, *input_shape)."""
        x = np.asarray(x, np.float32).reshape(len(x), *self.torch_input_shape)
        if x.ndim == 4:
            return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        if x.ndim == 3:  # (C, L) -> (1, L, C)
            return np.ascontiguousarray(x.transpose(0, 2, 1)[:, None])
        return x


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[-1]))


class _Reader:
    def __init__(self, name: str, input_shape: tuple[int, ...]):
        self.nodes: list[Node] = []
        self.name = name
        self.input_shape = input_shape

    def shape_of(self, i: int) -> tuple[int, ...]:
        return self.input_shape if i == INPUT else self.nodes[i].shape

    def add(self, name: str, op: str, inputs: list[int], shape, **kw) -> int:
        self.nodes.append(Node(len(self.nodes), name, op, inputs, tuple(int(s) for s in shape), **kw))
        return len(self.nodes) - 1

    def spatial(self, i: int, name: str, what: str) -> tuple[int, int, int]:
        shape = self.shape_of(i)
        if len(shape) != 3:
            raise ModelError(f"layer {name}: {what} takes an image or a sequence, its input has shape {shape}")
        return shape

    def conv(self, i: int, name: str, m: nn.Module, bn: nn.Module | None) -> int:
        one_d = isinstance(m, nn.Conv1d)
        kernel = (1, m.kernel_size[0]) if one_d else _pair(m.kernel_size)
        stride = (1, m.stride[0]) if one_d else _pair(m.stride)
        if isinstance(m.padding, str):
            raise ModelError(f"layer {name}: padding={m.padding!r}; give the padding as numbers")
        pad = (0, m.padding[0]) if one_d else _pair(m.padding)
        dilation = (1, m.dilation[0]) if one_d else _pair(m.dilation)
        if dilation != (1, 1) or m.padding_mode != "zeros":
            raise ModelError(f"layer {name}: the training kernels take dilation 1 and zero padding "
                             f"(it has dilation {m.dilation}, padding_mode {m.padding_mode!r})")
        h, w, c = self.spatial(i, name, "a convolution")
        if c != m.in_channels:
            raise ModelError(f"layer {name}: takes {m.in_channels} channels, gets {c}")
        oh = (h + 2 * pad[0] - kernel[0]) // stride[0] + 1
        ow = (w + 2 * pad[1] - kernel[1]) // stride[1] + 1
        weight, bias = fold_batch_norm(m, bn)
        has_bias = m.bias is not None or bn is not None
        weight = weight.numpy().astype(np.float32)
        if one_d:
            weight = weight[:, :, None, :]
        attrs = {"kernel": kernel, "stride": stride, "pad": pad}
        if m.groups == 1:
            op, weight = "conv2d", weight.transpose(0, 2, 3, 1)  # OIHW -> OHWI
        elif m.groups == m.in_channels == m.out_channels:
            op, weight = "depthwise", weight[:, 0].transpose(1, 2, 0)  # C1HW -> HWC
        else:
            raise ModelError(f"layer {name}: a grouped convolution of {m.groups} groups over {m.in_channels} "
                             f"channels; the training kernels take groups 1 or depthwise (groups = channels, "
                             "one filter each)")
        return self.add(name, op, [i], (oh, ow, m.out_channels), attrs=attrs,
                        weight=np.ascontiguousarray(weight),
                        bias=bias.numpy().astype(np.float32) if has_bias else None)

    def linear(self, i: int, name: str, m: nn.Linear, flattened_from: tuple[int, ...] | None) -> int:
        shape = self.shape_of(i)
        if len(shape) != 1 or shape[0] != m.in_features:
            raise ModelError(f"layer {name}: a linear layer of {m.in_features} inputs gets shape {shape}",
                             hint="flatten the activations first (nn.Flatten or torch.flatten(x, 1))")
        weight = m.weight.detach().numpy().astype(np.float32)
        if flattened_from is not None and len(flattened_from) == 3 and flattened_from[:2] != (1, 1):
            h, w, c = flattened_from  # PyTorch's columns are (C, H, W); the C flattens (H, W, C)
            weight = weight.reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(len(weight), -1)
        bias = m.bias.detach().numpy().astype(np.float32) if m.bias is not None else None
        return self.add(name, "linear", [i], (m.out_features,), weight=np.ascontiguousarray(weight), bias=bias)

    def pool(self, i: int, name: str, m: nn.Module) -> int:
        h, w, c = self.spatial(i, name, "pooling")
        one_d = isinstance(m, (nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d))
        if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool1d)):
            size = (1, m.output_size if isinstance(m.output_size, int) else m.output_size[0]) if one_d \
                else _pair(m.output_size if m.output_size is not None else (h, w))
            if h % size[0] or w % size[1]:
                raise ModelError(f"layer {name}: adaptive pooling of {h}x{w} to {size[0]}x{size[1]} has windows "
                                 "of different sizes", hint="pool to a size that divides the input")
            kernel = (h // size[0], w // size[1])
            op, stride, pad = "avg_pool", kernel, (0, 0)
        else:
            op = "max_pool" if isinstance(m, (nn.MaxPool2d, nn.MaxPool1d)) else "avg_pool"
            kernel = (1, _pair(m.kernel_size)[0]) if one_d else _pair(m.kernel_size)
            stride = (1, _pair(m.stride or m.kernel_size)[0]) if one_d else _pair(m.stride or m.kernel_size)
            pad = (0, _pair(m.padding)[0]) if one_d else _pair(m.padding)
            if m.ceil_mode or getattr(m, "dilation", 1) not in (1, (1, 1)) or \
                    getattr(m, "divisor_override", None) is not None or not getattr(m, "count_include_pad", True):
                raise ModelError(f"layer {name}: {type(m).__name__} with ceil_mode, dilation, divisor_override or "
                                 "count_include_pad=False has no training kernel")
        if op == "max_pool" and kernel[0] * kernel[1] > 65535:  # the vector kernels number taps in 16 bits
            raise ModelError(f"layer {name}: a max pooling window of {kernel[0]}x{kernel[1]} taps; the training "
                             "kernels take windows of at most 65,535", hint="pool in two steps")
        oh = (h + 2 * pad[0] - kernel[0]) // stride[0] + 1
        ow = (w + 2 * pad[1] - kernel[1]) // stride[1] + 1
        return self.add(name, op, [i], (oh, ow, c), attrs={"kernel": kernel, "stride": stride, "pad": pad})

    def clip(self, i: int, name: str, lo: float, hi: float) -> int:
        return self.add(name, "clip", [i], self.shape_of(i), attrs={"lo": lo, "hi": hi})

    def chain(self, i: int, modules: list[nn.Module], labels: list[str]) -> int:
        flattened_from = None
        k = 0
        while k < len(modules):
            m, name = modules[k], labels[k]
            nxt = modules[k + 1] if k + 1 < len(modules) else None
            bn = nxt if isinstance(nxt, NORMS) else None
            if isinstance(m, (nn.Conv2d, nn.Conv1d)):
                i = self.conv(i, name, m, bn)
                k += 2 if bn is not None else 1
                continue
            if isinstance(m, nn.Linear):
                i = self.linear(i, name, m, flattened_from)
                k += 2 if bn is not None else 1
                if bn is not None:  # fold a BatchNorm1d after a linear layer into it
                    node = self.nodes[i]
                    w, b = fold_batch_norm(_as_linear(node), bn)
                    node.weight, node.bias = w.numpy().astype(np.float32), b.numpy().astype(np.float32)
                continue
            flattened_from = None
            if isinstance(m, nn.ReLU):
                i = self.clip(i, name, 0.0, float("inf"))
            elif isinstance(m, nn.ReLU6):
                i = self.clip(i, name, 0.0, 6.0)
            elif isinstance(m, nn.Hardtanh):
                i = self.clip(i, name, float(m.min_val), float(m.max_val))
            elif isinstance(m, (nn.MaxPool2d, nn.MaxPool1d, nn.AvgPool2d, nn.AvgPool1d, nn.AdaptiveAvgPool2d,
                                nn.AdaptiveAvgPool1d)):
                i = self.pool(i, name, m)
            elif isinstance(m, nn.Flatten):
                if m.start_dim != 1 or m.end_dim != -1:
                    raise ModelError(f"layer {name}: Flatten({m.start_dim}, {m.end_dim}); use Flatten() "
                                     "(from dimension 1)")
                flattened_from = self.shape_of(i)
                i = self.add(name, "flatten", [i], (int(np.prod(flattened_from)),))
            elif isinstance(m, (nn.Dropout, nn.Identity)):
                pass
            elif isinstance(m, NORMS):
                raise ModelError(f"layer {name}: a batch norm that does not follow a convolution or linear "
                                 "layer has no training kernel", hint="put batch norms right after a layer")
            else:
                raise ModelError(f"layer {name} ({type(m).__name__}) has no training kernel",
                                 hint="training takes Conv2d/Conv1d (plain or depthwise), Linear, BatchNorm after "
                                      "them, ReLU/ReLU6/Hardtanh, max and average pooling, Flatten and "
                                      "residual adds")
            k += 1
        return i


def _as_linear(node: Node) -> nn.Linear:
    m = nn.Linear(node.weight.shape[1], node.weight.shape[0])
    m.weight.data = torch.from_numpy(node.weight)
    m.bias.data = torch.from_numpy(node.bias if node.bias is not None else np.zeros(len(node.weight), np.float32))
    return m


def _named_layers(seq: nn.Sequential, prefix: str = "") -> list[tuple[str, nn.Module]]:
    """(module path, layer) of an nn.Sequential's layers, nested Sequentials unrolled."""
    out = []
    for name, m in seq.named_children():
        path = f"{prefix}{name}"
        out += _named_layers(m, f"{path}.") if isinstance(m, nn.Sequential) else [(path, m)]
    return out


def read_model(model: nn.Module, example: torch.Tensor, name: str) -> TrainGraph:
    """The nodes of `model` (in eval mode) for one sample shaped as example[0]."""
    sample = tuple(int(d) for d in example.shape[1:])
    if len(sample) == 3:
        nhwc = (sample[1], sample[2], sample[0])
    elif len(sample) == 2:
        nhwc = (1, sample[1], sample[0])
    elif len(sample) == 1:
        nhwc = sample
    else:
        raise ModelError(f"{name}: an input of shape {tuple(example.shape)}; training takes (N, C, H, W), "
                         "(N, C, L) or (N, features)")
    reader = _Reader(name, nhwc)
    model = model.eval()
    if isinstance(model, nn.Sequential):
        named = _named_layers(model)
        reader.chain(INPUT, [m for _, m in named], [n for n, _ in named])
    else:
        steps, output = trace(model)
        at: dict[str, int] = {"input": INPUT}
        for s in steps:
            ins = [at[x] for x in s.inputs]
            if s.kind == "chain":
                at[s.name] = reader.chain(ins[0], s.modules, s.labels)
                continue
            a, b = (reader.shape_of(x) for x in ins)
            if a != b:
                raise ModelError(f"add {s.name}: operands of shapes {a} and {b}; the training add takes operands "
                                 "of one shape")
            at[s.name] = reader.add(s.name, "add", ins, a)
            if s.relu:
                at[s.name] = reader.clip(at[s.name], f"{s.name}.relu", 0.0, float("inf"))
        if at[output] != len(reader.nodes) - 1:
            raise ModelError(f"{name}: the output is not the last layer computed")
    if not reader.nodes or reader.nodes[-1].op == "flatten":
        raise ModelError(f"{name}: no layer to train")
    graph = TrainGraph(name, nhwc, sample, reader.nodes)
    _check_against_torch(graph, model, example)
    return graph


def _check_against_torch(graph: TrainGraph, model: nn.Module, example: torch.Tensor) -> None:
    """The nodes compute what the model computes (a misread layer fails here, not on the board)."""
    from .reference import FoldedNet

    x = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (2, *graph.torch_input_shape)).astype(np.float32))
    with torch.no_grad():
        want = model(x.reshape(2, *example.shape[1:])).reshape(2, -1).numpy()
        got = FoldedNet(graph).forward_torch_layout(x).numpy()
    scale = max(float(np.abs(want).max()), 1e-6)
    if want.shape != got.shape or float(np.abs(want - got).max()) / scale > 1e-4:
        raise ModelError(f"{graph.name}: the layers as read do not compute what the model computes "
                         f"(max difference {float(np.abs(want - got).max()) if want.shape == got.shape else 'shape'})",
                         hint="please report it with the model")


def select_trainable(graph: TrainGraph, spec: str) -> list[Node]:
    """Mark the parameters `spec` chooses as trainable (see the module docstring); returns the
    parameter layers that train."""
    params = graph.param_nodes
    for n in params:
        n.train_weight = n.train_bias = False
    spec = spec.strip()
    if spec == "all":
        chosen = params
    elif spec == "biases":
        chosen = [n for n in params if n.bias is not None]
        if not chosen:
            raise ModelError(f"{graph.name}: --trainable biases, but no layer has a bias")
        for n in chosen:
            n.train_bias = True
        return chosen
    elif spec.startswith("last:"):
        try:
            k = int(spec[5:])
        except ValueError:
            raise ModelError(f"--trainable {spec}: last:K takes a number of layers") from None
        if not 1 <= k <= len(params):
            raise ModelError(f"--trainable {spec}: the model has {len(params)} layers with parameters",
                             hint=f"use last:1 .. last:{len(params)}, or all")
        chosen = params[-k:]
    else:
        names = [s.strip() for s in spec.split(",") if s.strip()]
        by_name = {n.name: n for n in params}
        unknown = [s for s in names if s not in by_name]
        if unknown or not names:
            raise ModelError(f"--trainable {spec}: no layer with parameters named {', '.join(unknown) or repr(spec)}",
                             hint=f"layers: {', '.join(by_name)}; or all, last:K, biases")
        chosen = [by_name[s] for s in names]
    for n in chosen:
        n.train_weight, n.train_bias = True, n.bias is not None
    return chosen
