"""The spiking path of the one flow: an integer spiking network (.mfq, format mcuforge-snn-1) ->
a C library whose entry point `mf_model_step(in, out)` computes one time step over persistent
state (membranes, synaptic currents, the spikes an RLeaky feeds back), with `mf_model_reset()`.

Per layer the C calls one kernel of firmware/kernels (mf_snn_dense_s8 or, event-driven,
mf_snn_events_s8; mf_snn_conv2d_s8; mf_snn_maxpool_*; mf_lif_s16_step / mf_lif_s32_step); the
currents live in the arena (memory plan), each layer's spikes in the state, where the next
layer reads them. `trace=True` makes each step's output every neuron layer's spikes, one after
the other (what the tests compare neuron by neuron); otherwise the last layer's spikes."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import library
from ..core.flow import Compiled, TensorSpec
from ..core.library import EntryPoint
from ..core.planner import Buffer, MemoryPlan, StatePlan, plan_greedy_by_size, plan_state
from ..errors import DoesNotFit, McuforgeError
from ..target import Target
from .integer import IntSpikingGraph, run

LIF_KIND = {"leaky": "MF_LIF_LEAKY", "rleaky": "MF_LIF_RLEAKY", "synaptic": "MF_LIF_SYNAPTIC"}
RESET = {"subtract": "MF_RESET_SUBTRACT", "zero": "MF_RESET_ZERO", "none": "MF_RESET_NONE"}
MEM_C = {"int16": ("int16_t", 2, "mf_lif_s16_step"), "int32": ("int32_t", 4, "mf_lif_s32_step")}
HEADERS = ("mf_kernels.h", "mf_features.h", "mf_lif_common.h", "mf_snn_pool_common.h", "mf_snn_events_common.h")
EVENTS = ("dense", "events", "auto")
EVENT_KERNEL = {"mf_snn_dense_s8": "mf_snn_events_s8", "mf_snn_conv2d_s8": "mf_snn_conv2d_events_s8"}
# auto: instructions a step of each kernel, by the variant of mf_snn_events_s8 the target takes,
# fitted (least squares, relative) to counts measured on its QEMU core over nine layer shapes and
# four spike rates (docs/spiking.md):
#   dense    n_out (d0 + d1 n_in) + d2
#   events   e0 n_in + e1 n_out + spikes (e2 + e3 ceil(n_out / block)) + e4 groups
# (spikes = rate n_in; groups: the groups of eight inputs with a spike, which the scan reads one
# by one). The event-driven kernel is taken where predicted at most EVENT_MARGIN of the dense one:
# on the measured grid that choice was never slower than dense.
COST = {  # variant: (block, (d0, d1, d2), (e0, e1, e2, e3, e4)); python bench/snn_costs.py prints them
    "arm_dsp": (8, (32.0, 2.876, 39), (1.47, 4.23, -0.8, 13.97, 44)),  # qemu-cortex-m4
    "arm_mve": (32, (25.2, 0.251, 34), (1.27, 1.11, 4.4, 10.98, 25)),  # qemu-cortex-m55
    "rvv": (32, (22.4, 0.570, 39), (1.31, 1.39, 11.5, 11.24, 46)),  # qemu-rv32-zve32f-zvfh
    "ref": (1, (21.0, 7.000, 45), (5.19, 5.16, 17.4, 6.96, 6)),  # qemu-rv32imac
}
EVENT_MARGIN = 0.8


def predicted_costs(target: Target, rate: float, n_in: int, n_out: int) -> tuple[float, float]:
    """(dense, events) instructions a step predicted for a synapse of n_in -> n_out at an input
    spike rate."""
    from ..build.kernels import kernel_variant

    block, (d0, d1, d2), (e0, e1, e2, e3, e4) = COST.get(kernel_variant(target, "mf_snn_events_s8"), COST["ref"])
    groups = n_in / 8 * (1 - (1 - rate) ** 8)
    events = e0 * n_in + e1 * n_out + rate * n_in * (e2 + e3 * -(-n_out // block)) + e4 * groups
    return n_out * (d0 + d1 * n_in) + d2, events


# Convolutions (the portable kernels on every target): instructions per MAC of the dense kernel,
# and of the scatter kernel per input and per spike x tap x output channel; the fewest per MAC
# and the most per scatter measured on the four QEMU cores (docs/spiking.md), so that auto errs
# towards dense.
CONV_COST = (8.0, 3.0, 12.0)


def choose_conv_events(events: str, target: Target, rate: float, layer) -> bool:
    """Whether a convolution takes the event-driven (scatter) kernel: predicted from its MACs
    against its spikes' taps (CONV_COST, measured like COST)."""
    if events != "auto":
        return events == "events"
    per_mac, per_input, per_tap = CONV_COST
    c, _, _ = layer.in_shape
    o, kh, kw = layer.params["weight"].shape[0], *layer.params["weight"].shape[2:]
    n_in = int(np.prod(layer.in_shape))
    dense = per_mac * layer.size * c * kh * kw
    return per_input * n_in + rate * n_in * kh * kw * o * per_tap <= EVENT_MARGIN * dense


def choose_events(events: str, target: Target, rate: float, n_in: int, n_out: int) -> bool:
    """Whether a dense synapse (or an all-to-all recurrence) takes the event-driven kernel."""
    if events != "auto":
        return events == "events"
    dense, event_driven = predicted_costs(target, rate, n_in, n_out)
    return event_driven <= EVENT_MARGIN * dense


@dataclass
class CompiledSNN(Compiled):
    name: str
    target: Target
    out_dir: Path
    graph: IntSpikingGraph = field(repr=False)
    plan: MemoryPlan = field(repr=False)
    state: StatePlan = field(repr=False)
    files: list[Path]
    calls: list[str]
    macs: int
    weight_bytes: int
    compile_seconds: float
    timesteps: int | None = None  # the state is reset every `timesteps` inputs (one sample each)
    trace: bool = False
    kernels: str = "mcuforge"
    source: str = ""
    precision: str = "snn"
    accumulate: str = "int32"
    _spikes: tuple | None = field(default=None, repr=False)  # layer_spikes' last (key, spikes)

    @property
    def sources(self) -> list[Path]:
        return self.files

    @property
    def input(self) -> TensorSpec:
        return TensorSpec((self.graph.input_size,), "int8")

    @property
    def output(self) -> TensorSpec:
        sizes = [layer.size for layer in self.graph.neurons]
        return TensorSpec((sum(sizes) if self.trace else sizes[-1],), "int8")

    @property
    def layer_names(self) -> list[str]:
        return self.calls

    @property
    def mac_dtype(self) -> str:
        return "int8"

    @property
    def reset_every(self) -> int | None:
        return self.timesteps

    @property
    def reference_name(self) -> str:
        return "the integer host reference"

    def random_inputs(self, n: int, seed: int = 0) -> np.ndarray:
        """Spikes at a rate of 20 % (a network of spike inputs), else uniform int8 values."""
        rng = np.random.default_rng(seed)
        if self.graph.input_scale == 1.0:
            return (rng.random((n, self.graph.input_size)) < 0.2).astype(np.int8)
        return rng.integers(-128, 128, (n, self.graph.input_size), dtype=np.int8)

    def layer_spikes(self, inputs: np.ndarray, reset_before: int | None = None) -> list[np.ndarray]:
        """Every neuron layer's spikes (N, n) at every input, from the integer reference: the
        inputs cut into samples of `timesteps` steps (run as one batch), or one sequence reset
        before input `reset_before`. Kept for the last inputs asked (reference and run_extras
        both read them)."""
        x = np.asarray(inputs, np.int8).reshape(len(inputs), -1)
        key = (hashlib.sha256(x.tobytes()).hexdigest(), len(x), reset_before)
        if self._spikes is not None and self._spikes[0] == key:
            return self._spikes[1]
        steps = self.timesteps
        cuts = [0] + ([reset_before] if reset_before and not steps else [])
        if steps:  # whole samples in one batch, then what is left
            whole = len(x) // steps * steps
            cuts = [0] + ([whole] if 0 < whole < len(x) else [])
        parts = []
        for start, end in zip(cuts, cuts[1:] + [len(x)]):
            batch = (end - start) // steps if steps and (end - start) % steps == 0 else 1
            trace = run(self.graph, x[start:end].reshape(batch, (end - start) // batch, *self.graph.input_shape))
            parts.append([sp.reshape(end - start, -1) for sp in trace.spikes])
        spikes = [np.concatenate(layer) for layer in zip(*parts)]
        self._spikes = (key, spikes)
        return spikes

    def run_extras(self, inputs: np.ndarray) -> dict:
        """The inputs' sparsity and each neuron layer's spike rate over the run (the reference's,
        which the target's equals), with the cost counted per time step."""
        rates = {layer.name: float(np.mean(sp)) for layer, sp in zip(self.graph.neurons, self.layer_spikes(inputs))}
        return {"call": "time step", "input_sparsity": float(np.mean(np.asarray(inputs) == 0)), "spike_rates": rates}

    def reference(self, inputs: np.ndarray, reset_before: int | None = None) -> np.ndarray:
        """Every step's output from the integer reference (layer_spikes): every layer's spikes one
        after the other with `trace`, else the last layer's."""
        spikes = self.layer_spikes(inputs, reset_before)
        return np.concatenate(spikes if self.trace else spikes[-1:], axis=1)


def events_scratch(n_in: int) -> int:
    """mf_snn_events_s8_scratch_size: the spike list."""
    return 2 * n_in


def _macs(graph: IntSpikingGraph) -> int:
    total = 0
    for layer in graph.layers:
        w = layer.params.get("weight")
        if layer.kind == "dense":
            total += w.size
        elif layer.kind == "conv2d":
            total += layer.size * int(np.prod(w.shape[1:]))
        elif "rec_weight" in layer.params:
            total += layer.params["rec_weight"].size
    return total


class _Emitter:
    """Walks the layers once, writing the calls and recording the arena buffers' lifetimes."""

    def __init__(self, graph: IntSpikingGraph):
        self.graph = graph
        self.calls: list[tuple[str, str]] = []  # (kernel, statement with {buffer} placeholders)
        self.buffers: dict[str, list[int]] = {}  # name -> [bytes, first call, last call]
        self.state: dict[str, int] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.params: list[str] = []

    def arena(self, name: str, nbytes: int) -> str:
        self.buffers[name] = [nbytes, len(self.calls), len(self.calls)]
        return "{" + name + "}"

    def read(self, ref: str) -> str:
        name = ref.strip("{}")
        if name in self.buffers:
            self.buffers[name][2] = len(self.calls)
        return ref

    def array(self, name: str, data: np.ndarray) -> str:
        self.arrays[name] = np.ascontiguousarray(data)
        return name

    def emit(self) -> tuple[list[tuple[str, str]], list[str]]:
        """The calls, and the C expressions of each neuron layer's spikes (in the state)."""
        src, ctype, spikes = "in", "int8_t", []
        for k, layer in enumerate(self.graph.layers):
            p = layer.params
            if layer.kind in ("dense", "conv2d"):
                src, ctype = self._synapse(k, layer, src), "int32_t"
            elif layer.kind == "maxpool":
                (c, h, w), (_, oh, ow) = layer.in_shape, layer.out_shape
                self.params.append(f"static const mf_snn_pool_params pool{k} = {{{c}, {h}, {w}, {oh}, {ow}, "
                                   f"{p['kernel'][0]}, {p['kernel'][1]}, {p['stride'][0]}, {p['stride'][1]}}};")
                suffix = "s32" if p["dtype"] == "int32" else "s8"
                dst = self.arena(f"p{k}", (4 if suffix == "s32" else 1) * layer.size)
                self.calls.append((f"mf_snn_maxpool_{suffix}", f"mf_snn_maxpool_{suffix}(&pool{k}, "
                                   f"({ctype} *){self.read(src)}, ({ctype} *){dst});"))
                src = dst
            elif layer.is_neuron:
                src, ctype = self._neuron(k, layer, src), "int8_t"
                spikes.append(src)
        return self.calls, spikes

    def _synapse(self, k: int, layer, src: str) -> str:
        """A dense or convolutional synapse's call (its event-driven kernel where chosen: the
        weights transposed, a spike-list scratch); the current's buffer."""
        p = layer.params
        x, bias = f"(const int8_t *){self.read(src)}", self.array(f"b{k}", p["bias"])
        dst = self.arena(f"c{k}", 4 * layer.size)
        if layer.kind == "dense":
            n_out, n_in = p["weight"].shape
            kernel, before, after = "mf_snn_dense_s8", f"{x}, {n_in}, ", f", (int32_t *){dst}, {n_out}"
            transposed = p["weight"].T
        else:
            (c, h, w), (o, oh, ow) = layer.in_shape, layer.out_shape
            kh, kw = p["weight"].shape[2:]
            self.params.append(f"static const mf_snn_conv_params conv{k} = {{{c}, {h}, {w}, {o}, {oh}, {ow}, "
                               f"{kh}, {kw}, {p['stride'][0]}, {p['stride'][1]}, {p['padding'][0]}, "
                               f"{p['padding'][1]}}};")
            n_in = c * h * w
            kernel, before, after = "mf_snn_conv2d_s8", f"&conv{k}, {x}, ", f", (int32_t *){dst}"
            transposed = p["weight"].transpose(1, 2, 3, 0)  # [in_c][k_h][k_w][out_c]
        if p["event"]:
            kernel = EVENT_KERNEL[kernel]
            weights = self.array(f"wt{k}", transposed)
            after += f", (void *){self.arena(f'e{k}', events_scratch(n_in))}"
        else:
            weights = self.array(f"w{k}", p["weight"])
        self.calls.append((kernel, f"{kernel}({before}{weights}, {bias}{after});"))
        return dst

    def _neuron(self, k: int, layer, cur: str) -> str:
        p, n = layer.params, layer.size
        mem_t, width, kernel = MEM_C[p["membrane"]]
        self.state[f"m{k}"] = width * n
        if layer.kind == "synaptic":
            self.state[f"y{k}"] = width * n
        self.state[f"s{k}"] = n
        spk = f"(int8_t *)[s{k}]"
        if "rec_weight" in p and p.get("rec_event"):  # the all-to-all recurrence adds W_rec S[t-1] first
            scratch = self.arena(f"r{k}", events_scratch(n))
            self.calls.append(("mf_snn_events_s8", f"mf_snn_events_s8({spk}, {n}, "
                               f"{self.array(f'rwt{k}', p['rec_weight'].T)}, 0, (int32_t *){self.read(cur)}, {n}, "
                               f"(void *){scratch});"))
        elif "rec_weight" in p:
            self.calls.append(("mf_snn_dense_s8", f"mf_snn_dense_s8({spk}, {n}, "
                               f"{self.array(f'rw{k}', p['rec_weight'])}, 0, (int32_t *){self.read(cur)}, {n});"))

        def vec(key):
            v = p.get(key)
            return ("0", 0) if v is None else (self.array(f"{key}{k}", v.astype(np.int32)), int(v.size > 1))

        (beta, bs), (alpha, als), (v, vs) = vec("beta"), vec("alpha"), vec("rec_v")
        self.params.append(f"static const mf_lif_params lif{k} = {{{n}, {p['theta']}, {beta}, {bs}, {alpha}, {als}, "
                           f"{v}, {vs}, {LIF_KIND[layer.kind]}, {RESET[p['reset']]}, {int(p['delay'])}}};")
        syn = f"({mem_t} *)[y{k}]" if layer.kind == "synaptic" else "0"
        self.calls.append((kernel, f"{kernel}(&lif{k}, ({mem_t} *)[m{k}], {syn}, "
                           f"(const int32_t *){self.read(cur)}, {spk});"))
        return spk


def compile_snn(graph: IntSpikingGraph, name: str, target: Target, out_dir: Path | str, kernels: str = "mcuforge",
                source: str = "", timesteps: int | None = None, trace: bool = False,
                events: str = "auto") -> CompiledSNN:
    """Compile a spiking network for `target`. events: "dense" (every synapse's dense kernel),
    "events" (the event-driven kernels on every synapse: spike lists, scattered convolution
    taps), "auto" (per synapse, the one predicted cheaper from its calibrated input rate)."""
    if kernels not in ("mcuforge", "ref"):
        raise McuforgeError(f"unknown kernels {kernels!r} for spiking models", hint="mcuforge or ref")
    if events not in EVENTS:
        raise McuforgeError(f"unknown --events {events!r}", hint=", ".join(EVENTS))
    if kernels == "ref":
        target = dataclasses.replace(target, kernel_variants=("ref",))
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    graph = dataclasses.replace(graph, layers=[dataclasses.replace(layer, params=dict(layer.params))
                                               for layer in graph.layers])
    for n, layer in enumerate(graph.layers):
        # the first synapse of a network fed values (not spikes) multiplies each one: the cost
        # model, made for spikes, does not apply, and auto keeps it dense
        rate = 1.0 if n == 0 and graph.input_scale != 1.0 else layer.params.get("input_rate", 1.0)
        if layer.kind == "dense":
            layer.params["event"] = choose_events(events, target, rate, *layer.params["weight"].shape[::-1])
        if layer.kind == "conv2d":
            layer.params["event"] = choose_conv_events(events, target, rate, layer)
        if "rec_weight" in layer.params:
            layer.params["rec_event"] = choose_events(events, target, layer.params.get("rec_rate", 1.0),
                                                      layer.size, layer.size)
    emitter = _Emitter(graph)
    calls, spikes = emitter.emit()
    weight_bytes = sum(a.nbytes for a in emitter.arrays.values())
    if weight_bytes > target.memory.flash.length:
        raise DoesNotFit(f"{name}: the weights take {weight_bytes:,} B, more than the "
                         f"{target.memory.flash.length:,} B of flash of {target.name}",
                         region="FLASH", overflow=weight_bytes - target.memory.flash.length)
    plan = plan_greedy_by_size([Buffer(b, size, first, last) for b, (size, first, last) in emitter.buffers.items()],
                               len(calls))
    state = plan_state(emitter.state)

    def place(text: str) -> str:
        for b in emitter.buffers:
            text = text.replace("{" + b + "}", f"(mf_arena + {plan.offset(b)})")
        for s in emitter.state:
            text = text.replace("[" + s + "]", f"(mf_state + {state.offset(s)})")
        return text

    files = library.copy_kernels(target, [k for k, _ in calls] + ["mf_dot_s8"], out, HEADERS)
    out_spikes = spikes if trace else spikes[-1:]
    sizes = [layer.size for layer in graph.neurons]
    sizes = sizes if trace else sizes[-1:]
    copies, offset = [], 0
    for expr, size in zip(out_spikes, sizes):
        copies.append(f"    __builtin_memcpy(out + {offset}, {place(expr)}, {size});")
        offset += size
    externs = [library.array_declaration(a, d) for a, d in emitter.arrays.items()]
    model_c = ["/* Generated by mcuforge: a spiking network, one time step a call. */", "#include <stdint.h>", "",
               '#include "mf_kernels.h"', '#include "model.h"', "", *externs, "",
               *library.model_c_common([k for k, _ in calls], plan.arena_size, state.size,
                                       [f"__builtin_memset(mf_state, 0, {state.size});"]),
               *emitter.params, "",
               "int mf_model_step(const mf_model_input_t *in, mf_model_output_t *out) {",
               "    if (!mf_state_set) mf_model_reset();"]
    for n, (kernel, stmt) in enumerate(calls):
        model_c += ["    MF_PROFILE_START();", f"    if ({place(stmt)[:-1]} != MF_OK) return {n + 1};",
                    "    MF_PROFILE_STOP();"]
    model_c += [*copies, "    return 0;", "}", ""]
    entry = [EntryPoint("step", graph.input_size, offset,
                        "One time step: `in` (the step's input, int8) -> `out` (the spikes, 0 or 1)")]
    model_c += library.entry_point_table(entry)
    (out / "model.c").write_text("\n".join(model_c))
    (out / "weights.c").write_text(library.weights_c([library.array_definition(a, d)
                                                       for a, d in emitter.arrays.items()]))
    compiled = CompiledSNN(name, target, out, graph, plan, state, [out / "model.c", out / "weights.c", *files],
                           [k for k, _ in calls], _macs(graph), weight_bytes, time.perf_counter() - start,
                           timesteps, trace, kernels, source)
    defines = {"MF_MODEL_MAIN_ENTRY": "mf_model_step", "MF_MODEL_INPUT_SCALE": repr(graph.input_scale)}
    (out / "model.h").write_text(library.model_h(name, "spiking, int8", compiled.input, compiled.output,
                                                 plan.arena_size, state.size, len(calls), entry, defines))
    library.write_plan(out, plan, state)
    library.write_compile_json(compiled, source, len(calls), entry)
    return compiled


def compile_file(model: str, target: Target, precision: str, out_dir: Path, kernels: str = "mcuforge",
                 accumulate: str | None = None, hop: int | None = None, timesteps: int | None = None,
                 trace: bool = False, events: str = "auto") -> CompiledSNN:
    """The spiking path of core.flow.compile: an .mfq file of format mcuforge-snn-1."""
    from .serialize import load_snn

    if accumulate is not None:
        raise McuforgeError("--accumulate is for fp16 models; spiking models accumulate in int32")
    if hop is not None:
        raise McuforgeError("--stream is for windowed models; a spiking model already runs one step a call")
    path = Path(model)
    if not path.is_file():
        raise McuforgeError(f"model file not found: {model}")
    graph, extra = load_snn(path)
    return compile_snn(graph, path.stem, target, out_dir, kernels, model, timesteps or extra.get("timesteps"),
                       trace, events)
