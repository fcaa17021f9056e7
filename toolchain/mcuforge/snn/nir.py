"""NIR (the Neuromorphic Intermediate Representation) in and out of mcuforge's spiking models.

NIR describes neurons in continuous time; a discrete-time model needs a step `dt`. mcuforge's
discretisation, the one snnTorch's own import uses (dt = 1e-4 by default):

    LIF      tau dv/dt = (v_leak - v) + r I      ->  snn.Leaky, beta = 1 - dt / tau; the input's
             weights and bias scaled by r dt / tau, v_leak dt / tau added to the bias
    CubaLIF  the same for the membrane, alpha = 1 - dt / tau_syn, input scaled by w_in dt / tau_syn
             (-> snn.Synaptic)
    IF       dv/dt = r I                         ->  snn.Leaky with beta = 1, input scaled by r
    a LIF <-> Affine/Linear cycle (or the 4-node subgraph snnTorch writes) -> snn.RLeaky

Firing is `v > v_threshold` (strict), and a spike resets the membrane to v_reset = 0 in the
step it fires (snnTorch's reset_mechanism="zero", reset_delay=False), as NIR states it, unless
the node's metadata carries mcuforge's "reset" and "reset_delay" (what `to_nir` writes, so
that an mcuforge model survives the round trip exactly). NIR has no max pooling; snnTorch's
export_to_nir (1.0.0) fails type inference with nir 1.0.8 on layers with one beta, so mcuforge
writes NIR itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ModelError, UnsupportedOp
from .graph import SpikingGraph

DT = 1e-4
SUPPORTED_NODES = "Input, Output, Affine, Linear, Conv2d, Flatten, LIF, CubaLIF, IF"


def _full(value, shape) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, np.float32).reshape(-1) if np.size(value) > 1 else
                           np.float32(np.asarray(value).reshape(-1)[0]), shape).astype(np.float32).copy()


def to_nir(graph: SpikingGraph, dt: float = DT):
    """The model as a NIR graph: one node per layer (named as in the nn.Sequential), each neuron
    with its reset in metadata; an RLeaky as a LIF with its recurrent Affine in a cycle."""
    import nir

    nodes = {"input": nir.Input(input_type=np.array(graph.input_shape))}
    edges, previous = [], "input"
    for layer in graph.layers:
        m, key, shape = layer.module, layer.name, layer.out_shape
        if layer.kind == "dense":
            nodes[key] = nir.Affine(weight=m.weight.detach().numpy().copy(),
                                    bias=(m.bias.detach().numpy().copy() if m.bias is not None
                                          else np.zeros(m.out_features, np.float32)))
        elif layer.kind == "conv2d":
            nodes[key] = nir.Conv2d(input_shape=tuple(layer.in_shape[1:]), weight=m.weight.detach().numpy().copy(),
                                    stride=tuple(m.stride), padding=tuple(m.padding), dilation=(1, 1), groups=1,
                                    bias=(m.bias.detach().numpy().copy() if m.bias is not None
                                          else np.zeros(m.out_channels, np.float32)))
        elif layer.kind == "flatten":
            nodes[key] = nir.Flatten(input_type={"input": np.array(layer.in_shape)}, start_dim=0, end_dim=-1)
        elif layer.kind == "maxpool":
            raise UnsupportedOp(f"layer {key}: NIR has no max pooling (only sum and average pooling)",
                                hint="export a model without nn.MaxPool2d, or keep it as an .mfq")
        else:
            beta = _full(layer.beta.numpy(), shape)
            tau = np.where(beta < 1, dt / np.maximum(1 - beta, 1e-30), np.inf).astype(np.float32)
            meta = {"reset": layer.reset, "reset_delay": layer.reset_delay, "dt": dt}
            theta = _full(layer.threshold, shape)
            if layer.kind == "synaptic":
                alpha = _full(layer.alpha.numpy(), shape)
                tau_syn = (dt / np.maximum(1 - alpha, 1e-30)).astype(np.float32)
                nodes[key] = nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau, r=(tau / dt).astype(np.float32),
                                         v_leak=np.zeros(shape, np.float32), v_threshold=theta,
                                         v_reset=np.zeros(shape, np.float32), w_in=(tau_syn / dt).astype(np.float32),
                                         metadata=meta)
            else:
                nodes[key] = nir.LIF(tau=tau, r=np.where(np.isinf(tau), 1.0, tau / dt).astype(np.float32),
                                     v_leak=np.zeros(shape, np.float32), v_threshold=theta,
                                     v_reset=np.zeros(shape, np.float32), metadata=meta)
            if layer.kind == "rleaky":
                rec = m.recurrent
                if isinstance(rec, nn.Linear):
                    w, b = rec.weight.detach().numpy().copy(), rec.bias.detach().numpy().copy()
                else:
                    n = layer.size
                    w, b = np.diag(_full(torch.as_tensor(rec.V).detach().numpy(), (n,))), np.zeros(n, np.float32)
                nodes[f"{key}.recurrent"] = nir.Affine(weight=w, bias=b)
                edges += [(key, f"{key}.recurrent"), (f"{key}.recurrent", key)]
        edges.append((previous, key))
        previous = key
    nodes["output"] = nir.Output(output_type=np.array(graph.layers[-1].out_shape))
    edges.append((previous, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges)


def write_nir(graph: SpikingGraph, path: Path, dt: float = DT) -> Path:
    import nir

    nir.write(str(path), to_nir(graph, dt))
    return Path(path)


def _uniform(value, what: str, where: str) -> float:
    flat = np.asarray(value, np.float64).reshape(-1)
    if not np.allclose(flat, flat[0]):
        raise UnsupportedOp(f"NIR node {where}: {what} differs between neurons; mcuforge takes one per layer")
    return float(flat[0])


def _chain(graph) -> list[str]:
    """The node names from input to output along the forward edges (recurrent Affines aside)."""
    succ: dict[str, list[str]] = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
    start = next((k for k, n in graph.nodes.items() if type(n).__name__ == "Input"), None)
    if start is None:
        raise ModelError("the NIR graph has no Input node")
    order, node, seen = [], start, {start}
    while True:
        nexts = [b for b in succ.get(node, []) if b not in seen]
        if not nexts:
            break
        if len(nexts) > 1:  # a neuron and its recurrent weights: go on past the recurrence
            nexts = [b for b in nexts if node not in succ.get(b, [])] or nexts
        if len(nexts) != 1:
            raise UnsupportedOp(f"NIR node {node} feeds {', '.join(nexts)}: mcuforge reads a chain of layers")
        node = nexts[0]
        seen.add(node)
        order.append(node)
    return [k for k in order if type(graph.nodes[k]).__name__ != "Output"]


def from_nir(graph, dt: float = DT, use_metadata: bool = True) -> tuple[nn.Sequential, tuple[int, ...]]:
    """An snnTorch nn.Sequential and one step's input shape from a NIR graph, by the
    discretisation above; UnsupportedOp naming a node mcuforge does not read."""
    import nir
    import snntorch as snn

    graph = _flatten_subgraphs(graph)
    recurrent = {a: b for a, b in graph.edges if (b, a) in graph.edges
                 and isinstance(graph.nodes[b], (nir.Affine, nir.Linear))}
    input_node = next(n for n in graph.nodes.values() if isinstance(n, nir.Input))
    shape = tuple(int(d) for d in np.asarray(list(input_node.input_type.values())[0]).reshape(-1))
    modules: list[nn.Module] = []
    for key in _chain(graph):
        node = graph.nodes[key]
        if isinstance(node, (nir.Affine, nir.Linear)):
            w = np.asarray(node.weight, np.float32)
            lin = nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(np.asarray(getattr(node, "bias", np.zeros(w.shape[0])), np.float32)))
            modules.append(lin)
        elif isinstance(node, nir.Conv2d):
            w = np.asarray(node.weight, np.float32)
            if int(np.asarray(node.groups)) != 1 or tuple(np.asarray(node.dilation).reshape(-1)) not in ((1, 1), (1,)):
                raise UnsupportedOp(f"NIR node {key}: grouped or dilated convolutions have no spiking kernel")
            pad = node.padding if not isinstance(node.padding, str) else None
            if pad is None:
                raise UnsupportedOp(f"NIR node {key}: padding {node.padding!r}; mcuforge takes integer padding")
            conv = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), tuple(np.asarray(node.stride).reshape(-1)),
                             tuple(int(p) for p in np.asarray(pad).reshape(-1)))
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(w))
                conv.bias.copy_(torch.from_numpy(np.asarray(node.bias, np.float32)))
            modules.append(conv)
        elif isinstance(node, nir.Flatten):
            modules.append(nn.Flatten())
        elif isinstance(node, (nir.LIF, nir.CubaLIF, nir.IF)):
            modules.append(_neuron(key, node, modules, dt, use_metadata, graph.nodes.get(recurrent.get(key))))
        else:
            raise UnsupportedOp(f"NIR node {key} is {type(node).__name__}, which mcuforge does not read",
                                hint=f"supported nodes: {SUPPORTED_NODES}")
    if modules and isinstance(modules[-1], snn.SpikingNeuron):
        modules[-1].output = True
    return nn.Sequential(*modules), shape


def _flatten_subgraphs(graph):
    """snnTorch's 4-node RNN subgraphs (Input -> LIF <-> Affine -> Output) as a flat cycle."""
    import nir

    nodes, edges = dict(graph.nodes), list(graph.edges)
    for key, sub in graph.nodes.items():
        if not isinstance(sub, nir.NIRGraph):
            continue
        lif = [k for k, n in sub.nodes.items() if isinstance(n, (nir.LIF, nir.CubaLIF))]
        rec = [k for k, n in sub.nodes.items() if isinstance(n, (nir.Affine, nir.Linear))]
        if len(sub.nodes) != 4 or len(lif) != 1 or len(rec) != 1:
            raise UnsupportedOp(f"NIR subgraph {key}: only a neuron with its recurrent weights is read as a subgraph")
        nodes[key] = sub.nodes[lif[0]]
        nodes[f"{key}.recurrent"] = sub.nodes[rec[0]]
        edges += [(key, f"{key}.recurrent"), (f"{key}.recurrent", key)]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def _neuron(key: str, node, modules: list[nn.Module], dt: float, use_metadata: bool, rec):
    import nir
    import snntorch as snn

    if not modules or not isinstance(modules[-1], (nn.Linear, nn.Conv2d)):
        raise UnsupportedOp(f"NIR node {key}: a neuron must follow an Affine, Linear or Conv2d node")
    meta = (node.metadata or {}) if use_metadata else {}
    reset, delay = meta.get("reset", "zero"), bool(meta.get("reset_delay", False))
    if "reset" not in meta and _uniform(node.v_reset, "v_reset", key) != 0:
        raise UnsupportedOp(f"NIR node {key}: reset to {node.v_reset!r}; the integer neurons reset to 0")
    theta = _uniform(node.v_threshold, "v_threshold", key)
    if isinstance(node, nir.IF):
        beta, gain, leak = 1.0, np.asarray(node.r, np.float64), 0.0
    else:
        tau = np.asarray(node.tau_mem if isinstance(node, nir.CubaLIF) else node.tau, np.float64)
        if np.any(tau < dt):
            raise ModelError(f"NIR node {key}: a time constant below dt = {dt:g}; give a smaller dt")
        beta = _uniform(np.where(np.isinf(tau), 1.0, 1 - dt / tau), "tau", key)
        gain = np.where(np.isinf(tau), np.asarray(node.r, np.float64), np.asarray(node.r, np.float64) * dt / tau)
        leak = np.where(np.isinf(tau), 0.0, np.asarray(node.v_leak, np.float64) * dt / tau)
    kw = dict(beta=beta, threshold=theta, reset_mechanism=reset, reset_delay=delay, init_hidden=True)
    if isinstance(node, nir.CubaLIF):
        tau_syn = np.asarray(node.tau_syn, np.float64)
        alpha = _uniform(1 - dt / tau_syn, "tau_syn", key)
        gain = np.asarray(node.w_in, np.float64) * dt / tau_syn  # the membrane's r dt / tau applies to syn: it is 1
        if not np.allclose(np.asarray(node.r, np.float64) * dt / np.asarray(node.tau_mem, np.float64), 1.0):
            raise UnsupportedOp(f"NIR node {key}: a CubaLIF with r != tau_mem / dt has no snn.Synaptic form")
        neuron = snn.Synaptic(alpha=alpha, **kw)
    if not np.allclose(gain, np.asarray(gain).reshape(-1)[0]) or not np.allclose(leak, np.asarray(leak).reshape(-1)[0]):
        raise UnsupportedOp(f"NIR node {key}: r or v_leak differs between neurons; mcuforge takes one per layer")
    g, lk = float(np.asarray(gain).reshape(-1)[0]), float(np.asarray(leak).reshape(-1)[0])
    if rec is not None and not isinstance(node, nir.CubaLIF):
        w = np.asarray(rec.weight, np.float32)
        b = np.asarray(getattr(rec, "bias", np.zeros(w.shape[0])), np.float32)
        neuron = snn.RLeaky(linear_features=w.shape[0], **kw)
        with torch.no_grad():  # the recurrent current enters as the input does: scaled by the same gain
            neuron.recurrent.weight.copy_(torch.from_numpy(w) * g)
            neuron.recurrent.bias.copy_(torch.from_numpy(b) * g)
    elif rec is not None:
        raise UnsupportedOp(f"NIR node {key}: a recurrent CubaLIF (RSynaptic) has no integer version yet")
    elif not isinstance(node, nir.CubaLIF):
        neuron = snn.Leaky(**kw)
    synapse = modules[-1]
    if g != 1.0 or lk != 0.0:
        with torch.no_grad():
            synapse.weight.mul_(g)
            synapse.bias.mul_(g).add_(lk)
    return neuron


def read_nir(path: Path, dt: float = DT, use_metadata: bool = True) -> tuple[nn.Sequential, tuple[int, ...]]:
    import nir

    try:
        graph = nir.read(str(path))
    except Exception as exc:  # h5py or nir on a file that is not NIR
        raise ModelError(f"{path}: not a NIR file, or a damaged one ({type(exc).__name__}: {exc})") from None
    return from_nir(graph, dt, use_metadata)
