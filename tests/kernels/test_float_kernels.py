"""Float conv2d / depthwise conv2d / dense / add / max and average pooling kernels: every variant against the portable
reference kernel built for the same target (bit for bit: both add the same products, fused, in
the same order) and both against a float64 NumPy reference (within a bound), on odd sizes,
channel tails, strides, padding, dilation and fused activations. Parameters and weight layouts come from the same
host code the compiler uses (codegen/bound.py). "float16-acc32" is what fp16 with fp32
accumulation binds: the _f16_acc32 conv2d and dense kernels (bound 5e-4) and the fp16 add and
pooling (fp16 sums, the fp16 bound), on every target with an FPU (also those that only convert
fp16)."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.build import build_program
from mcuforge.build.kernels import kernel_source
from mcuforge.codegen.bound import add_op, c_params, conv2d_op, dense_op, depthwise_conv2d_op, pool2d_op
from mcuforge.paths import KERNELS_DIR
from mcuforge.sim import run_program
from mcuforge.target import all_targets, load_target

# max |kernel - float64| / max |float64|. float16-acc32: the sum in fp32 (errors ~1e-7 here) rounded
# once to fp16 (at most 2^-11 ~ 4.9e-4 of the value), against 1e-2 for sums rounded to fp16 at
# every step.
BOUND = {"float32": 1e-5, "float16": 1e-2, "float16-acc32": 5e-4}
BITS = {"float32": ("uint32_t", np.uint32), "float16": ("uint16_t", np.uint16)}

# (in h, w, c), out c, (kh, kw), strides, padding (top, left, bottom, right), dilation, activation
CONVS = [
    ((5, 7, 3), 5, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), None),         # channel tail < one block
    ((6, 9, 17), 19, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), (0.0, np.inf)),  # 2 blocks, stride 2, relu
    ((4, 5, 8), 33, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), None),        # 1x1, 3 blocks
    ((7, 7, 4), 8, (3, 2), (1, 2), (2, 0, 2, 1), (2, 1), (-0.5, 0.5)),  # dilation, clip
    ((9, 10, 2), 16, (5, 3), (1, 1), (2, 1, 2, 1), (1, 1), (0.0, 6.0)),  # wide filter, row tails
]
DENSES = [(1, 37, 19, (0.0, np.inf)), (3, 5, 16, None), (2, 64, 40, None)]  # rows, depth, units, act
# depthwise (depth multiplier 1): (in h, w, c), (kh, kw), strides, padding, dilation, activation
DEPTHWISES = [
    ((5, 9, 3), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), None),                # channel tail < one vector
    ((8, 11, 21), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), (0.0, np.inf)),     # 2 blocks + tail, stride 2, relu
    ((6, 13, 16), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), (0.0, 6.0)),        # whole blocks, 4-pixel groups
    ((9, 10, 40), (5, 3), (1, 2), (2, 0, 2, 1), (2, 1), (-0.5, 0.5)),       # dilation, asymmetric padding, clip
    ((1, 17, 9), (1, 5), (1, 1), (0, 2, 0, 2), (1, 1), None),               # one row (conv1d-like)
    ((4, 4, 8), (4, 4), (1, 1), (0, 0, 0, 0), (1, 1), None),                # window = whole input
]
# pooling: kind, (in h, w, c), (kh, kw), strides, padding (max only), dilation
POOLS = [
    ("max_pool2d", (6, 9, 5), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1)),     # channel tail, odd width
    ("max_pool2d", (7, 7, 21), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),    # padding, 2 blocks + tail
    ("max_pool2d", (1, 64, 16), (1, 2), (1, 2), (0, 0, 0, 0), (1, 1)),   # one row (1-D pooling)
    ("avg_pool2d", (25, 5, 64), (25, 5), (1, 1), (0, 0, 0, 0), (1, 1)),  # global (the MLPerf KWS head)
    ("avg_pool2d", (8, 10, 19), (3, 2), (2, 3), (0, 0, 0, 0), (2, 1)),   # strides, dilation, tail
]
ADDS = [((7, 5, 3), None), ((3, 4, 33), (0.0, np.inf)), ((2, 17), (-1.0, 0.75))]  # shape, activation


def _conv_ref(x, w, bias, strides, pad, dilation, act):
    """NHWC x OHWI in float64."""
    h, wd, _ = x.shape
    oc, kh, kw, _ = w.shape
    xp = np.zeros((h + pad[0] + pad[2], wd + pad[1] + pad[3], x.shape[2]))
    xp[pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
    oh = (xp.shape[0] - dilation[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (xp.shape[1] - dilation[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.empty((oh, ow, oc))
    for y in range(oh):
        for z in range(ow):
            patch = xp[y * strides[0]:y * strides[0] + dilation[0] * (kh - 1) + 1:dilation[0],
                       z * strides[1]:z * strides[1] + dilation[1] * (kw - 1) + 1:dilation[1]]
            out[y, z] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2])) + bias
    return np.clip(out, *act) if act else out


def _cases(dtype: str, seed: int = 5, acc32: bool = False):
    """(BoundOp, input, float64 expected) for every case; acc32 (fp16): the conv2d and dense
    cases with fp32 accumulation, no depthwise."""
    rng = np.random.default_rng(seed)
    cases = []
    for (h, wd, ic), oc, (kh, kw), strides, pad, dilation, act in CONVS:
        x = rng.uniform(-1, 1, (h, wd, ic)).astype(dtype)
        w = rng.uniform(-1, 1, (oc, kh, kw, ic)).astype(dtype)
        b = rng.uniform(-1, 1, oc).astype(dtype)
        want = _conv_ref(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), strides, pad,
                         dilation, act)
        op = conv2d_op(w, b, (1, h, wd, ic), (1, *want.shape), strides, pad, dilation,
                       act or (-np.inf, np.inf), acc32)
        cases.append((op, x, want))
    for (h, wd, c), (kh, kw), strides, pad, dilation, act in ([] if acc32 else DEPTHWISES):
        x = rng.uniform(-1, 1, (h, wd, c)).astype(dtype)
        w = rng.uniform(-1, 1, (c, kh, kw, 1)).astype(dtype)
        b = rng.uniform(-1, 1, c).astype(dtype)
        want = np.stack([_conv_ref(x[..., i:i + 1].astype(np.float64), w[i:i + 1].astype(np.float64),
                                   b[i:i + 1].astype(np.float64), strides, pad, dilation, act)[..., 0]
                         for i in range(c)], axis=-1)
        op = depthwise_conv2d_op(w, b, (1, h, wd, c), (1, *want.shape), strides, pad, dilation,
                                 act or (-np.inf, np.inf))
        cases.append((op, x, want))
    for kind, (h, wd, c), (kh, kw), strides, pad, dilation in POOLS:
        x = rng.uniform(-1, 1, (h, wd, c)).astype(dtype)
        xp = np.full((h + pad[0] + pad[2], wd + pad[1] + pad[3], c), -np.inf)
        xp[pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
        oh = (xp.shape[0] - dilation[0] * (kh - 1) - 1) // strides[0] + 1
        ow = (xp.shape[1] - dilation[1] * (kw - 1) - 1) // strides[1] + 1
        windows = np.stack([xp[y * strides[0]:y * strides[0] + dilation[0] * (kh - 1) + 1:dilation[0],
                               z * strides[1]:z * strides[1] + dilation[1] * (kw - 1) + 1:dilation[1]]
                            for y in range(oh) for z in range(ow)])
        want = (windows.max(axis=(1, 2)) if kind == "max_pool2d" else windows.mean(axis=(1, 2))).reshape(oh, ow, c)
        cases.append((pool2d_op(kind, dtype, (kh, kw), (1, h, wd, c), (1, oh, ow, c), strides, pad, dilation), x, want))
    for shape, act in ADDS:
        x = rng.uniform(-1, 1, (2, *shape)).astype(dtype)  # the two inputs
        want = x[0].astype(np.float64) + x[1]
        cases.append((add_op(shape, dtype, act or (-np.inf, np.inf)), x, np.clip(want, *act) if act else want))
    for rows, depth, units, act in DENSES:
        x = rng.uniform(-1, 1, (rows, depth)).astype(dtype)
        w = rng.uniform(-1, 1, (depth, units)).astype(dtype)
        b = rng.uniform(-1, 1, units).astype(dtype)
        want = x.astype(np.float64) @ w.astype(np.float64) + b
        cases.append((dense_op(w, b, (rows, units), act or (-np.inf, np.inf), acc32), x,
                      np.clip(want, *act) if act else want))
    return cases


def _words(a: np.ndarray) -> str:
    return ", ".join(f"0x{int(v):x}" for v in a.reshape(-1).view(BITS[str(a.dtype)][1]))


def _harness(cases, dtype: str) -> str:
    ctype = BITS[dtype][0]
    lines = ['#include "mf_kernels_float.h"', '#include "mf_runtime.h"', ""]
    calls = []
    for i, (op, x, want) in enumerate(cases):
        arrays = {}
        for field, data in op.arrays.items():
            arrays[field] = f"c{i}_{field}"
            lines.append(f"static const {ctype} c{i}_{field}[] __attribute__((aligned(16))) = {{{_words(data)}}};")
        ins = list(x) if op.inputs > 1 else [x]  # add: x stacks its inputs
        for k, xk in enumerate(ins):
            lines.append(f"static const {ctype} c{i}_in{k}[] __attribute__((aligned(16))) = {{{_words(xk)}}};")
        lines.append(f"static {ctype} c{i}_out[{want.size}] __attribute__((aligned(16)));")
        if op.scratch:
            lines.append(f"static uint8_t c{i}_scratch[{op.scratch}] __attribute__((aligned(16)));")
        lines.append(c_params(op, f"c{i}_p", arrays, f"c{i}_scratch"))
        args = "".join(f"(const void *)c{i}_in{k}, " for k in range(len(ins)))
        calls += [f"    if ({op.kernel}(&c{i}_p, {args}(void *)c{i}_out) != MF_OK) return 1;",
                  f'    mf_printf("@mf y{i}=");',
                  f'    for (int i = 0; i < {want.size}; i++) mf_printf(i ? ",%x" : "%x", (unsigned)c{i}_out[i]);',
                  '    mf_printf("\\n");']
    return "\n".join(lines + ["", "int main(void) {", *calls, "    return 0;", "}", ""])


def _run(target, cases, dtype, variant: str | None, tmp_path) -> list[np.ndarray]:
    """Outputs of every case, with the target's variants (None) or with ref/ forced."""
    kernels = sorted({op.kernel for op, _, _ in cases})
    sources = [KERNELS_DIR / variant / f"{k}.c" if variant else kernel_source(target, k) for k in kernels]
    work = tmp_path / (variant or "variant")
    work.mkdir()
    (work / "main.c").write_text(_harness(cases, dtype))
    program = build_program(target, [work / "main.c", *sources], work / "build", name="floatk",
                            include_dirs=[KERNELS_DIR])
    result = run_program(program, timeout=120).check()
    bits = BITS[dtype][1]
    return [np.array([int(v, 16) for v in result.records[f"y{i}"].split(",")], bits).view(dtype)
            for i in range(len(cases))]


# fp16 kernels that accumulate in fp16 only where the target has fp16 arithmetic; with fp32
# accumulation wherever fp16 models compile (an FPU).
CASES = ([(t.name, "float32") for t in all_targets()] + [(t.name, "float16") for t in all_targets() if t.has("fp16")]
         + [(t.name, "float16-acc32") for t in all_targets() if t.has("fpu")])


@pytest.mark.parametrize("name,config", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_float_kernels_match_ref_and_float64(name, config, tmp_path):
    target = load_target(name)
    dtype = config.removesuffix("-acc32")
    cases = _cases(dtype, acc32=config != dtype)
    got = _run(target, cases, dtype, None, tmp_path)
    uses_ref = all(kernel_source(target, op.kernel).parent.name == "ref" for op, _, _ in cases)
    ref = got if uses_ref else _run(target, cases, dtype, "ref", tmp_path)
    for (op, _, want), g, r in zip(cases, got, ref):
        err = np.max(np.abs(g.astype(np.float64) - want.reshape(-1))) / np.max(np.abs(want))
        bound = BOUND[config] if op.kernel.endswith("_acc32") else BOUND[dtype]  # pools, adds: fp16 sums
        assert err <= bound, f"{op.kernel} {op.fields} on {target.name}: {err:.3g}"
        np.testing.assert_array_equal(g.view(BITS[dtype][1]), r.view(BITS[dtype][1]),
                                      err_msg=f"{op.kernel} {op.fields}: variant differs from ref/")
