"""The integer AOT emitter: model.h, model.c (one kernel call per op, const parameter structs)
and weights.c, plus copies of the mf_* kernels the model uses, so the folder is a complete C
library. Activations live in the planned static arena; a reshape is a view and emits nothing."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build.kernels import kernel_source, kernel_variant
from ..codegen.planner import MemoryPlan
from ..paths import KERNELS_DIR
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
           "mf_dwconv_s8_common.h", "mf_add_s8_common.h")
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
    """How a conv2d kernel variant stores its weights and patches (mf_conv_s8_common.h): blocks
    of `block` output channels, each as chunks of `block` filters x `chunk` bytes of the
    flattened filter, zero-padded; `order` permutes the bytes inside each chunk; patches hold
    `element` bytes per tap and channel."""
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
    """Elements of one im2col patch (mirrors mf_conv_patch_size)."""
    _, kh, kw, ic = op.params["weights"].shape
    return -(-kh * kw * ic // chunk) * chunk


def scratch_bytes(op, target: Target) -> int:
    """Arena scratch an op's kernel needs on `target`, alive during its own step: the two im2col
    patches of the SIMD conv2d variants, none where the input pixel is the patch (mirrors
    mf_conv_is_direct); 0 for every other kernel."""
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


def _decimal(values: np.ndarray, per_line: int = 16) -> str:
    items = [str(int(v)) if v != -(1 << 31) else "INT32_MIN" for v in values]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{\n    " + ",\n    ".join(lines) + "\n}"


def _struct(op, weights: dict[str, str]) -> str:
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
    items = [f".{k} = {int(v)}" for k, v in fields.items()] + [f".{k} = {v}" for k, v in weights.items()]
    return "{" + ", ".join(items) + "}"


def emit_int8(graph: QGraph, plan: MemoryPlan, target: Target, out: Path, name: str) -> list[Path]:
    """Write the library; returns the C sources to build (model.c, weights.c, the kernels)."""
    out.mkdir(parents=True, exist_ok=True)
    used = sorted({kernel_of(op) for op in graph.ops if op.kind in KERNELS})
    kernel_files = []
    for kernel in used:
        src = kernel_source(target, kernel)
        dst = out / f"{kernel}.c"
        shutil.copyfile(src, dst)
        kernel_files.append(dst)
        for header in src.parent.glob("*.h"):  # the variant's own helpers (mf_mve_dot.h, ...)
            shutil.copyfile(header, out / header.name)
    for header in HEADERS:
        shutil.copyfile(KERNELS_DIR / header, out / header)

    weights_c = ["/* Model weights and requantization parameters. Generated by mcuforge. */",
                 "#include <stdint.h>", ""]
    model_c = ["/* Generated by mcuforge: calls and constants only. */", '#include "model.h"',
               '#include "mf_kernels.h"', "", "#if defined(MF_PROFILE_HOOKS) /* the program times each layer itself (HIL firmware) */",
               '#include "mf_profile_hooks.h"', "#elif defined(MF_MODEL_PROFILE)", '#include "mf_runtime.h"',
               "#define MF_PROFILE_START() mf_bench_start()", "#define MF_PROFILE_STOP() mf_bench_stop()",
               "#else", "#define MF_PROFILE_START()", "#define MF_PROFILE_STOP()", "#endif", ""]
    # parameter array -> (C type, symbol prefix)
    arrays = {"weights": ("int8_t", "weights"), "bias": ("int32_t", "bias"), "multiplier": ("int32_t", "multiplier"),
              "shift": ("int32_t", "shift"), "bias_with_offset": ("int32_t", "bias_offset"), "table1": ("int32_t", "table1_"),
              "table2": ("int32_t", "table2_")}
    if plan.arena_size:  # a single-layer model without scratch needs none
        model_c += [f"static int8_t mf_arena[{plan.arena_size}] __attribute__((aligned(16)));", ""]
    for i, op in enumerate(graph.ops):
        if op.kind not in KERNELS:
            continue
        refs = {}
        sums = host_arrays(op)
        for key, (ctype, prefix) in arrays.items():
            if key in op.params or key in sums:
                value = stored_weights(op, target) if key == "weights" else sums[key] if key in sums else op.params[key]
                if value.dtype == np.uint8:
                    ctype = "uint8_t"
                data = np.ascontiguousarray(value).astype(ctype.removesuffix("_t")).reshape(-1)
                symbol = f"mf_{prefix}{i}"
                weights_c.append(f"const {ctype} {symbol}[{data.size}] __attribute__((aligned(16))) = "
                                 f"{_decimal(data)};")
                model_c.append(f"extern const {ctype} {symbol}[];")
                refs[key] = symbol if ctype != "uint8_t" else f"(const int8_t *){symbol}"
        if scratch_bytes(op, target):
            refs["scratch"] = f"mf_arena + {plan.offset(f's{i}')}"
        struct = KERNELS[op.kind][1]
        model_c.append(f"static const {struct} mf_p{i} = {_struct(op, refs)};")
    model_c += ["", "const char *const mf_model_layer_names[MF_MODEL_LAYERS] = {"]
    layers = [op for op in graph.ops if op.kind in KERNELS]
    model_c += [f'    "{op.kind}",' for op in layers] + ["};", ""]

    def where(t: QTensor) -> str:
        root = storage(graph, t)
        if root.id == graph.input.id:
            return "in"
        if root.id == storage(graph, graph.output).id:
            return "out"
        return f"mf_arena + {plan.offset(f't{root.id}')}"

    model_c += ["int mf_model_run(const mf_model_input_t *in, mf_model_output_t *out) {", "    mf_status s;"]
    for n, op in enumerate(layers):
        kernel = kernel_of(op)
        args = ", ".join([f"&mf_p{graph.ops.index(op)}", *(where(t) for t in op.inputs), where(op.output)])
        model_c += [f"    MF_PROFILE_START();", f"    s = {kernel}({args});", "    MF_PROFILE_STOP();",
                    f"    if (s != MF_OK) return {n + 1};"]
    model_c += ["    return 0;", "}", "", "void mf_model_reset(void) {}  /* no state: each call stands alone */", ""]
    (out / "weights.c").write_text("\n".join(weights_c) + "\n")
    (out / "model.c").write_text("\n".join(model_c))
    i, o = graph.input, graph.output
    (out / "model.h").write_text(f"""/* {name}: generated by mcuforge (int8). Static memory, no malloc. */
#ifndef MF_MODEL_H
#define MF_MODEL_H

#include <stdint.h>

#define MF_MODEL_NAME "{name}"
#define MF_MODEL_INPUT_SIZE {i.size}
#define MF_MODEL_INPUT_SHAPE {{{", ".join(map(str, i.shape))}}}
#define MF_MODEL_INPUT_SCALE {float(i.s())!r}f
#define MF_MODEL_INPUT_ZERO_POINT {i.zp()}
#define MF_MODEL_OUTPUT_SIZE {o.size}
#define MF_MODEL_OUTPUT_SHAPE {{{", ".join(map(str, o.shape))}}}
#define MF_MODEL_OUTPUT_SCALE {float(o.s())!r}f
#define MF_MODEL_OUTPUT_ZERO_POINT {o.zp()}
#define MF_MODEL_ARENA_SIZE {plan.arena_size}
#define MF_MODEL_STATE_SIZE 0
#define MF_MODEL_LAYERS {len(layers)}

typedef int8_t mf_model_input_t;
typedef int8_t mf_model_output_t;

/* Runs the model on `in` into `out` (int8, scales and zero points above). Returns 0, or
 * 1 + the index of the layer that failed. Not reentrant: one static arena. */
int mf_model_run(const mf_model_input_t *in, mf_model_output_t *out);

/* The state kept between calls back to its values at reset: int8 models keep none. */
void mf_model_reset(void);

extern const char *const mf_model_layer_names[MF_MODEL_LAYERS];

#endif
""")
    return [out / "model.c", out / "weights.c", *kernel_files]
