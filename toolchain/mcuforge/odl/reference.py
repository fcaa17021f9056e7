"""The training reference: the graph's nodes as a PyTorch module (parameters in the C layouts,
batch norms folded, as the C computes) and PyTorch's SGD with momentum over the same samples in
the same order, from the same start. What a training run on the target is compared with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .graph import INPUT, TrainGraph


class FoldedNet(nn.Module):
    """graph's nodes in PyTorch. forward takes samples as the C does (n, *graph.input_shape),
    NHWC; every parameter is held in its C layout (OHWI, HWC, [out][in]) and trainable ones
    require gradients."""

    def __init__(self, graph: TrainGraph):
        super().__init__()
        self.graph = graph
        self.weights = nn.ParameterList()
        self.at: dict[tuple[int, str], int] = {}  # (node index, "weight" | "bias") -> index in weights
        for n in graph.nodes:
            for kind, value, train in (("weight", n.weight, n.train_weight), ("bias", n.bias, n.train_bias)):
                if value is not None:
                    self.at[(n.index, kind)] = len(self.weights)
                    self.weights.append(nn.Parameter(torch.from_numpy(value.copy()), requires_grad=train))

    def param(self, node: int, kind: str) -> torch.Tensor | None:
        i = self.at.get((node, kind))
        return None if i is None else self.weights[i]

    def trainable(self) -> list[torch.Tensor]:
        """The trainable parameters in the order the C keeps them (node order, weight then bias)."""
        return [p for p in self.weights if p.requires_grad]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(n, *input_shape) NHWC samples -> (n, outputs)."""
        values: dict[int, torch.Tensor] = {}

        def nchw(i: int) -> torch.Tensor:
            v = x if i == INPUT else values[i]
            return v.permute(0, 3, 1, 2) if v.dim() == 4 else v

        for n in self.graph.nodes:
            w, b = self.param(n.index, "weight"), self.param(n.index, "bias")
            a = n.attrs
            if n.op == "conv2d":
                y = F.conv2d(nchw(n.inputs[0]), w.permute(0, 3, 1, 2), b, a["stride"], a["pad"])
            elif n.op == "depthwise":
                y = F.conv2d(nchw(n.inputs[0]), w.permute(2, 0, 1).unsqueeze(1), b, a["stride"], a["pad"],
                             groups=w.shape[2])
            elif n.op == "linear":
                y = F.linear(values[n.inputs[0]] if n.inputs[0] != INPUT else x, w, b)
            elif n.op == "clip":
                v = values[n.inputs[0]] if n.inputs[0] != INPUT else x
                y = F.relu(v) if a["hi"] == float("inf") and a["lo"] == 0 else F.hardtanh(v, a["lo"], a["hi"])
            elif n.op == "avg_pool":
                y = F.avg_pool2d(nchw(n.inputs[0]), a["kernel"], a["stride"], a["pad"])
            elif n.op == "max_pool":
                y = F.max_pool2d(nchw(n.inputs[0]), a["kernel"], a["stride"], a["pad"])
            elif n.op == "add":
                y = values[n.inputs[0]] + values[n.inputs[1]]
            elif n.op == "flatten":
                v = values[n.inputs[0]] if n.inputs[0] != INPUT else x
                y = v.reshape(len(v), -1)
            else:  # graph.py makes no other node
                raise AssertionError(n.op)
            values[n.index] = y.permute(0, 2, 3, 1) if y.dim() == 4 and n.op != "clip" and n.op != "add" else y
        out = values[len(self.graph.nodes) - 1]
        return out.reshape(len(out), -1)

    def forward_torch_layout(self, x: torch.Tensor) -> torch.Tensor:
        """forward on samples in the model's own layout (n, *torch_input_shape)."""
        return self.forward(torch.from_numpy(self.graph.to_nhwc(x.numpy())))


@dataclass
class TrainingRun:
    """Losses per step (mean over the batch) and the trainable parameters after the last step,
    flattened in the C's order."""
    losses: np.ndarray
    params: np.ndarray
    params_before: np.ndarray


def trainable_vector(net: FoldedNet) -> np.ndarray:
    return np.concatenate([p.detach().numpy().reshape(-1) for p in net.trainable()]).astype(np.float64)


def train_reference(graph: TrainGraph, samples: np.ndarray, labels: np.ndarray, order: np.ndarray, lr: float,
                    momentum: float, weight_decay: float = 0.0, loss: str = "cross_entropy",
                    dtype: torch.dtype = torch.float32) -> TrainingRun:
    """PyTorch's training of graph's trainable parameters: step k takes samples[order[k]] (a
    batch of indices), the loss is the batch mean, torch.optim.SGD updates. samples are NHWC.
    dtype float64: the same run without float32's rounding (how far float32 itself drifts)."""
    torch.manual_seed(0)
    net = FoldedNet(graph).to(dtype)
    before = trainable_vector(net)
    opt = torch.optim.SGD(net.trainable(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    x_all = torch.from_numpy(np.asarray(samples, np.float32)).to(dtype)
    y_all = torch.from_numpy(np.asarray(labels, np.int64))
    losses = []
    with torch.set_grad_enabled(True):
        for idx in order:
            idx = torch.from_numpy(np.asarray(idx, np.int64))
            opt.zero_grad()
            out = net(x_all[idx])
            if loss == "cross_entropy":
                value = F.cross_entropy(out, y_all[idx])
            else:
                value = F.mse_loss(out, y_all[idx].to(out.dtype).reshape(out.shape))
            value.backward()
            opt.step()
            losses.append(float(value.detach()))
    return TrainingRun(np.array(losses, np.float64), trainable_vector(net), before)


@torch.no_grad()
def predictions(graph: TrainGraph, params: np.ndarray | None, samples: np.ndarray) -> np.ndarray:
    """Top-1 classes of the graph with its trainable parameters set to `params` (flattened in the
    C's order; None: as compiled) on NHWC samples."""
    net = FoldedNet(graph)
    if params is not None:
        set_trainable(net, params)
    return net(torch.from_numpy(np.asarray(samples, np.float32))).argmax(1).numpy()


def set_trainable(net: FoldedNet, params: np.ndarray) -> None:
    at = 0
    for p in net.trainable():
        p.data = torch.from_numpy(np.asarray(params[at:at + p.numel()], np.float32).reshape(p.shape).copy())
        at += p.numel()
