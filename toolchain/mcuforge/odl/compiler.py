"""The training compiler: a TrainGraph (odl/graph.py) with its trainable parameters chosen ->
a C library whose mf_model_train_step() runs the forward pass of every layer, the loss, the
backward pass of the layers that need it and SGD with momentum, through the primitives of
firmware/odl (PULP-TrainLib's split: _fw, _bw_param_grads, _bw_input_grads), and whose
mf_model_run() is the forward pass alone, with the weights trained so far.

Why our own backward and not Relax's `Gradient` pass: the step is a fixed schedule of layer
primitives over one sample (a batch is the sum of its samples' gradients, so the activations of
one sample are kept, not a batch's), which is what the memory plan below reasons about; Relax's
gradient graph is op-level (conv2d_transpose, permute_dims, collapse_sum_to) and would have to be
matched back to the same primitives, and it has no gradient for clip (ReLU6) or pad, nor NHWC
depthwise. The schedule here is checked against PyTorch autograd instead (odl/reference.py).

The schedule, one sample (step indices of the memory plan):
    0 .. L-1   forward of node i (a flatten is a view; a clip whose input feeds nothing else
               works in place)
    L          loss: softmax cross-entropy of the logits, its gradient scaled by 1 / batch
    L+1 ..     backward, last node first, over the nodes whose output depends on a trainable
               parameter: parameter gradients (added up over the batch), and the input's gradient
               where the input needs one (a value read by two nodes gets the sum: the second
               writes a temporary and adds it)
and after the batch: SGD with momentum on every trainable tensor.

Memory: trainable weights and biases and their momentum are the persistent state (set from
flash by mf_model_reset); parameter gradients live in the arena for the whole step; activations
kept for the backward pass and gradients get arena space only while alive (planned by
core/planner.py, as inference's are). Frozen weights stay in flash."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..build.kernels import kernel_source
from ..core import library
from ..core.flow import TensorSpec
from ..core.planner import Buffer, MemoryPlan, StatePlan, plan_greedy_by_size, plan_state
from ..errors import DoesNotFit, McuforgeError
from ..paths import FIRMWARE_DIR
from ..target import Target
from .graph import INPUT, PARAM_OPS, Node, TrainGraph

ODL_DIR = FIRMWARE_DIR / "odl"
PRECISIONS = ("fp32", "fp16")
DTYPE = {"fp32": "float32", "fp16": "float16"}
CTYPE = {"fp32": "float", "fp16": "mf_odl_f16"}
# mf_model_train_step's statuses beside 0 (entry points return 0, or 1 + a failing layer)
BAD_LABEL, NOT_FINITE, BAD_RANGE = -1, -2, -3
READ_PARAMS_MAX = 256  # parameters one mf_model_read_params call returns (a buffer, or a HIL frame, holds them)


@dataclass
class Options:
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch: int = 1
    accumulate: str | None = None  # fp16: "fp16" or "fp32" in conv2d, depthwise, linear


@dataclass
class Schedule:
    """What runs, and the arena buffer each value lives in."""
    forward: list[Node]
    backward: list[Node]  # in the order they run (last node first)
    storage: dict[int, int]  # node -> the node whose buffer holds its output (views, in-place clips)
    grad_storage: dict[int, int]  # node -> the node whose gradient buffer holds its output's gradient
    first_writer: dict[int, int]  # node -> the consumer that writes its gradient first
    needs_grad: set[int]
    temps: dict[int, int]  # backward node -> the input whose gradient it adds through a temporary
    masked: set[int]  # clips that keep one bit per value for their backward pass (buffer m<i>)
    buffers: list[Buffer]
    steps: int


@dataclass
class CompiledTraining:
    name: str
    target: Target
    precision: str
    accumulate: str
    options: Options
    graph: TrainGraph = field(repr=False)
    out_dir: Path
    sources: list[Path]
    plan: MemoryPlan = field(repr=False)
    state: StatePlan = field(repr=False)
    schedule: Schedule = field(repr=False)
    weight_bytes: int  # frozen parameters in flash, plus the trainable ones' initial values
    compile_seconds: float
    kernels: str = "ref"

    @property
    def input(self) -> TensorSpec:
        return TensorSpec(self.graph.input_shape, DTYPE[self.precision])

    @property
    def output(self) -> TensorSpec:
        return TensorSpec(self.graph.output.shape, DTYPE[self.precision])

    @property
    def macs(self) -> int:
        return sum(n.macs for n in self.graph.nodes)

    @property
    def layer_names(self) -> list[str]:
        return [n.name for n in self.graph.nodes]

    @property
    def trainable_elements(self) -> int:
        return sum(n.weight.size * n.train_weight + (n.bias.size if n.train_bias else 0) for n in self.graph.nodes
                   if n.op in PARAM_OPS)

    def ram(self) -> dict[str, int]:
        """Bytes of RAM by what they hold (the arena is shared, so its parts add up to more)."""
        item = np.dtype(DTYPE[self.precision]).itemsize
        trained = self.trainable_elements * item
        kept = sum(b.size for b in self.schedule.buffers  # activations read backward, and 1-bit ReLU masks
                   if (b.name.startswith("a") and b.last > len(self.graph.nodes)) or b.name.startswith("m"))
        grads = sum(b.size for b in self.schedule.buffers if b.name.startswith(("gw", "gb")))
        return {"trained_weights": trained, "optimizer_state": trained if self.options.momentum else 0,
                "parameter_gradients": grads,
                "kept_activations": kept, "arena": self.plan.arena_size, "state": self.state.size}

    def backward_macs(self) -> int:
        """MACs of the backward pass of one sample: a parameter gradient costs the forward's MACs,
        so does an input gradient."""
        total = 0
        for n in self.schedule.backward:
            if n.op in PARAM_OPS:
                total += n.macs * (int(n.train_weight) + int(n.inputs[0] in self.schedule.needs_grad))
        return total


def _suffix(precision: str, accumulate: str, op: str) -> str:
    if precision == "fp32":
        return "f32"
    return "f16_acc32" if accumulate == "fp32" and op in PARAM_OPS else "f16"


def _file(op: str) -> str:
    return {"conv2d": "conv2d", "depthwise": "depthwise", "linear": "linear", "clip": "act", "add": "act",
            "avg_pool": "pool", "max_pool": "pool"}[op]


def schedule(graph: TrainGraph, item: int) -> Schedule:
    nodes = graph.nodes
    consumers: dict[int, list[int]] = {i: [] for i in [INPUT, *range(len(nodes))]}
    for n in nodes:
        for j in n.inputs:
            consumers[j].append(n.index)
    needs_grad: set[int] = set()
    for n in nodes:
        if n.trainable or any(j in needs_grad for j in n.inputs):
            needs_grad.add(n.index)
    L = len(nodes)
    backward = [n for n in reversed(nodes) if n.index in needs_grad]
    bstep = {n.index: L + 1 + k for k, n in enumerate(backward)}

    def in_place(n: Node) -> bool:  # a clip over a value nothing else reads
        return n.op == "flatten" or (n.op == "clip" and n.inputs[0] != INPUT and consumers[n.inputs[0]] == [n.index])

    storage: dict[int, int] = {INPUT: INPUT}  # a flatten of the model input is a view of the caller's input
    for n in nodes:
        storage[n.index] = storage[n.inputs[0]] if in_place(n) else n.index
    # reads: (value, step)
    reads: list[tuple[int, int]] = [(j, n.index) for n in nodes for j in n.inputs if j != INPUT]
    reads.append((L - 1, L))  # the loss reads the logits
    backward_reads = []  # values the backward pass reads, besides the clips' own outputs
    for n in backward:
        j = n.inputs[0]
        if n.op in PARAM_OPS and n.train_weight and j != INPUT:
            backward_reads.append((j, bstep[n.index]))
        if n.op == "max_pool" and j in needs_grad and j != INPUT:
            backward_reads.append((j, bstep[n.index]))
    # a clip whose output nothing else reads backward keeps a bit per value instead of the value
    clips = [n for n in backward if n.op == "clip" and n.inputs[0] in needs_grad]
    masked = {n.index for n in clips if all(storage[v] != storage[n.index] for v, _ in backward_reads)}
    reads += backward_reads + [(n.index, bstep[n.index]) for n in clips if n.index not in masked]
    buffers: list[Buffer] = [Buffer(f"m{i}", -(-nodes[i].size // 8), i, bstep[i]) for i in sorted(masked)]
    span: dict[int, list[int]] = {}
    for n in nodes:
        span.setdefault(storage[n.index], []).append(n.index)
    span.pop(INPUT, None)
    for v, step in reads:
        if storage[v] != INPUT:
            span[storage[v]].append(step)
    for root, steps in span.items():
        buffers.append(Buffer(f"a{root}", nodes[root].size * item, min(steps), max(steps)))
    # gradients
    grad_storage: dict[int, int] = {}
    first_writer: dict[int, int] = {}
    temps: dict[int, int] = {}
    gspan: dict[int, list[int]] = {}
    grad_storage[L - 1] = L - 1
    gspan[L - 1] = [L]
    for n in backward:  # n's gradient is complete when n runs: it reads it at bstep
        gspan.setdefault(grad_storage[n.index], []).append(bstep[n.index])
        for j in n.inputs:
            if j == INPUT or j not in needs_grad:
                continue
            if j not in first_writer:
                first_writer[j] = n.index
                alias = in_place(n) and consumers[j] == [n.index]
                grad_storage[j] = grad_storage[n.index] if alias else j
            else:
                temps[n.index] = j
                buffers.append(Buffer(f"t{n.index}", nodes[j].size * item, bstep[n.index], bstep[n.index]))
            gspan.setdefault(grad_storage[j], []).append(bstep[n.index])
    for root, steps in gspan.items():
        buffers.append(Buffer(f"g{root}", nodes[root].size * item, min(steps), max(steps)))
    last = L + len(backward)
    for n in nodes:
        if n.train_weight:
            buffers.append(Buffer(f"gw{n.index}", n.weight.size * item, 0, last))
        if n.train_bias:
            buffers.append(Buffer(f"gb{n.index}", n.bias.size * item, 0, last))
    forward = [n for n in nodes if n.op != "flatten"]
    return Schedule(forward, backward, storage, grad_storage, first_writer, needs_grad, temps, masked, buffers,
                    last + 1)


def compile_training(graph: TrainGraph, target: Target, precision: str, out_dir: Path | str,
                     options: Options = Options()) -> CompiledTraining:
    start = time.perf_counter()
    if precision not in PRECISIONS:
        raise McuforgeError(f"unknown training precision {precision!r}", hint=f"choose one of {', '.join(PRECISIONS)}")
    if not target.has("fpu"):
        raise McuforgeError(f"{target.name} has no floating-point unit; training runs in fp32 or fp16",
                            hint="use a target with an FPU")
    if precision == "fp16" and not target.has("fp16"):
        raise McuforgeError(f"{target.name} has no fp16 arithmetic; --precision fp16 training needs it",
                            hint="use --precision fp32, or a target with fp16 arithmetic (Cortex-M55, RISC-V Zfh)")
    accumulate = options.accumulate or ("fp16" if precision == "fp16" else "fp32")
    if precision == "fp32" and accumulate != "fp32":
        raise McuforgeError("--accumulate fp16 is for fp16 training", hint="use --precision fp16")
    if options.batch < 1:
        raise McuforgeError(f"--batch {options.batch}: a step takes at least one sample")
    if not any(n.trainable for n in graph.nodes):
        raise McuforgeError(f"{graph.name}: nothing to train", hint="choose layers with --trainable")
    if graph.output.op != "linear" and len(graph.output.shape) != 1:
        raise McuforgeError(f"{graph.name}: the output has shape {graph.output.shape}; the cross-entropy loss takes "
                            "a vector of class scores")
    item = np.dtype(DTYPE[precision]).itemsize
    sched = schedule(graph, item)
    plan = plan_greedy_by_size(sched.buffers, sched.steps)
    tensors = [(kind, n, size) for n in graph.nodes
               for kind, size, train in (("w", n.weight.size if n.weight is not None else 0, n.train_weight),
                                         ("b", n.bias.size if n.bias is not None else 0, n.train_bias)) if train]
    # trained tensors, then their momentum (none at momentum 0: PyTorch keeps no buffer either)
    state = plan_state({f"{kind}{n.index}": size * item for kind, n, size in tensors} |
                       ({f"m{kind}{n.index}": size * item for kind, n, size in tensors} if options.momentum else {}))
    weight_bytes = sum((n.weight.size + (n.bias.size if n.bias is not None else 0)) * item
                       for n in graph.nodes if n.op in PARAM_OPS)
    if weight_bytes > target.memory.flash.length:
        raise DoesNotFit(f"{graph.name}: the weights take {weight_bytes:,} B, more than the "
                         f"{target.memory.flash.length:,} B of flash of {target.name}", region="FLASH",
                         overflow=weight_bytes - target.memory.flash.length, hint="use a smaller model")
    room = target.memory.ram.length - target.memory.stack
    if plan.arena_size + state.size > room:
        raise DoesNotFit(f"{graph.name}: training takes {plan.arena_size + state.size:,} B of RAM (arena "
                         f"{plan.arena_size:,} B of activations and gradients, state {state.size:,} B of trained "
                         f"weights and momentum), more than the {room:,} B {target.name} has beside its stack",
                         region="RAM", overflow=plan.arena_size + state.size - room,
                         hint="train fewer layers (--trainable last:K or biases), use fp16, or a target with "
                              "more RAM")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sources = _emit(graph, sched, plan, state, target, precision, accumulate, options, out)
    compiled = CompiledTraining(graph.name, target, precision, accumulate, options, graph, out, sources, plan, state,
                                sched, weight_bytes, time.perf_counter() - start)
    library.write_plan(out, plan, state)
    (out / "compile.json").write_text(json.dumps(_info(compiled), indent=2) + "\n")
    return compiled


def _info(c: CompiledTraining) -> dict:
    return {"model": c.name, "target": c.target.name, "precision": c.precision, "accumulate": c.accumulate,
            "lr": c.options.lr, "momentum": c.options.momentum, "weight_decay": c.options.weight_decay,
            "batch": c.options.batch, "macs": c.macs, "backward_macs": c.backward_macs(),
            "trainable": [n.name for n in c.graph.nodes if n.trainable],
            "trainable_elements": c.trainable_elements, "weight_bytes": c.weight_bytes, "ram": c.ram(),
            "input": {"shape": list(c.input.shape), "dtype": c.input.dtype},
            "output": {"shape": list(c.output.shape), "dtype": c.output.dtype},
            "entry_points": [{"name": e.name, "in_bytes": e.in_bytes, "out_bytes": e.out_bytes}
                             for e in entry_points(c.graph, c.precision, c.options.batch, c.trainable_elements)]}


def entry_points(graph: TrainGraph, precision: str, batch: int, params: int) -> list[library.EntryPoint]:
    item = np.dtype(DTYPE[precision]).itemsize
    inp, outp = TensorSpec(graph.input_shape, DTYPE[precision]), TensorSpec(graph.output.shape, DTYPE[precision])
    return [library.run_entry_point(inp, outp),
            library.EntryPoint("train_step", batch * (inp.nbytes + 4), 4,
                               "One training step on MF_MODEL_BATCH samples and their labels: forward, loss, "
                               "backward, SGD with momentum; out: the mean loss. Returns 0, "
                               "MF_MODEL_BAD_LABEL (a label outside the classes: nothing changed) or "
                               "MF_MODEL_NOT_FINITE (the loss is NaN or infinite: the weights were not updated)",
                               "mf_model_train_in_t", "mf_model_train_out_t"),
            library.EntryPoint("read_params", 8, min(params, READ_PARAMS_MAX) * item,
                               "The trainable parameters as they are now (MF_MODEL_PARAMS values, the layers in "
                               "order, weight before bias): in->count values from in->offset, at most "
                               "MF_MODEL_READ_PARAMS_MAX a call. Returns 0 or MF_MODEL_BAD_RANGE",
                               "mf_model_param_range_t", "mf_model_param_t")]


def _flat_params(graph: TrainGraph) -> list[tuple[str, Node, np.ndarray]]:
    out = []
    for n in graph.nodes:
        if n.train_weight:
            out.append(("w", n, n.weight))
        if n.train_bias:
            out.append(("b", n, n.bias))
    return out


def _emit(graph: TrainGraph, s: Schedule, plan: MemoryPlan, state: StatePlan, target: Target, precision: str,
          accumulate: str, options: Options, out: Path) -> list[Path]:
    np_dtype = np.dtype(DTYPE[precision])
    T = CTYPE[precision]
    # sources: the target's variant of each primitive file
    files = sorted({f"mf_odl_{_file(n.op)}_{_suffix(precision, accumulate, n.op)}"
                    for n in graph.nodes if n.op != "flatten"} |
                   {f"mf_odl_loss_{_suffix(precision, accumulate, 'loss')}", f"mf_odl_sgd_{_suffix(precision, accumulate, 'sgd')}",
                    f"mf_odl_act_{_suffix(precision, accumulate, 'add')}"})
    copied = []
    for f in files:
        src = kernel_source(target, f, ODL_DIR)
        (out / src.name).write_bytes(src.read_bytes())
        copied.append(out / src.name)
        for header in sorted(src.parent.glob("*.h")):
            (out / header.name).write_bytes(header.read_bytes())
    for name in ("mf_odl.h", "mf_odl_window.h"):
        (out / name).write_bytes((ODL_DIR / name).read_bytes())

    def sfx(op: str) -> str:
        return _suffix(precision, accumulate, op)

    def act(i: int) -> str:
        if s.storage[i] == INPUT:  # a flatten of the model's input: the input itself
            return f"(({T} *)x)"
        return f"(({T} *)(mf_arena + {plan.offset(f'a{s.storage[i]}')}))"

    def value(i: int) -> str:
        return "x" if i == INPUT else act(i)

    def mask(i: int) -> str:
        return f"(mf_arena + {plan.offset(f'm{i}')})"

    def grad(i: int) -> str:
        return f"(({T} *)(mf_arena + {plan.offset(f'g{s.grad_storage[i]}')}))"

    def param(n: Node, kind: str) -> str:
        data = n.weight if kind == "w" else n.bias
        if data is None:
            return "NULL"
        trained = n.train_weight if kind == "w" else n.train_bias
        if trained:
            return f"(({T} *)(mf_state + {state.offset(f'{kind}{n.index}')}))"
        return f"((const {T} *)mf_{kind}{n.index})"

    # weights.c: every parameter (frozen ones are read from here; trainable ones start from here)
    arrays = []
    for n in graph.nodes:
        for kind, data in (("w", n.weight), ("b", n.bias)):
            if data is not None:
                arrays.append(library.array_definition(f"mf_{kind}{n.index}", data.astype(np_dtype),
                                                       f"{n.name} {'weight' if kind == 'w' else 'bias'} "
                                                       f"{list(data.shape)}"))
    (out / "weights.c").write_text(library.weights_c(arrays))

    lines = [f"/* {graph.name}: training step generated by mcuforge ({precision}). */", '#include "model.h"',
             '#include "mf_odl.h"', ""]
    for n in graph.nodes:
        for kind, data in (("w", n.weight), ("b", n.bias)):
            if data is not None:
                lines.append(library.array_declaration(f"mf_{kind}{n.index}", data.astype(np_dtype)))
    reset = []
    for kind, n, data in _flat_params(graph):
        reset.append(f"__builtin_memcpy(mf_state + {state.offset(f'{kind}{n.index}')}, mf_{kind}{n.index}, "
                     f"{data.size * np_dtype.itemsize});")
        if options.momentum:
            reset.append(f"__builtin_memset(mf_state + {state.offset(f'm{kind}{n.index}')}, 0, "
                         f"{data.size * np_dtype.itemsize});")
    lines += ["", *library.model_c_common([n.name for n in graph.nodes], max(plan.arena_size, 16), state.size, reset)]
    # parameter structs
    for n in graph.nodes:
        a = n.attrs
        if n.op in ("conv2d", "depthwise"):
            ih, iw, ic = graph.input_shape if n.inputs[0] == INPUT else graph.nodes[n.inputs[0]].shape
            oh, ow, oc = n.shape
            lines.append(f"static const mf_odl_conv_t mf_p{n.index} = {{{ih}, {iw}, {ic}, {oh}, {ow}, {oc}, "
                         f"{a['kernel'][0]}, {a['kernel'][1]}, {a['stride'][0]}, {a['stride'][1]}, "
                         f"{a['pad'][0]}, {a['pad'][1]}}};")
        elif n.op == "linear":
            lines.append(f"static const mf_odl_linear_t mf_p{n.index} = {{{n.weight.shape[1]}, {n.weight.shape[0]}}};")
        elif n.op in ("avg_pool", "max_pool"):
            ih, iw, c = graph.input_shape if n.inputs[0] == INPUT else graph.nodes[n.inputs[0]].shape
            oh, ow, _ = n.shape
            lines.append(f"static const mf_odl_pool_t mf_p{n.index} = {{{ih}, {iw}, {c}, {oh}, {ow}, "
                         f"{a['kernel'][0]}, {a['kernel'][1]}, {a['stride'][0]}, {a['stride'][1]}, "
                         f"{a['pad'][0]}, {a['pad'][1]}}};")
    # forward
    lines += ["", f"/* The forward pass of one sample: node i's output in its arena buffer. */",
              f"static void mf_forward(const {T} *x) {{"]
    for n in s.forward:
        i, j = n.index, n.inputs[0]
        if n.op in PARAM_OPS:
            lines.append(f"    mf_odl_{n.op}_fw_{sfx(n.op)}(&mf_p{i}, {value(j)}, {param(n, 'w')}, {param(n, 'b')}, "
                         f"{act(i)});  /* {n.name} */")
        elif n.op == "clip" and i in s.masked:
            lines.append(f"    mf_odl_clip_fw_mask_{sfx('clip')}({n.size}, {_c_float(n.attrs['lo'])}, "
                         f"{_c_float(n.attrs['hi'])}, {value(j)}, {act(i)}, {mask(i)});  /* {n.name} */")
        elif n.op == "clip":
            lines.append(f"    mf_odl_clip_fw_{sfx('clip')}({n.size}, {_c_float(n.attrs['lo'])}, {_c_float(n.attrs['hi'])}, "
                         f"{value(j)}, {act(i)});  /* {n.name} */")
        elif n.op in ("avg_pool", "max_pool"):
            lines.append(f"    mf_odl_{n.op}_fw_{sfx(n.op)}(&mf_p{i}, {value(j)}, {act(i)});  /* {n.name} */")
        elif n.op == "add":
            lines.append(f"    mf_odl_add_fw_{sfx('add')}({n.size}, {value(n.inputs[0])}, {value(n.inputs[1])}, "
                         f"{act(i)});  /* {n.name} */")
    lines.append("}")
    # loss and backward
    last = graph.output
    lines += ["", "/* The loss of one sample and the backward pass: parameter gradients added up. */",
              f"static float mf_backward(const {T} *x, int32_t label) {{",
              "    (void)x;",
              f"    const float loss = mf_odl_softmax_cross_entropy_{sfx('loss')}({last.size}, {act(last.index)}, label, "
              f"{_c_float(1.0 / options.batch)}, {grad(last.index)});"]
    for n in s.backward:
        i, j = n.index, n.inputs[0]
        wants_in = [k for k in n.inputs if k != INPUT and k in s.needs_grad]

        def dest(k: int) -> str:
            return f"(({T} *)(mf_arena + {plan.offset(f't{i}')}))" if s.temps.get(i) == k else grad(k)

        def then_add(k: int) -> list[str]:
            return [f"    mf_odl_accumulate_{sfx('add')}({graph.nodes[k].size}, {dest(k)}, {grad(k)});"] \
                if s.temps.get(i) == k else []

        if n.op in PARAM_OPS:
            if n.trainable:
                gw = f"(({T} *)(mf_arena + {plan.offset(f'gw{i}')}))" if n.train_weight else None
                gb = f"(({T} *)(mf_arena + {plan.offset(f'gb{i}')}))" if n.train_bias else "NULL"
                if gw is not None:
                    lines.append(f"    mf_odl_{n.op}_bw_param_grads_{sfx(n.op)}(&mf_p{i}, {value(j)}, {grad(i)}, "
                                 f"{gw}, {gb});  /* {n.name} */")
                else:  # biases only: the bias gradient is the sum of the output gradient over positions
                    lines.append(f"    mf_odl_bias_grads_{sfx('add')}({n.size // n.shape[-1]}, {n.shape[-1]}, "
                                 f"{grad(i)}, {gb});  /* {n.name} */")
            if wants_in:
                lines.append(f"    mf_odl_{n.op}_bw_input_grads_{sfx(n.op)}(&mf_p{i}, {grad(i)}, {param(n, 'w')}, "
                             f"{dest(j)});  /* {n.name} */")
                lines += then_add(j)
        elif n.op == "clip" and wants_in and i in s.masked:
            lines.append(f"    mf_odl_clip_bw_mask_{sfx('clip')}({n.size}, {mask(i)}, {grad(i)}, {dest(j)});"
                         f"  /* {n.name} */")
            lines += then_add(j)
        elif n.op == "clip" and wants_in:
            lines.append(f"    mf_odl_clip_bw_{sfx('clip')}({n.size}, {_c_float(n.attrs['lo'])}, {_c_float(n.attrs['hi'])}, "
                         f"{act(i)}, {grad(i)}, {dest(j)});  /* {n.name} */")
            lines += then_add(j)
        elif n.op == "avg_pool" and wants_in:
            lines.append(f"    mf_odl_avg_pool_bw_{sfx('avg_pool')}(&mf_p{i}, {grad(i)}, {dest(j)});  /* {n.name} */")
            lines += then_add(j)
        elif n.op == "max_pool" and wants_in:
            lines.append(f"    mf_odl_max_pool_bw_{sfx('max_pool')}(&mf_p{i}, {value(j)}, {grad(i)}, {dest(j)});"
                         f"  /* {n.name} */")
            lines += then_add(j)
        elif n.op == "add":
            for k in wants_in:
                if s.first_writer[k] == i and s.temps.get(i) != k:
                    lines.append(f"    __builtin_memcpy({grad(k)}, {grad(i)}, {n.size * np_dtype.itemsize});"
                                 f"  /* {n.name} */")
                else:
                    lines.append(f"    mf_odl_accumulate_{sfx('add')}({n.size}, {grad(i)}, {grad(k)});  /* {n.name} */")
        elif n.op == "flatten":
            pass  # a view: its gradient is its input's
    lines += ["    return loss;", "}", ""]
    # entry points
    trained = _flat_params(graph)
    zero = [f"    __builtin_memset(mf_arena + {plan.offset(f'g{kind}{n.index}')}, 0, {data.size * np_dtype.itemsize});"
            for kind, n, data in trained]

    def momentum(kind: str, n: Node) -> str:
        return f"(({T} *)(mf_state + {state.offset(f'm{kind}{n.index}')}))" if options.momentum else "NULL"

    update = [f"    mf_odl_sgd_{sfx('sgd')}({data.size}, {_c_float(options.lr)}, {_c_float(options.momentum)}, "
              f"{_c_float(options.weight_decay)}, {param(n, kind)}, {momentum(kind, n)}, "
              f"(({T} *)(mf_arena + {plan.offset(f'g{kind}{n.index}')})));  /* {n.name} */"
              for kind, n, data in trained]
    params_bytes = sum(data.size for _, _, data in trained) * np_dtype.itemsize
    lines += ["int mf_model_run(const mf_model_input_t *in, mf_model_output_t *out) {",
              "    if (!mf_state_set) mf_model_reset();",
              "    mf_forward(in);",
              f"    __builtin_memcpy(out, {act(last.index)}, {last.size * np_dtype.itemsize});",
              "    return 0;", "}", "",
              "int mf_model_train_step(const mf_model_train_in_t *in, mf_model_train_out_t *out) {",
              "    if (!mf_state_set) mf_model_reset();",
              "    for (int b = 0; b < MF_MODEL_BATCH; b++)",
              f"        if (in->label[b] < 0 || in->label[b] >= MF_MODEL_CLASSES) return MF_MODEL_BAD_LABEL;",
              *zero,
              "    float loss = 0.0f;",
              "    for (int b = 0; b < MF_MODEL_BATCH; b++) {",
              "        MF_PROFILE_START();",
              "        mf_forward(in->x[b]);",
              "        MF_PROFILE_STOP();",
              "        MF_PROFILE_START();",
              "        loss += mf_backward(in->x[b], in->label[b]);",
              "        MF_PROFILE_STOP();",
              "    }",
              f"    out->loss = loss / MF_MODEL_BATCH;",
              "    if (!(out->loss - out->loss == 0.0f)) return MF_MODEL_NOT_FINITE; /* NaN or infinite */",
              "    MF_PROFILE_START();",
              *update,
              "    MF_PROFILE_STOP();",
              "    return 0;", "}", "",
              "int mf_model_read_params(const mf_model_param_range_t *in, mf_model_param_t *out) {",
              "    if (!mf_state_set) mf_model_reset();",
              "    if (in->count > MF_MODEL_READ_PARAMS_MAX || in->offset > MF_MODEL_PARAMS ||",
              "        in->count > MF_MODEL_PARAMS - in->offset) return MF_MODEL_BAD_RANGE;",
              "    /* the trainable tensors in the order of the parameters: first parameter, count, state offset */",
              f"    static const uint32_t tensors[{len(trained)}][3] = {{"]
    first = 0
    for kind, n, data in trained:
        lines.append(f"        {{{first}, {data.size}, {state.offset(f'{kind}{n.index}')}}},  /* {n.name} "
                     f"{'weight' if kind == 'w' else 'bias'} */")
        first += data.size
    lines += ["    };",
              f"    for (uint32_t t = 0; t < {len(trained)}; t++) {{",
              "        const uint32_t lo = in->offset > tensors[t][0] ? in->offset : tensors[t][0];",
              "        const uint32_t end = tensors[t][0] + tensors[t][1], want = in->offset + in->count;",
              "        const uint32_t hi = want < end ? want : end;",
              "        if (lo < hi)",
              "            __builtin_memcpy(out + (lo - in->offset), mf_state + tensors[t][2] + (lo - tensors[t][0]) * "
              "sizeof(mf_model_param_t),",
              "                             (hi - lo) * sizeof(mf_model_param_t));",
              "    }",
              "    return 0;", "}", ""]
    eps = entry_points(graph, precision, options.batch, sum(d.size for _, _, d in trained))
    lines += library.entry_point_table(eps)
    (out / "model.c").write_text("\n".join(lines))
    classes = graph.output.size
    types = (f"typedef {library.C_TYPE[DTYPE[precision]]} mf_model_param_t;\n"
             "typedef struct {\n"
             f"    mf_model_input_t x[MF_MODEL_BATCH][MF_MODEL_INPUT_SIZE];\n"
             "    int32_t label[MF_MODEL_BATCH];\n"
             "} mf_model_train_in_t;\n"
             "typedef struct {\n    float loss;\n} mf_model_train_out_t;\n"
             "typedef struct {\n    uint32_t offset, count;\n} mf_model_param_range_t;\n")
    extra = {"MF_MODEL_BATCH": str(options.batch), "MF_MODEL_CLASSES": str(classes),
             "MF_MODEL_PARAMS": str(sum(d.size for _, _, d in trained)),
             "MF_MODEL_PARAMS_BYTES": str(params_bytes),
             "MF_MODEL_READ_PARAMS_MAX": str(READ_PARAMS_MAX), "MF_MODEL_BAD_LABEL": f"({BAD_LABEL})",
             "MF_MODEL_NOT_FINITE": f"({NOT_FINITE})", "MF_MODEL_BAD_RANGE": f"({BAD_RANGE})"}
    header = library.model_h(graph.name, f"{precision} training", TensorSpec(graph.input_shape, DTYPE[precision]),
                             TensorSpec(graph.output.shape, DTYPE[precision]), plan.arena_size, state.size,
                             len(graph.nodes), eps, extra, types)
    (out / "model.h").write_text(header)
    return [out / "model.c", out / "weights.c", *copied]


def _c_float(v: float) -> str:
    if v == float("inf"):
        return "__builtin_inff()"
    if v == float("-inf"):
        return "(-__builtin_inff())"
    return f"{float(np.float32(v))!r}f"
