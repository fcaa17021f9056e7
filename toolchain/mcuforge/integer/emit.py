"""The integer AOT emitter: its part of model.c (one kernel call per op, const parameter
structs) and the arrays of weights.c; the rest of the library (model.h, the shared part of
model.c, the kernel copies) comes from the emitter core, core/library.py. Activations live in the
planned static arena; a reshape is a view and emits nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build.kernels import kernel_variant
from ..core import library
from ..core.flow import TensorSpec
from ..core.library import EntryPoint
from ..core.planner import MemoryPlan, StatePlan
from ..target import Target
from .graph import QGraph, QTensor
from .ops import add as add_op
from .packing import pack

# op kind -> (C kernel, parameter struct type)
KERNELS = {
    "conv2d": ("mf_conv2d_s8", "mf_conv_params_s8"),
    "depthwise_conv2d": ("mf_depthwise_conv2d_s8", "mf_conv_params_s8"),
    "fully_connected": ("mf_fully_connected_s8", "mf_fc_params_s8"),
    "avg_pool2d": ("mf_avg_pool2d_s8", "mf_pool_params_s8"),
    "max_pool2d": ("mf_max_pool2d_s8", "mf_pool_params_s8"),
    "add": ("mf_add_s8", "mf_add_params_s8"),
    "softmax": ("mf_softmax_s8", "mf_softmax_params_s8"),
}
HEADERS = ("mf_kernels.h", "mf_features.h", "mf_fixedpoint.h", "mf_conv_s8_common.h", "mf_fc_s8_common.h",
           "mf_dwconv_s8_common.h", "mf_add_s8_common.h", "mf_pool_s8_common.h")
# parameter array -> its symbol's prefix in weights.c
ARRAYS = {"weights": "weights", "bias": "bias", "multiplier": "multiplier", "shift": "shift",
          "bias_with_offset": "bias_offset", "table1": "table1_", "table2": "table2_"}
PACKED_FC = {4: "mf_fully_connected_s4", 1: "mf_fully_connected_b1"}


def kernel_of(op) -> str:
    """The C kernel of an op; fully connected layers with packed weights have their own."""
    bits = op.params.get("weight_bits", 8)
    return PACKED_FC[bits] if op.kind == "fully_connected" and bits != 8 else KERNELS[op.kind][0]


def host_arrays(op) -> dict[str, np.ndarray]:
    """Arrays the kernels read instead of computing them on the device: weight sums the SIMD
    variants use to add the input offset once per output (for conv2d and depthwise conv2d folded
    with the bias: bias + input_offset * sum, per output channel, int32 arithmetic as on the
    device; per unit for int8 fully connected layers), and add's per-input tables."""
    if op.kind == "add":
        return add_op.input_tables(op)
    w = op.params.get("weights")
    axes = {"conv2d": (1, 2, 3), "depthwise_conv2d": (0, 1, 2), "fully_connected": 1}
    if op.kind in axes and op.params.get("weight_bits", 8) == 8:
        sums = w.astype(np.int64).sum(axis=axes[op.kind])
        folded = op.params["bias"].astype(np.int64) + op.params["input_offset"] * sums
        return {"bias_with_offset": (folded & 0xFFFFFFFF).astype(np.uint32).view(np.int32)}
    return {}


@dataclass(frozen=True)
class ConvLayout:
    """How a conv2d kernel variant stores its weights and patches, the host's copy of what the
    variant's mf_conv2d_s8_get_layout() answers (mf_conv_layout_s8 in mf_kernels.h; the two are
    compared by tests/kernels/test_shared_facts.py): blocks of `block` output channels, each as
    chunks of `block` filters x `chunk` bytes of the flattened filter, zero-padded; stored byte i
    of a chunk is byte order[i] of the filter's chunk; patches hold `element` bytes per tap and
    channel."""
    block: int
    chunk: int
    element: int = 1
    order: tuple[int, ...] | None = None


# Variants whose mf_conv2d_s8 works on im2col patches in planned scratch. arm_dsp widens the
# patch to int16 once, and stores each 4-byte chunk as w0 w2 w1 w3 so that SXTB16 and SXTB16
# ROR 8 of one word give the pairs (w0, w1), (w2, w3) of the int16 patch words. rv32 (scalar
# RISC-V) keeps the sums of eight channels of both pixels in registers.
CONV_LAYOUTS = {"arm_mve": ConvLayout(4, 16), "rvv": ConvLayout(4, 32),
                "arm_dsp": ConvLayout(2, 4, element=2, order=(0, 2, 1, 3)), "rv32": ConvLayout(8, 4)}


def conv_layout(op, target: Target) -> ConvLayout | None:
    """The blocked weight layout of a conv2d's kernel variant on `target`, None for plain OHWI."""
    if op.kind != "conv2d":
        return None
    return CONV_LAYOUTS.get(kernel_variant(target, "mf_conv2d_s8"))


def _patch_size(op, chunk: int) -> int:
    """Elements of one im2col patch: k_h x k_w x in_c rounded up to whole chunks (C:
    mf_conv_patch_size)."""
    _, kh, kw, ic = op.params["weights"].shape
    return -(-kh * kw * ic // chunk) * chunk


def scratch_bytes(op, target: Target) -> int:
    """Arena scratch an op's kernel needs on `target`, alive during its own step: what the conv2d
    variant's mf_conv2d_s8_get_buffer_size() answers (checked by
    tests/kernels/test_shared_facts.py), the two im2col patches of the SIMD variants, none where
    the input pixel is the patch (C: mf_conv_is_direct); 0 for every other kernel."""
    layout = conv_layout(op, target)
    if not layout:
        return 0
    _, kh, kw, ic = op.params["weights"].shape
    direct = layout.element == 1 and (kh, kw) == (1, 1) and tuple(op.params["pad"]) == (0, 0)
    if direct and ic % layout.chunk == 0:
        return 0
    return 2 * _patch_size(op, layout.chunk) * layout.element


def blocked_weights(op, layout: ConvLayout) -> np.ndarray:
    """OHWI conv weights in a variant's blocked layout."""
    w, block, chunk = op.params["weights"], layout.block, layout.chunk
    oc, k = w.shape[0], _patch_size(op, chunk)
    padded = np.zeros((-(-oc // block) * block, k), np.int8)
    padded[:oc, :w[0].size] = w.reshape(oc, -1)
    blocked = padded.reshape(-1, block, k // chunk, chunk).transpose(0, 2, 1, 3)
    return (blocked[..., list(layout.order)] if layout.order else blocked).copy()


def stored_weights(op, target: Target | None = None) -> np.ndarray:
    """The weights as they are stored in flash: int8 (blocked for the kernel variant of
    `target` where it has a layout), or packed sub-8-bit bytes."""
    bits = op.params.get("weight_bits", 8)
    layout = conv_layout(op, target) if target is not None else None
    if layout:
        return blocked_weights(op, layout)
    return op.params["weights"] if bits == 8 else pack(op.params["weights"], bits)


def storage(graph: QGraph, t: QTensor) -> QTensor:
    """The tensor whose memory `t` uses: reshapes are views of their input."""
    for op in graph.ops:
        if op.kind == "reshape" and op.output.id == t.id:
            return storage(graph, op.inputs[0])
    return t


def struct_fields(op) -> dict[str, int]:
    """The integer fields of op's kernel parameter struct (mf_kernels.h), by name."""
    p = op.params
    if op.kind in ("conv2d", "depthwise_conv2d"):
        (_, ih, iw, ic), (_, oh, ow, oc) = op.inputs[0].shape, op.output.shape
        w = p["weights"]
        kh, kw = (w.shape[1], w.shape[2])
        fields = dict(input_offset=p["input_offset"], output_offset=p["output_offset"], act_min=p["act_min"],
                      act_max=p["act_max"], in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc, k_h=kh, k_w=kw,
                      stride_h=p["stride"][0], stride_w=p["stride"][1], dilation_h=p["dilation"][0],
                      dilation_w=p["dilation"][1], pad_h=p["pad"][0], pad_w=p["pad"][1],
                      depth_multiplier=p.get("depth_multiplier", 1))
    elif op.kind == "fully_connected":
        units, depth = p["weights"].shape
        fields = dict(input_offset=p["input_offset"], filter_offset=p["filter_offset"],
                      output_offset=p["output_offset"], act_min=p["act_min"], act_max=p["act_max"],
                      rows=op.inputs[0].size // depth, depth=depth, units=units)
    elif op.kind in ("avg_pool2d", "max_pool2d"):
        (_, ih, iw, c), (_, oh, ow, _) = op.inputs[0].shape, op.output.shape
        fields = dict(in_h=ih, in_w=iw, channels=c, out_h=oh, out_w=ow, k_h=p["filter"][0], k_w=p["filter"][1],
                      stride_h=p["stride"][0], stride_w=p["stride"][1], pad_h=p["pad"][0], pad_w=p["pad"][1],
                      act_min=p["act_min"], act_max=p["act_max"])
    elif op.kind == "add":
        fields = {k: p[k] for k in ("input1_offset", "input2_offset", "output_offset", "input1_multiplier",
                                    "input1_shift", "input2_multiplier", "input2_shift", "output_multiplier",
                                    "output_shift", "left_shift", "act_min", "act_max")}
        fields["size"] = op.output.size
    elif op.kind == "softmax":
        depth = op.output.shape[-1]
        fields = dict(rows=op.output.size // depth, depth=depth, input_multiplier=p["input_multiplier"],
                      input_left_shift=p["input_left_shift"], diff_min=p["diff_min"])
    else:
        raise AssertionError(op.kind)
    return fields


def _struct(op, weights: dict[str, str]) -> str:
    items = [f".{k} = {int(v)}" for k, v in struct_fields(op).items()] + [f".{k} = {v}" for k, v in weights.items()]
    return "{" + ", ".join(items) + "}"


def _specs(graph: QGraph) -> tuple[TensorSpec, TensorSpec]:
    return (TensorSpec(tuple(graph.input.shape), "int8"), TensorSpec(tuple(graph.output.shape), "int8"))


def entry_points(graph: QGraph, stream=None) -> list[EntryPoint]:
    if stream is None:
        return [library.run_entry_point(*_specs(graph))]
    i, o = _specs(graph)
    return [EntryPoint("push", i.nbytes, o.nbytes,
                       f"Pushes {stream.hop} new frames (MF_MODEL_INPUT_SIZE values) and writes the model's output "
                       "for the window ending with them into `out`")]


def _array(op, key: str, target: Target) -> np.ndarray:
    """A parameter array as stored: the weights in the variant's layout; the rest int32."""
    sums = host_arrays(op)
    if key == "weights":
        return stored_weights(op, target)
    return np.asarray(sums[key] if key in sums else op.params[key]).astype(np.int32)


def _slide(feed, state: StatePlan, src: str) -> str:
    return f"    mf_slide(mf_state + {state.offset(feed.name)}, {src}, {feed.reads}, {feed.new}, {feed.frame_bytes});"


SLIDE = ["/* A layer's buffer of `reads` frames takes `new` frames from src: the kept ones move forward. */",
         "static void mf_slide(uint8_t *buf, const int8_t *src, uint32_t reads, uint32_t new_frames, "
         "uint32_t frame) {",
         "    if (new_frames >= reads) {",
         "        __builtin_memcpy(buf, src + (new_frames - reads) * frame, reads * frame);",
         "        return;",
         "    }",
         "    __builtin_memmove(buf, buf + new_frames * frame, (reads - new_frames) * frame);",
         "    __builtin_memcpy(buf + (reads - new_frames) * frame, src, new_frames * frame);",
         "}", ""]


def emit_int8(graph: QGraph, plan: MemoryPlan, target: Target, out: Path, name: str, stream=None,
              state: StatePlan = StatePlan()) -> list[Path]:
    """Write the library; returns the C sources to build (model.c, weights.c, the kernels).
    stream (stream/integer.py's StreamedInt8): the library of a stream, mf_model_push over the
    layers' buffers in `state`."""
    out.mkdir(parents=True, exist_ok=True)
    layers = [op for op in graph.ops if op.kind in KERNELS]
    kernel_files = library.copy_kernels(target, [kernel_of(op) for op in layers], out, HEADERS)
    arrays, externs, structs = [], [], []
    for op in layers:
        i = graph.ops.index(op)
        refs = {}
        for key, prefix in ARRAYS.items():
            if key in op.params or key in host_arrays(op):
                data, symbol = _array(op, key, target), f"mf_{prefix}{i}"
                arrays.append(library.array_definition(symbol, data))
                externs.append(library.array_declaration(symbol, data))
                refs[key] = symbol if data.dtype != np.uint8 else f"(const int8_t *){symbol}"
        if scratch_bytes(op, target):
            refs["scratch"] = f"(int8_t *)(mf_arena + {plan.offset(f's{i}')})"
        structs.append(f"static const {KERNELS[op.kind][1]} mf_p{i} = {_struct(op, refs)};")

    feeds = stream.feeds if stream is not None else {}
    reset = []
    for feed in feeds.values():
        frame = feed.reset
        symbol = f"mf_reset_{feed.name}"
        arrays.append(library.array_definition(symbol, frame, "one frame of the buffer after silence"))
        externs.append(library.array_declaration(symbol, frame))
        reset += [f"for (int i = 0; i < {feed.reads}; i++) "
                  f"__builtin_memcpy(mf_state + {state.offset(feed.name)} + i * {feed.frame_bytes}, {symbol}, "
                  f"{feed.frame_bytes});"]

    def where(t: QTensor) -> str:
        if t.id in feeds:
            return f"(int8_t *)(mf_state + {state.offset(feeds[t.id].name)})"
        root = storage(graph, t)
        if root.id == graph.input.id:
            return "in"
        if root.id == storage(graph, graph.output).id:
            return "out"
        return f"(int8_t *)(mf_arena + {plan.offset(f't{root.id}')})"

    model_c = ["/* Generated by mcuforge: calls and constants only. */", '#include "model.h"',
               '#include "mf_kernels.h"', "",
               *externs, *library.model_c_common([op.kind for op in layers], plan.arena_size, state.size, reset),
               *structs, "", *(SLIDE if feeds else []),
               f"int mf_model_{entry_points(graph, stream)[0].name}(const mf_model_input_t *in, mf_model_output_t *out) {{",
               "    mf_status s;"]
    if feeds:
        model_c += ["    if (!mf_state_set) mf_model_reset();"]
        model_c += [_slide(f, state, "in") for f in feeds.values() if f.source == graph.input.id]
    for n, op in enumerate(layers):
        args = ", ".join([f"&mf_p{graph.ops.index(op)}", *(where(t) for t in op.inputs), where(op.output)])
        model_c += ["    MF_PROFILE_START();", f"    s = {kernel_of(op)}({args});", "    MF_PROFILE_STOP();",
                    f"    if (s != MF_OK) return {n + 1};"]
        model_c += [_slide(f, state, where(op.output)) for f in feeds.values() if f.source == op.output.id]
    model_c += ["    return 0;", "}", "", *library.entry_point_table(entry_points(graph, stream))]
    (out / "weights.c").write_text(library.weights_c(arrays))
    (out / "model.c").write_text("\n".join(model_c))
    i, o = graph.input, graph.output
    scales = {"MF_MODEL_INPUT_SCALE": f"{float(i.s())!r}f", "MF_MODEL_INPUT_ZERO_POINT": str(i.zp()),
              "MF_MODEL_OUTPUT_SCALE": f"{float(o.s())!r}f", "MF_MODEL_OUTPUT_ZERO_POINT": str(o.zp())}
    if stream is not None:
        scales |= {"MF_MODEL_MAIN_ENTRY": "mf_model_push", "MF_MODEL_HOP": str(stream.hop),
                   "MF_MODEL_WINDOW": str(stream.window)}
    (out / "model.h").write_text(library.model_h(name, "int8", *_specs(graph), plan.arena_size, state.size,
                                                 len(layers), entry_points(graph, stream), scales))
    return [out / "model.c", out / "weights.c", *kernel_files]
