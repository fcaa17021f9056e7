"""A spiking network as mcuforge reads it: the layers of an snnTorch `nn.Sequential`, in order,
each a synapse (dense or 2-D convolution), a max pooling, a flatten or a neuron layer (`Leaky`,
`RLeaky`, `Synaptic`), with the shapes between them (channels first, no batch).

The layers keep their PyTorch modules: the float model that trains is the user's own snnTorch
model, and quantization reads its parameters when it is asked to. Anything the integer path
cannot compute exactly is refused here, naming the layer and the option."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from ..errors import ModelError, UnsupportedOp

SUPPORTED = "nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.Flatten, snn.Leaky, snn.RLeaky, snn.Synaptic"
RESETS = ("subtract", "zero", "none")


NEURONS = ("leaky", "rleaky", "synaptic")


class LayerKind:
    """What the float and the integer layers share: their kind and output shape."""
    kind: str
    out_shape: tuple[int, ...]

    @property
    def is_neuron(self) -> bool:
        return self.kind in NEURONS

    @property
    def size(self) -> int:
        return math.prod(self.out_shape)


@dataclass
class Layer(LayerKind):
    kind: str  # dense, conv2d, maxpool, flatten, leaky, rleaky, synaptic
    name: str  # the module's name in the Sequential ("0", "1", ...)
    module: nn.Module = field(repr=False)
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()

    # neuron options, as snnTorch 1.0.0 computes them
    @property
    def beta(self) -> torch.Tensor:
        return self.module.beta.detach().clamp(0, 1).reshape(-1)

    @property
    def alpha(self) -> torch.Tensor:
        return self.module.alpha.detach().clamp(0, 1).reshape(-1)

    @property
    def threshold(self) -> float:
        return float(self.module.threshold.detach().reshape(-1)[0])

    @property
    def reset(self) -> str:
        return RESETS[int(self.module.reset_mechanism_val)]

    @property
    def reset_delay(self) -> bool:
        return bool(self.module.reset_delay)

    @property
    def recurrent(self) -> str | None:
        """RLeaky's recurrence: "dense" (all to all, nn.Linear) or "one_to_one" (V)."""
        if self.kind != "rleaky":
            return None
        return "dense" if isinstance(self.module.recurrent, nn.Linear) else "one_to_one"


@dataclass
class SpikingGraph:
    name: str
    model: nn.Module = field(repr=False)
    input_shape: tuple[int, ...]
    layers: list[Layer]

    @property
    def neurons(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.is_neuron]

    @property
    def output(self) -> Layer:
        return self.neurons[-1]


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


def _check_neuron(name: str, m: nn.Module, kind: str, shape: tuple[int, ...]) -> None:
    where = f"layer {name} ({type(m).__name__})"
    n = math.prod(shape)
    if getattr(m, "inhibition", False):
        raise UnsupportedOp(f"{where}: inhibition=True has no integer version", hint="train without inhibition")
    if getattr(m, "state_quant", False):
        raise UnsupportedOp(f"{where}: state_quant has no integer version; mcuforge chooses the membrane's "
                            "fixed point itself", hint="remove state_quant")
    if float(m.graded_spikes_factor.reshape(-1)[0]) != 1.0 or m.graded_spikes_factor.numel() != 1:
        raise UnsupportedOp(f"{where}: graded spikes (graded_spikes_factor != 1) have no integer version",
                            hint="use binary spikes (graded_spikes_factor=1)")
    if m.threshold.numel() != 1:
        raise UnsupportedOp(f"{where}: a threshold per neuron has no integer version", hint="one threshold per layer")
    if float(m.threshold.reshape(-1)[0]) <= 0:
        raise UnsupportedOp(f"{where}: threshold {float(m.threshold.reshape(-1)[0])} must be positive")
    for p in ("beta", "alpha") if kind == "synaptic" else ("beta",):
        count = getattr(m, p).numel()
        if count not in (1, n) or (count == n and len(shape) != 1 and n != 1):
            raise UnsupportedOp(f"{where}: {p} has {count} values; the integer path takes one per layer, "
                                "or one per neuron of a dense layer")
    if kind == "rleaky":
        rec = m.recurrent
        if isinstance(rec, nn.Conv2d):
            raise UnsupportedOp(f"{where}: a convolutional recurrence has no integer version yet",
                                hint="all_to_all=True with linear_features, or all_to_all=False")
        if isinstance(rec, nn.Linear) and (len(shape) != 1 or rec.in_features != shape[0]):
            raise UnsupportedOp(f"{where}: its recurrent nn.Linear has {rec.in_features} features; the layer "
                                f"has shape {shape}")
        if not isinstance(rec, nn.Linear) and torch.as_tensor(rec.V).numel() not in (1, n):
            raise UnsupportedOp(f"{where}: V has {torch.as_tensor(rec.V).numel()} values for {n} neurons")


def read_snntorch(model: nn.Module, input_shape: tuple[int, ...], name: str = "snn") -> SpikingGraph:
    """The layers of an snnTorch nn.Sequential with their shapes, for one time step's input of
    `input_shape` (no batch: (features,) or (channels, height, width)); UnsupportedOp for a
    module or option without an integer version, naming it."""
    import snntorch as snn

    if not isinstance(model, nn.Sequential):
        raise ModelError(f"{name}: a spiking model is read from an nn.Sequential of layers "
                         f"({type(model).__name__} given)",
                         hint=f"build it as nn.Sequential({SUPPORTED.split(', ')[0]}, snn.Leaky(..., "
                              "init_hidden=True), ...) as snnTorch's tutorials do")
    kinds = [(nn.Linear, "dense"), (nn.Conv2d, "conv2d"), (nn.MaxPool2d, "maxpool"), (nn.Flatten, "flatten"),
             (snn.RLeaky, "rleaky"), (snn.Synaptic, "synaptic"), (snn.Leaky, "leaky")]
    shape = tuple(int(d) for d in input_shape)
    layers = []
    for child_name, m in model.named_children():
        kind = next((k for cls, k in kinds if type(m) is cls), None)
        if kind is None:
            raise UnsupportedOp(f"{name}: layer {child_name} is {type(m).__name__}, which the spiking path "
                                "does not compute", hint=f"supported: {SUPPORTED}")
        where = f"layer {child_name} ({type(m).__name__})"
        if kind == "dense":
            if len(shape) != 1 or m.in_features != math.prod(shape):
                raise ModelError(f"{name}: {where} takes {m.in_features} features; it gets shape {shape}",
                                 hint="put an nn.Flatten() before it")
            out = (m.out_features,)
        elif kind == "conv2d":
            if len(shape) != 3 or m.in_channels != shape[0]:
                raise ModelError(f"{name}: {where} takes {m.in_channels} channels; it gets shape {shape}")
            if m.groups != 1 or _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise UnsupportedOp(f"{name}: {where}: groups, dilation, padding modes and string padding "
                                    "have no spiking kernel", hint="a plain nn.Conv2d with integer padding")
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
            out = (m.out_channels, (shape[1] + 2 * ph - kh) // sh + 1, (shape[2] + 2 * pw - kw) // sw + 1)
        elif kind == "maxpool":
            if len(shape) != 3 or _pair(m.padding) != (0, 0) or _pair(m.dilation) != (1, 1) or m.ceil_mode:
                raise UnsupportedOp(f"{name}: {where}: max pooling over (C, H, W) without padding, dilation "
                                    "or ceil_mode is what the spiking path computes")
            (kh, kw), (sh, sw) = _pair(m.kernel_size), _pair(m.stride or m.kernel_size)
            out = (shape[0], (shape[1] - kh) // sh + 1, (shape[2] - kw) // sw + 1)
        elif kind == "flatten":
            out = (math.prod(shape),)
        else:
            if not m.init_hidden:
                raise ModelError(f"{name}: {where} must be built with init_hidden=True to run in an nn.Sequential")
            _check_neuron(child_name, m, kind, shape)
            out = shape
        layers.append(Layer(kind, child_name, m, shape, out))
        shape = out
    if not layers or not layers[-1].is_neuron:
        raise ModelError(f"{name}: a spiking model ends with a neuron layer (its output spikes)",
                         hint="end the nn.Sequential with snn.Leaky(..., init_hidden=True, output=True)")
    if not layers[0].kind in ("dense", "conv2d"):
        raise ModelError(f"{name}: a spiking model starts with a synapse (nn.Linear or nn.Conv2d)")
    return SpikingGraph(name, model, tuple(int(d) for d in input_shape), layers)
