"""Hand-written float kernels bound by pattern in place of TVM's generated code.

Patterns (tvm.relax.dpl, for FuseOpsByPattern in passes/bind_kernels.py), fp32 and fp16, the
inputs, weight and result in one dtype (fp16 accumulation):
  mcuforge.conv2d     conv2d NHWC/OHWI, groups 1, constant weights (+ constant bias)
                      (+ relu | clip as maximum, minimum)                  -> mf_conv2d_f32 / _f16
                      (conv1d too: passes/conv1d_as_conv2d.py makes it a conv2d one pixel high)
  mcuforge.depthwise  conv2d NHWC/OHWI, groups == in channels == out channels (depth multiplier
                      1; multipliers > 1 and other grouped convolutions stay TVM's code),
                      constant weights (+ constant bias) (+ relu | clip)   -> mf_depthwise_conv2d_f32 / _f16
  mcuforge.dense      matmul of a 2-D input by a constant 2-D weight (+ constant bias)
                      (+ relu | clip as maximum, minimum)                  -> mf_dense_f32 / mf_dense_f16
  mcuforge.add        add of two non-constant tensors of one shape (a residual add, no
                      broadcasting) (+ relu | clip)                        -> mf_add_f32 / mf_add_f16
  mcuforge.pool2d     avg_pool2d NHWC, floor mode, no padding              -> mf_avg_pool2d_f32 / _f16
                      (means, as adaptive average pooling imports, stay TVM's code: in fp16 they
                      run in fp32 between casts). max_pool2d is not bound although
                      mf_max_pool2d_f32 / _f16 exist (pool2d_op builds them): on the zoo's one max
                      pool (cnn1d: 1x2 window, 16 channels) TVM's NHWC code, its shapes constant,
                      takes 809 instructions on the M55 in fp16 and the kernel 5,386 (per-pixel
                      window bookkeeping); the MLPerf KWS head (25x5 average, 64 channels) drops
                      from 25,473 to 7,384.
and for fp16 with fp32 accumulation (ToMixedPrecision(out_dtype="float32"): the conv2d or
matmul of fp16 operands computes fp32, cast to fp16 before the bias add and activation in fp16):
  mcuforge.conv2d_acc32  astype(conv2d(fp16, fp16) -> fp32, fp16) (+ bias) (+ relu | clip), the
                         conv2d as mcuforge.conv2d                          -> mf_conv2d_f16_acc32
  mcuforge.dense_acc32   the same around a matmul                          -> mf_dense_f16_acc32
(the kernels add the bias in fp32 and round once, where TVM's code rounds before the bias).
Depthwise convolutions with fp32 accumulation stay TVM's code.
The convolution and dense patterns come first, so a constant bias add joins its convolution.
Each match becomes a function with the "Codegen" attribute "mcuforge" that TVM's lowering
leaves alone; `read_bound` turns a call of one into a `BoundOp`: the kernel, the fields of its
const parameter struct, the weights and bias in the kernels' blocked layout
(firmware/kernels/mf_kernels_float.h) and the arena scratch it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tvm import relax
from tvm.relax.dpl import is_const, is_op, wildcard
from tvm.relax.transform import FusionPattern

CODEGEN = "mcuforge"
BLOCK_BYTES = 32  # MF_FLOAT_BLOCK_BYTES
DTYPES = {"float32": "f32", "float16": "f16"}
HEADER = "mf_kernels_float.h"


@dataclass
class BoundOp:
    kernel: str  # C symbol, e.g. "mf_conv2d_f16"
    struct: str  # C type of its parameter struct
    fields: dict[str, int | float]
    arrays: dict[str, np.ndarray] = field(repr=False)  # struct field -> constant, stored layout
    scratch: int = 0  # bytes of arena scratch during the call
    inputs: int = 1  # activation arguments of the call (before the output)
    batch: int = 1  # images: the kernel computes one, model.c calls it once per image


def _activation(anchor, bias: bool = True):
    """anchor [+ constant bias] [+ relu | clip]."""
    if not bias:
        biased = anchor
    else:
        biased = anchor | is_op("relax.add")(anchor, is_const()) | is_op("relax.add")(is_const(), anchor)
    clip = is_op("relax.minimum")(is_op("relax.maximum")(biased, is_const()), is_const())  # clip_as_min_max.py
    return is_op("relax.nn.relu")(biased) | clip | biased


def _used_inside(ctx) -> bool:
    """The intermediate results of the match are used only inside it."""
    inner = [v for v in ctx.matched_bindings if not ctx.matched_bindings[v].same_as(ctx.matched_expr)]
    return all(len(ctx.var_usages.get(v, [])) <= 1 for v in inner)


def _same_dtype(ctx) -> bool:
    """Input, weight and result share one float dtype (and _used_inside)."""
    root = ctx.annotated_expr["root"]
    dtypes = {str(a.ty.dtype) for a in root.args[:2]} | {str(root.ty.dtype)}
    return len(dtypes) == 1 and dtypes.pop() in DTYPES and _used_inside(ctx)


def _acc32(ctx) -> bool:
    """fp16 input and weight, an fp32 result cast to fp16 inside the match (and _used_inside)."""
    root = ctx.annotated_expr["root"]
    return ({str(a.ty.dtype) for a in root.args[:2]} == {"float16"} and str(root.ty.dtype) == "float32"
            and str(ctx.annotated_expr["narrow"].ty.dtype) == "float16" and _used_inside(ctx))


def _nhwc(ctx, dtypes=_same_dtype) -> bool:
    a = ctx.annotated_expr["root"].attrs
    return dtypes(ctx) and a.data_layout == "NHWC" and a.kernel_layout == "OHWI" and a.out_layout == "NHWC"


def _conv_ok(ctx, dtypes=_same_dtype) -> bool:
    return _nhwc(ctx, dtypes) and int(ctx.annotated_expr["root"].attrs.groups) == 1


def _depthwise_ok(ctx) -> bool:
    root = ctx.annotated_expr["root"]
    channels = int(root.args[0].ty.shape[3])
    return (_nhwc(ctx) and int(root.attrs.groups) == channels > 1
            and int(root.args[1].ty.shape[0]) == channels and int(root.args[1].ty.shape[3]) == 1)


def _pool_ok(ctx) -> bool:
    """NHWC, floor mode, no padding (so that every window of an average counts k_h * k_w)."""
    a = ctx.annotated_expr["root"].attrs
    return (_same_dtype(ctx) and a.layout == "NHWC" and a.out_layout == "NHWC" and not bool(a.ceil_mode)
            and all(int(v) == 0 for v in a.padding))


def _add_ok(ctx) -> bool:
    root = ctx.annotated_expr["root"]
    if not all(isinstance(a, relax.Var) for a in root.args):  # no constant operand
        return False
    shapes = [[int(d) for d in a.ty.shape] for a in root.args]
    return _same_dtype(ctx) and shapes[0] == shapes[1] == [int(d) for d in root.ty.shape]


def _dense_ok(ctx, dtypes=_same_dtype) -> bool:
    root = ctx.annotated_expr["root"]
    return dtypes(ctx) and len(root.args[0].ty.shape) == 2 and len(root.args[1].ty.shape) == 2


def patterns() -> list[FusionPattern]:
    conv = is_op("relax.nn.conv2d")(wildcard(), is_const())
    dense = is_op("relax.matmul")(wildcard(), is_const())
    add = is_op("relax.add")(wildcard(), wildcard())  # constants: _add_ok's shapes or a bias above
    pool = is_op("relax.nn.avg_pool2d")(wildcard())
    conv16, dense16 = is_op("relax.astype")(conv), is_op("relax.astype")(dense)  # fp32 accumulation
    return [FusionPattern(f"{CODEGEN}.conv2d", _activation(conv), {"root": conv}, _conv_ok),
            FusionPattern(f"{CODEGEN}.depthwise", _activation(conv), {"root": conv}, _depthwise_ok),
            FusionPattern(f"{CODEGEN}.dense", _activation(dense), {"root": dense}, _dense_ok),
            FusionPattern(f"{CODEGEN}.conv2d_acc32", _activation(conv16), {"root": conv, "narrow": conv16},
                          lambda ctx: _conv_ok(ctx, _acc32)),
            FusionPattern(f"{CODEGEN}.dense_acc32", _activation(dense16), {"root": dense, "narrow": dense16},
                          lambda ctx: _dense_ok(ctx, _acc32)),
            FusionPattern(f"{CODEGEN}.add", _activation(add, bias=False), {"root": add}, _add_ok),
            FusionPattern(f"{CODEGEN}.pool2d", pool, {"root": pool}, _pool_ok)]


def is_bound(func) -> bool:
    return isinstance(func, relax.Function) and func.attrs is not None and \
        func.attrs.get("Codegen", None) == CODEGEN


def _composite(func: relax.Function) -> relax.Function:
    """The inner function (attribute "Composite") of an annotated codegen function."""
    for block in func.body.blocks:
        for binding in block.bindings:
            value = binding.value
            if isinstance(value, relax.Function) and value.attrs and "Composite" in value.attrs:
                return value
    return func.body.body.op


def _padded_rows(rows: np.ndarray, dtype: str) -> np.ndarray:
    """[n, ...] -> [n rounded up to whole blocks, ...], zero-padded."""
    block = BLOCK_BYTES // np.dtype(dtype).itemsize
    padded = np.zeros((-(-rows.shape[0] // block) * block, *rows.shape[1:]), dtype)
    padded[:rows.shape[0]] = rows
    return padded


def _blocked(rows: np.ndarray, dtype: str) -> np.ndarray:
    """[n, k] -> [ceil(n / block)][k][block]: the kernels' weight layout, zero-padded."""
    block = BLOCK_BYTES // np.dtype(dtype).itemsize
    return np.ascontiguousarray(_padded_rows(rows, dtype).reshape(-1, block, rows.shape[1]).transpose(0, 2, 1))


def _padded_bias(bias: np.ndarray | None, n: int, dtype: str) -> np.ndarray:
    return _padded_rows(bias.reshape(-1) if bias is not None else np.zeros(n, dtype), dtype)


def describe(func: relax.Function) -> dict:
    """What the kernel needs to know of a matched function, read from its composite before
    legalization (which rewrites the composite's body): stored as the function's "mcuforge"
    attribute by passes/bind_kernels.py. Parameter positions refer to the call's arguments."""
    inner = _composite(func)
    position = {p: i for i, p in enumerate(inner.params)}
    info = {"act_min": -float("inf"), "act_max": float("inf"), "bias": -1}
    for binding in inner.body.blocks[0].bindings:
        call = binding.value
        name = call.op.name
        if name in ("relax.nn.conv2d", "relax.matmul"):
            info.update(kind="dense", input=position[call.args[0]],
                        weights=position[call.args[1]], in_shape=[int(d) for d in call.args[0].ty.shape])
            if name == "relax.nn.conv2d":
                a = call.attrs
                info.update(kind="conv2d" if int(a.groups) == 1 else "depthwise",
                            strides=[int(v) for v in a.strides], dilation=[int(v) for v in a.dilation],
                            padding=[int(v) for v in a.padding])
        elif name in ("relax.nn.max_pool2d", "relax.nn.avg_pool2d"):
            a = call.attrs
            info.update(kind=name.split(".")[-1], in_shape=[int(d) for d in call.args[0].ty.shape],
                        pool_size=[int(v) for v in a.pool_size], strides=[int(v) for v in a.strides],
                        dilation=[int(v) for v in a.dilation], padding=[int(v) for v in a.padding])
        elif name == "relax.astype":  # the fp32 result narrowed: fp32 accumulation
            info["acc32"] = True
        elif name == "relax.add" and "kind" not in info:  # the anchor of mcuforge.add
            info["kind"] = "add"
        elif name == "relax.add":
            info["bias"] = next(position[a] for a in call.args if a in position)
        elif name == "relax.nn.relu":
            info["act_min"] = 0.0
        else:  # maximum, minimum: a clip (passes/clip_as_min_max.py)
            bound = call.args[1]
            key = "act_min" if name == "relax.maximum" else "act_max"
            if bound in position:
                info[f"{key}_arg"] = position[bound]
            else:
                info[key] = float(bound.data.numpy())
    return info


def read_bound(func: relax.Function, constants: list, out_shape: tuple[int, ...], dtype: str) -> BoundOp:
    """The BoundOp of a call of `func` (a "Codegen" function described by `describe`):
    `constants` are the call's arguments as numpy arrays (None for activations), `out_shape`
    and `dtype` its result's."""
    info = func.attrs["mcuforge"]
    act = tuple(float(constants[int(info[f"{k}_arg"])]) if f"{k}_arg" in info else float(info[k])
                for k in ("act_min", "act_max"))
    kind = str(info["kind"])
    if kind == "add":
        return add_op(out_shape, dtype, act)
    if kind.endswith("pool2d"):
        return pool2d_op(kind, dtype, [int(v) for v in info["pool_size"]], tuple(int(d) for d in info["in_shape"]),
                         out_shape, *([int(v) for v in info[k]] for k in ("strides", "padding", "dilation")))
    weights = constants[int(info["weights"])]
    bias = constants[int(info["bias"])] if int(info["bias"]) >= 0 else None
    acc32 = bool(info.get("acc32", False))
    if kind == "dense":
        return dense_op(weights, bias, out_shape, act, acc32)
    in_shape = tuple(int(d) for d in info["in_shape"])
    strides, dilation, padding = ([int(v) for v in info[k]] for k in ("strides", "dilation", "padding"))
    if kind == "conv2d":
        return conv2d_op(weights, bias, in_shape, out_shape, strides, padding, dilation, act, acc32)
    return depthwise_conv2d_op(weights, bias, in_shape, out_shape, strides, padding, dilation, act)


def _kernel(op: str, dtype: str, acc32: bool) -> str:
    """mf_<op>_f32, mf_<op>_f16, or mf_<op>_f16_acc32 (fp16 operands, fp32 accumulation)."""
    if acc32 and dtype != "float16":
        raise ValueError(f"fp32 accumulation is for fp16 operands, not {dtype}")
    return f"mf_{op}_{DTYPES[dtype]}" + ("_acc32" if acc32 else "")


def dense_op(weights: np.ndarray, bias: np.ndarray | None, out_shape: tuple[int, ...],
             act: tuple[float, float] = (-np.inf, np.inf), acc32: bool = False) -> BoundOp:
    """out = act(in @ weights + bias); weights depth x units; acc32: fp16 with fp32 accumulation
    (the same layout)."""
    dtype = str(weights.dtype)
    depth, units = weights.shape
    rows = int(np.prod(out_shape[:-1]))
    return BoundOp(_kernel("dense", dtype, acc32), "mf_dense_params_f",
                   {"rows": rows, "depth": depth, "units": units, "act_min": act[0], "act_max": act[1]},
                   {"weights": _blocked(weights.T, dtype), "bias": _padded_bias(bias, units, dtype)})


def _conv_fields(window: tuple[int, int, int], in_shape, out_shape, strides, padding, dilation, act) -> dict:
    """The fields of mf_conv_params_f; window: out channels, k_h, k_w."""
    oc, kh, kw = window
    return {"in_h": in_shape[1], "in_w": in_shape[2], "in_c": in_shape[3], "out_h": out_shape[1],
            "out_w": out_shape[2], "out_c": oc, "k_h": kh, "k_w": kw,
            "stride_h": strides[0], "stride_w": strides[1], "dilation_h": dilation[0],
            "dilation_w": dilation[1], "pad_top": padding[0], "pad_left": padding[1],
            "act_min": act[0], "act_max": act[1]}


def conv2d_op(weights: np.ndarray, bias: np.ndarray | None, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
              strides, padding, dilation, act: tuple[float, float] = (-np.inf, np.inf),
              acc32: bool = False) -> BoundOp:
    """NHWC conv2d with OHWI weights; padding (top, left[, bottom, right]); acc32: fp16 with
    fp32 accumulation (the same layout and scratch)."""
    dtype = str(weights.dtype)
    oc, ic = weights.shape[0], weights.shape[3]
    return BoundOp(_kernel("conv2d", dtype, acc32), "mf_conv_params_f",
                   _conv_fields(weights.shape[:3], in_shape, out_shape, strides, padding, dilation, act),
                   {"weights": _blocked(weights.reshape(oc, -1), dtype), "bias": _padded_bias(bias, oc, dtype)},
                   scratch=conv_scratch_size(ic, dtype), batch=in_shape[0])


def depthwise_conv2d_op(weights: np.ndarray, bias: np.ndarray | None, in_shape: tuple[int, ...],
                        out_shape: tuple[int, ...], strides, padding, dilation,
                        act: tuple[float, float] = (-np.inf, np.inf)) -> BoundOp:
    """NHWC depthwise conv2d (depth multiplier 1) with OHWI weights (channels, k_h, k_w, 1),
    stored [k_h][k_w][channels padded to whole blocks]: each tap's channels contiguous. No
    scratch: the kernels skip the taps outside the input."""
    dtype = str(weights.dtype)
    channels = weights.shape[0]
    taps = weights[..., 0].reshape(channels, -1)  # channels x (k_h * k_w)
    return BoundOp(f"mf_depthwise_conv2d_{DTYPES[dtype]}", "mf_conv_params_f",
                   _conv_fields(weights.shape[:3], in_shape, out_shape, strides, padding, dilation, act),
                   {"weights": np.ascontiguousarray(_padded_rows(taps, dtype).T),
                    "bias": _padded_bias(bias, channels, dtype)}, batch=in_shape[0])


def pool2d_op(kind: str, dtype: str, pool_size, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
              strides, padding, dilation) -> BoundOp:
    """NHWC max or average pooling ("max_pool2d" | "avg_pool2d"): mf_conv_params_f's window
    fields, no arrays."""
    fields = _conv_fields((in_shape[3], *pool_size), in_shape, out_shape, strides, padding, dilation,
                          (-np.inf, np.inf))
    return BoundOp(f"mf_{kind}_{DTYPES[dtype]}", "mf_conv_params_f", fields, {}, batch=in_shape[0])


def add_op(out_shape: tuple[int, ...], dtype: str, act: tuple[float, float] = (-np.inf, np.inf)) -> BoundOp:
    """out = act(a + b), elementwise over one shape."""
    return BoundOp(f"mf_add_{DTYPES[dtype]}", "mf_add_params_f",
                   {"size": int(np.prod(out_shape)), "act_min": act[0], "act_max": act[1]}, {}, inputs=2)


def _c_float(v: float) -> str:
    if np.isinf(v):
        return "__builtin_inff()" if v > 0 else "-__builtin_inff()"
    return f"{float(v)!r}f"


def c_params(op: BoundOp, name: str, arrays: dict[str, str], scratch: str | None) -> str:
    """The const parameter struct `name` of a call of `op`; `arrays` names the C arrays that
    hold op.arrays, `scratch` is the address of its planned scratch."""
    items = [f".{k} = {_c_float(v) if k.startswith('act_') else int(v)}" for k, v in op.fields.items()]
    items += [f".{k} = {arrays[k]}" for k in op.arrays]
    if op.scratch:
        items.append(f".scratch = {scratch}")
    return f"static const {op.struct} {name} = {{{', '.join(items)}}};"


def conv_scratch_size(in_c: int, dtype: str) -> int:
    """Bytes of arena scratch a float conv2d needs, one input pixel of zeros for the padding taps:
    the host's copy of mf_conv2d_f*_get_buffer_size (mf_kernels_float.h; compared by
    tests/kernels/test_shared_facts.py)."""
    return in_c * np.dtype(dtype).itemsize
