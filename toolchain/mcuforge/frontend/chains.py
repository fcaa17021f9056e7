"""A PyTorch model as chains of layers joined by residual adds, traced with torch.fx: what the
quantizer (quant/) and the training compiler (odl/) read a model as.

A chain grows while each layer's value feeds only the next layer, so a value used twice (a
block's input, which feeds both its convolutions and its skip) starts new chains. Traced layers:
modules, and the functional forms of ReLU, ReLU6, flatten(x, 1), adaptive / plain average
pooling and max pooling (as the modules that do the same); anything else is refused, naming the
node. An add followed only by a ReLU absorbs it (`relu`)."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from ..errors import ModelError

_ADDS = {operator.add, operator.iadd, torch.add}
_RELUS = {torch.relu, F.relu}


def _flatten(start_dim=0, end_dim=-1):
    if start_dim != 1 or end_dim != -1:
        raise ValueError(f"flatten(start_dim={start_dim}, end_dim={end_dim}); use flatten(x, 1)")
    return nn.Flatten()


# functional form -> the module that does the same (arguments after the input passed on)
_FUNCTIONS = {
    torch.relu: lambda: nn.ReLU(), F.relu: lambda inplace=False: nn.ReLU(), F.relu6: lambda inplace=False: nn.ReLU6(),
    torch.flatten: _flatten,
    F.adaptive_avg_pool2d: nn.AdaptiveAvgPool2d, F.adaptive_avg_pool1d: nn.AdaptiveAvgPool1d,
    F.avg_pool2d: nn.AvgPool2d, F.max_pool2d: nn.MaxPool2d, F.max_pool1d: nn.MaxPool1d,
}
_METHODS = {"relu": lambda: nn.ReLU(), "flatten": _flatten}


@dataclass
class Step:
    name: str
    kind: str  # "chain" | "add"
    inputs: list[str]  # step names; "input" is the model's input
    modules: list[nn.Module] = field(default_factory=list)  # chain: float layers
    labels: list[str] = field(default_factory=list)  # chain: where each layer is in the model
    relu: bool = False  # add: a ReLU follows


def _is_add(node: fx.Node) -> bool:
    return (node.op == "call_function" and node.target in _ADDS) or (node.op == "call_method" and node.target == "add")


def _is_relu(node: fx.Node) -> bool:
    if node.op == "call_function":
        return node.target in _RELUS
    if node.op == "call_method":
        return node.target == "relu"
    return False


def _module(node: fx.Node, gm: fx.GraphModule) -> nn.Module:
    if node.op == "call_module":
        return gm.get_submodule(node.target)
    table = _FUNCTIONS if node.op == "call_function" else _METHODS if node.op == "call_method" else {}
    what = getattr(node.target, "__name__", str(node.target))
    if node.target not in table or any(isinstance(a, fx.Node) for a in node.args[1:]):
        raise ModelError(f"node {node.name} ({node.op} {what}) is not a layer mcuforge can read",
                         hint="use Conv2d/1d, BatchNorm, ReLU/ReLU6, pooling, flatten(x, 1), Linear and "
                              "residual adds of two tensors")
    try:
        return table[node.target](*node.args[1:], **node.kwargs)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"node {node.name} ({what}): {exc}") from None


def trace(model: nn.Module) -> tuple[list[Step], str]:
    """The model as chains and adds, in execution order, and the step that gives the output."""
    try:
        gm = fx.symbolic_trace(model)
    except Exception as exc:
        raise ModelError(f"{type(model).__name__} could not be traced with torch.fx: {type(exc).__name__}: {exc}",
                         hint="write forward without control flow that depends on the data, or as an nn.Sequential")
    nodes = list(gm.graph.nodes)
    inputs = [n for n in nodes if n.op == "placeholder"]
    if len(inputs) != 1:
        raise ModelError(f"{type(model).__name__} takes {len(inputs)} inputs; mcuforge takes models of one input")
    ref: dict[fx.Node, str] = {inputs[0]: "input"}  # node -> the step whose value it is
    steps: dict[str, Step] = {}
    output = None
    for node in nodes:
        if node in ref:
            continue  # the input, or a ReLU an add absorbed
        if node.op == "output":
            output = ref[node.args[0]] if isinstance(node.args[0], fx.Node) else None
            if output is None:
                raise ModelError(f"{type(model).__name__} returns {node.args[0]!r}; mcuforge takes models "
                                 "with one output tensor")
            continue
        if _is_add(node):
            operands = node.args[:2]
            if len(node.args) != 2 or node.kwargs or not all(isinstance(a, fx.Node) for a in operands):
                raise ModelError(f"node {node.name}: the integer add takes two tensors (no constants, no alpha)")
            users = list(node.users)
            relu = len(users) == 1 and _is_relu(users[0])
            steps[node.name] = Step(node.name, "add", [ref[a] for a in operands], relu=relu)
            ref[node] = node.name
            if relu:
                ref[users[0]] = node.name
            continue
        source = node.args[0] if node.args else None
        if not isinstance(source, fx.Node) or source not in ref:
            raise ModelError(f"node {node.name} ({node.op} {node.target}) does not take a tensor of the model first",
                             hint="mcuforge takes layers applied to one activation tensor")
        module = _module(node, gm)
        label = str(node.target) if node.op == "call_module" else node.name
        chain = steps.get(ref[source])
        if chain is not None and chain.kind == "chain" and len(source.users) == 1:
            chain.modules.append(module)
            chain.labels.append(label)
        else:
            chain = steps[node.name] = Step(node.name, "chain", [ref[source]], [module], [label])
        ref[node] = chain.name
    return list(steps.values()), output



def flat(model: nn.Module) -> list[nn.Module]:
    """The layers of an nn.Sequential, nested Sequentials unrolled."""
    return [leaf for m in model for leaf in (flat(m) if isinstance(m, nn.Sequential) else [m])]


NORMS = (nn.BatchNorm2d, nn.BatchNorm1d)


@torch.no_grad()
def fold_batch_norm(layer: nn.Module, bn: nn.Module | None) -> tuple[torch.Tensor, torch.Tensor]:
    """A Conv2d's or Linear's weight and bias with a following inference batch norm folded in."""
    weight = layer.weight.detach().clone()
    bias = layer.bias.detach().clone() if layer.bias is not None else torch.zeros(weight.shape[0])
    if isinstance(bn, NORMS):
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        weight = weight * scale.reshape(-1, *[1] * (weight.dim() - 1))
        bias = bn.bias + (bias - bn.running_mean) * scale
    return weight, bias
