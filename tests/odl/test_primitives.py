"""On-device-learning primitives (firmware/odl/ref/, the API of firmware/odl/mf_odl.h) against
PyTorch autograd in float64: forward outputs, weight / bias / input gradients of conv2d,
depthwise conv2d and linear (bw_param_grads adding into pre-filled gradients), clip (ReLU,
ReLU6, values exactly at the bounds), add, accumulate, average and max pooling (ties, padding,
global), softmax cross-entropy, MSE and three steps of SGD with momentum and weight decay.

One program per (target, suffix) runs every case and prints each result as hex bit patterns
("@mf key=..."); the inputs are the cases' values rounded to the storage type, and the float64
truth is computed by torch from those same rounded values. The _f16_acc32 program is what a
model trained with fp16 storage and fp32 accumulation binds: the _f16_acc32 conv2d, depthwise and
linear plus the _f16 element-wise ops, pooling, losses and SGD (there are no _acc32 variants of
those); it runs on every target with an FPU, Cortex-M4/M7 included, whose fp16 goes through
float conversions.

Error: max |result - float64| / max |float64| per tensor (a scalar loss: its relative error).
Measured over these cases (the same on every target), worst case and bound per suffix:
    _f32        2.5e-7 (layers), 3.9e-7 (global average pool)                 bound 1e-5
    _f16        2.6e-3 (conv2d grad_w: fp16 sums of 125 products), 2.0e-3 (global average
                pool: fp16 sum of 125 values); clip, max pool 0, add 3e-4, softmax
                cross-entropy 2e-4, MSE 2.5e-4, SGD (3 steps) 8.3e-4               bound 1e-2
    _f16_acc32  4.5e-4 (conv2d, depthwise, linear: one rounding to fp16 per element, at most
                2^-11 = 4.9e-4 of the largest value)                           bound 1e-3
                (its _f16 element-wise ops, pooling, losses, SGD: as _f16, bound 1e-2)
Every target's results are also bit-identical to the host's, for all three suffixes: the
templates round each product and sum on its own and turn contraction off (clang would otherwise
fuse `acc += a * b` into VFMA.F32 on Cortex-M55 and fmadd.s on RISC-V, and not on the host's
x86-64 baseline). The exception is what goes through the C library: the host's glibc expf
differs from picolibc's by 1 ulp on some inputs, so the softmax cross-entropy's fp32 gradient
is compared bit for bit between the MCU targets (all picolibc) only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mcuforge.build import build_program
from mcuforge.paths import FIRMWARE_DIR
from mcuforge.sim import run_program
from mcuforge.target import all_targets, load_target

ODL_DIR = FIRMWARE_DIR / "odl"
REF_DIR = ODL_DIR / "ref"

# storage dtype, its C bit-pattern type, the element-wise suffix the program binds with it
SUFFIX = {
    "f32": (np.float32, "uint32_t", np.uint32, "f32"),
    "f16": (np.float16, "uint16_t", np.uint16, "f16"),
    "f16_acc32": (np.float16, "uint16_t", np.uint16, "f16"),
}
# max relative error per tensor: layer ops (conv2d, depthwise, linear) with the suffix, and
# element-wise ops (clip, add, pooling, losses, SGD) with the program's element-wise suffix.
BOUND = {"f32": 1e-5, "f16": 1e-2, "f16_acc32": 1e-3}
LAYER_FILES = ("conv2d", "depthwise", "linear")
ELEMENTWISE_FILES = ("act", "pool", "loss", "sgd")
# the MCU target whose C library results (softmax cross-entropy) every other one must match
LIBM_REF = "qemu-cortex-m55"

# every target with an FPU: fp32 and fp16 storage with fp32 accumulation; fp16 arithmetic where
# the core has it
CASES = [(t.name, s) for t in all_targets(host=True) for s in SUFFIX
         if t.has("fpu") and (s != "f16" or t.has("fp16"))]


@dataclass
class Case:
    """Arrays (in the storage dtype; `None` data: zeroed outputs of that size), C statements
    with {S} (the layer suffix) and {E} (the element-wise suffix), and the expected float64
    value of each printed result: record -> (C array or float expression, n or None for a
    float scalar, float64 truth)."""

    name: str
    layer: bool
    libm: bool = False  # computed with the C library's expf / logf
    decls: list[str] = field(default_factory=list)
    arrays: dict[str, np.ndarray | int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    expect: dict[str, tuple[str, int | None, np.ndarray]] = field(default_factory=dict)


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float64)


def _cf(v: float) -> str:
    """An exact C float literal."""
    v = float(np.float32(v))
    if np.isinf(v):
        return "__builtin_inff()" if v > 0 else "(-__builtin_inff())"
    return f"{v.hex()}f"


def _layer_case(rng, dtype, kind, name, shape, bias=True) -> Case:
    """conv2d / depthwise: shape = ((h, w, c), out_c, (kh, kw), (sh, sw), (top, left, bottom,
    right)); linear: shape = (in, out)."""
    c = Case(name, layer=True)
    u = lambda *s: rng.uniform(-1, 1, s).astype(dtype)
    if kind == "linear":
        n_in, n_out = shape
        x, w, b = u(n_in), u(n_out, n_in), u(n_out)
        xt, wt, bt = _t(x), _t(w), _t(b)
        y = F.linear(xt, wt, bt if bias else None)
        gout = u(n_out)
        y.backward(torch.tensor(gout.astype(np.float64)))
        c.decls.append(f"static const mf_odl_linear_t {name}_p = {{{n_in}, {n_out}}};")
        out = _np(y)
    else:
        (h, wd, ic), oc, (kh, kw), (sh, sw), (pt, pl, pb, pr) = shape
        x = u(h, wd, ic)
        w = u(oc, kh, kw, ic) if kind == "conv2d" else u(kh, kw, ic)
        b = u(oc)
        xt, wt, bt = _t(x), _t(w), _t(b)
        X = F.pad(xt.permute(2, 0, 1)[None], (pl, pr, pt, pb))
        W = wt.permute(0, 3, 1, 2) if kind == "conv2d" else wt.permute(2, 0, 1)[:, None]
        y = F.conv2d(X, W, bt if bias else None, (sh, sw), groups=1 if kind == "conv2d" else ic)
        oh, ow = y.shape[2:]
        gout = u(oh, ow, oc)
        y.backward(torch.tensor(gout.astype(np.float64)).permute(2, 0, 1)[None])
        c.decls.append(f"static const mf_odl_conv_t {name}_p = {{{h}, {wd}, {ic}, {oh}, {ow}, {oc}, "
                       f"{kh}, {kw}, {sh}, {sw}, {pt}, {pl}}};")
        out = _np(y[0].permute(1, 2, 0))
    gw0, gb0 = u(*w.shape), u(*b.shape)  # bw_param_grads adds to these
    c.arrays.update(x=x, w=w, b=b, gout=gout, gw=gw0, gb=gb0, out=out.size, gin=x.size)
    bias_arg = f"{name}_b.f" if bias else "0"
    grad_b_arg = f"{name}_gb.f" if bias else "0"
    c.calls += [
        f"mf_odl_{kind}_fw_{{S}}(&{name}_p, {name}_x.f, {name}_w.f, {bias_arg}, {name}_out.f);",
        f"mf_odl_{kind}_bw_param_grads_{{S}}(&{name}_p, {name}_x.f, {name}_gout.f, {name}_gw.f, {grad_b_arg});",
        f"mf_odl_{kind}_bw_input_grads_{{S}}(&{name}_p, {name}_gout.f, {name}_w.f, {name}_gin.f);",
    ]
    c.expect["out"] = (f"{name}_out.f", out.size, out)
    c.expect["gw"] = (f"{name}_gw.f", w.size, gw0.astype(np.float64) + _np(wt.grad))
    c.expect["gb"] = (f"{name}_gb.f", b.size, gb0.astype(np.float64) + (_np(bt.grad) if bias else 0))
    c.expect["gin"] = (f"{name}_gin.f", x.size, _np(xt.grad))
    return c


def _pool_case(rng, dtype, kind, name, shape) -> Case:
    """shape = ((h, w, c), (kh, kw), (sh, sw), (pad_h, pad_w)), PyTorch's symmetric padding.
    max: values on a coarse grid, so windows hold ties."""
    (h, wd, ch), (kh, kw), (sh, sw), (ph, pw) = shape
    c = Case(name, layer=False)
    if kind == "max":
        x = (rng.integers(-4, 5, (h, wd, ch)) / 4).astype(dtype)
    else:
        x = rng.uniform(-1, 1, (h, wd, ch)).astype(dtype)
    xt = _t(x)
    X = xt.permute(2, 0, 1)[None]
    if kind == "max":
        y = F.max_pool2d(X, (kh, kw), (sh, sw), (ph, pw))
    else:
        y = F.avg_pool2d(X, (kh, kw), (sh, sw), (ph, pw), count_include_pad=True)
    oh, ow = y.shape[2:]
    gout = rng.uniform(-1, 1, (oh, ow, ch)).astype(dtype)
    y.backward(torch.tensor(gout.astype(np.float64)).permute(2, 0, 1)[None])
    out = _np(y[0].permute(1, 2, 0))
    c.decls.append(f"static const mf_odl_pool_t {name}_p = {{{h}, {wd}, {ch}, {oh}, {ow}, {kh}, {kw}, "
                   f"{sh}, {sw}, {ph}, {pw}}};")
    c.arrays.update(x=x, gout=gout, out=out.size, gin=x.size)
    bw_in = f"{name}_x.f, " if kind == "max" else ""
    c.calls += [f"mf_odl_{kind}_pool_fw_{{E}}(&{name}_p, {name}_x.f, {name}_out.f);",
                f"mf_odl_{kind}_pool_bw_{{E}}(&{name}_p, {bw_in}{name}_gout.f, {name}_gin.f);"]
    c.expect["out"] = (f"{name}_out.f", out.size, out)
    c.expect["gin"] = (f"{name}_gin.f", x.size, _np(xt.grad))
    return c


def _clip_case(rng, dtype, name, lo, hi, in_place) -> Case:
    """Values exactly at the bounds (and at 0, 6) among random ones; in place: out is in and
    grad_in is grad_out."""
    c = Case(name, layer=False)
    x = rng.uniform(-2, 8, 64)
    x[::7] = lo
    if np.isfinite(hi):
        x[3::7] = hi
    x[5::9] = 0.0
    x[6::11] = 6.0
    x = x.astype(dtype)
    gout = rng.uniform(-1, 1, x.size).astype(dtype)
    xt = _t(x)
    y = torch.relu(xt) if np.isinf(hi) and lo == 0 else F.hardtanh(xt, lo, hi)
    y.backward(torch.tensor(gout.astype(np.float64)))
    n = x.size
    if in_place:
        c.arrays.update(x=x, gout=gout)
        out, gin = f"{name}_x.f", f"{name}_gout.f"
    else:
        c.arrays.update(x=x, gout=gout, out=n, gin=n)
        out, gin = f"{name}_out.f", f"{name}_gin.f"
    c.calls += [f"mf_odl_clip_fw_{{E}}({n}, {_cf(lo)}, {_cf(hi)}, {name}_x.f, {out});",
                f"mf_odl_clip_bw_{{E}}({n}, {_cf(lo)}, {_cf(hi)}, {out}, {name}_gout.f, {gin});"]
    c.expect["out"] = (out, n, _np(y))
    c.expect["gin"] = (gin, n, _np(xt.grad))
    return c


def _cases(dtype) -> list[Case]:
    rng = np.random.default_rng(2024)
    cases = []
    # conv2d: (h, w, c), out c, (kh, kw), strides, padding (top, left, bottom, right), bias
    for name, shape, bias in [
        ("conv_3x3", ((5, 7, 3), 5, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("conv_3x3_s2", ((6, 9, 6), 7, (3, 3), (2, 2), (0, 0, 1, 1)), False),       # TF SAME, stride 2
        ("conv_1x1", ((4, 5, 12), 10, (1, 1), (1, 1), (0, 0, 0, 0)), True),         # pointwise
        ("conv_1x1_s2", ((5, 5, 3), 4, (1, 1), (2, 2), (0, 0, 0, 0)), False),       # pixels no window reads
        ("conv_dscnn", ((49, 10, 1), 6, (10, 4), (2, 2), (5, 1, 5, 1)), True),      # DS-CNN's first layer
        ("conv_2x3_asym", ((7, 6, 5), 3, (2, 3), (2, 1), (1, 0, 0, 2)), True),      # asymmetric padding
    ]:
        cases.append(_layer_case(rng, dtype, "conv2d", name, shape, bias))
    for name, shape, bias in [
        ("dw_3x3", ((6, 7, 5), 5, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("dw_3x3_s2", ((7, 8, 9), 9, (3, 3), (2, 2), (1, 1, 1, 1)), False),
        ("dw_3x3_s2_same", ((5, 6, 4), 4, (3, 3), (2, 2), (0, 0, 1, 1)), True),
    ]:
        cases.append(_layer_case(rng, dtype, "depthwise", name, shape, bias))
    for name, shape, bias in [("fc_37_11", (37, 11), True), ("fc_64_10", (64, 10), False), ("fc_5_3", (5, 3), True)]:
        cases.append(_layer_case(rng, dtype, "linear", name, shape, bias))

    cases += [_clip_case(rng, dtype, "relu", 0.0, np.inf, False),
              _clip_case(rng, dtype, "relu6", 0.0, 6.0, True),
              _clip_case(rng, dtype, "clip", -0.5, 0.75, False)]

    add = Case("add", layer=False)
    a, b, d = (rng.uniform(-1, 1, 45).astype(dtype) for _ in range(3))
    add.arrays.update(a=a, b=b, out=a.size, dst=d)
    add.calls += ["mf_odl_add_fw_{E}(45, add_a.f, add_b.f, add_out.f);",
                  "mf_odl_accumulate_{E}(45, add_a.f, add_dst.f);"]
    add.expect["out"] = ("add_out.f", 45, a.astype(np.float64) + b)
    add.expect["acc"] = ("add_dst.f", 45, d.astype(np.float64) + a)
    cases.append(add)

    for kind, name, shape in [
        ("avg", "avg_2x2", ((6, 8, 5), (2, 2), (2, 2), (0, 0))),
        ("avg", "avg_global", ((25, 5, 16), (25, 5), (1, 1), (0, 0))),
        ("avg", "avg_3x3_pad", ((7, 7, 3), (3, 3), (2, 2), (1, 1))),
        ("max", "max_2x2", ((6, 8, 5), (2, 2), (2, 2), (0, 0))),
        ("max", "max_3x3_pad", ((7, 7, 6), (3, 3), (2, 2), (1, 1))),
    ]:
        cases.append(_pool_case(rng, dtype, kind, name, shape))

    for name, n, label, scale, offset in [("ce_10", 10, 3, 0.25, 0.0), ("ce_35_big", 35, 34, 1.0, 100.0)]:
        c = Case(name, layer=False, libm=True)
        logits = (rng.uniform(-3, 3, n) + offset).astype(dtype)  # offset: expf without the max would overflow
        lt = _t(logits)
        loss = F.cross_entropy(lt[None], torch.tensor([label]))
        loss.backward()
        c.arrays.update(x=logits, g=n)
        c.decls.append(f"static float {name}_loss;")
        c.calls.append(f"{name}_loss = mf_odl_softmax_cross_entropy_{{E}}({n}, {name}_x.f, {label}, "
                       f"{_cf(scale)}, {name}_g.f);")
        c.expect["loss"] = (f"{name}_loss", None, np.array([loss.item()]))
        c.expect["grad"] = (f"{name}_g.f", n, _np(lt.grad) * scale)
        cases.append(c)

    c = Case("mse", layer=False)
    out, target = rng.uniform(-2, 2, 20).astype(dtype), rng.uniform(-2, 2, 20).astype(dtype)
    ot = _t(out)
    loss = F.mse_loss(ot, torch.tensor(target.astype(np.float64)))
    loss.backward()
    c.arrays.update(x=out, t=target, g=20)
    c.decls.append("static float mse_loss;")
    c.calls.append(f"mse_loss = mf_odl_mse_{{E}}(20, mse_x.f, mse_t.f, {_cf(0.5)}, mse_g.f);")
    c.expect["loss"] = ("mse_loss", None, np.array([loss.item()]))
    c.expect["grad"] = ("mse_g.f", 20, _np(ot.grad) * 0.5)
    cases.append(c)

    c = Case("sgd", layer=False)
    n, lr, momentum, wd = 50, float(np.float32(0.05)), float(np.float32(0.9)), float(np.float32(0.01))
    w0 = rng.uniform(-1, 1, n).astype(dtype)
    grads = [rng.uniform(-1, 1, n).astype(dtype) for _ in range(3)]
    p = _t(w0)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, weight_decay=wd)
    c.arrays.update(w=w0, m=np.zeros(n, dtype))
    for k, g in enumerate(grads):
        c.arrays[f"g{k}"] = g
        p.grad = torch.tensor(g.astype(np.float64))
        opt.step()
        c.calls += [f"mf_odl_sgd_{{E}}({n}, {_cf(lr)}, {_cf(momentum)}, {_cf(wd)}, sgd_w.f, sgd_m.f, sgd_g{k}.f);",
                    f'put("sgd_w{k}", sgd_w.f, {n});', f'put("sgd_m{k}", sgd_m.f, {n});']
        c.expect[f"w{k}"] = ("", n, _np(p))
        c.expect[f"m{k}"] = ("", n, _np(opt.state[p]["momentum_buffer"]))
    cases.append(c)
    return cases


def _words(a: np.ndarray, bits) -> str:
    return ", ".join(f"0x{int(v):x}" for v in a.reshape(-1).view(bits))


def _sources(cases: list[Case], suffix: str) -> tuple[str, str]:
    """(the generated header of arrays and parameters, main.c)."""
    dtype, word, bits, _ = SUFFIX[suffix]
    ctype = "float" if suffix == "f32" else "mf_odl_f16"
    header = ["/* generated by tests/odl/test_primitives.py */", '#include "mf_odl.h"', ""]
    for c in cases:
        header += c.decls
        for key, data in c.arrays.items():
            if isinstance(data, np.ndarray):
                header.append(f"static union {{ {word} u[{data.size}]; {ctype} f[{data.size}]; }} {c.name}_{key} "
                              f"= {{{{{_words(data.astype(dtype), bits)}}}}};")
            else:  # an output: zeros
                header.append(f"static union {{ {word} u[{data}]; {ctype} f[{data}]; }} {c.name}_{key};")
    main = [
        '#include "mf_odl.h"', '#include "mf_runtime.h"', "",
        f"static void put(const char *key, const {ctype} *v, int n) {{",
        '    mf_printf("@mf %s=", key);',
        "    for (int i = 0; i < n; i++) {",
        f"        {word} u;",
        "        __builtin_memcpy(&u, &v[i], sizeof u);",
        '        mf_printf(i ? ",%x" : "%x", (unsigned)u);',
        "    }",
        '    mf_printf("\\n");',
        "}", "",
        "static void put_float(const char *key, float v) {",
        "    uint32_t u;",
        "    __builtin_memcpy(&u, &v, sizeof u);",
        '    mf_printf("@mf %s=%x\\n", key, (unsigned)u);',
        "}", "",
        '#include "odl_cases.h"', "",
        "int main(void) {",
    ]
    elementwise = SUFFIX[suffix][3]
    for c in cases:
        main += ["    " + s.replace("{S}", suffix).replace("{E}", elementwise) for s in c.calls]
        for key, (expr, n, _) in c.expect.items():
            if not expr:  # printed by the calls
                continue
            main.append(f'    put("{c.name}_{key}", {expr}, {n});' if n is not None
                        else f'    put_float("{c.name}_{key}", {expr});')
    main += ["    return 0;", "}", ""]
    return "\n".join(header), "\n".join(main)


def _run(target_name: str, suffix: str, cases: list[Case], work: Path) -> dict[str, str]:
    """Builds and runs the suffix's program on the target: its records (hex bit patterns)."""
    target = load_target(target_name)
    header, main = _sources(cases, suffix)
    work.mkdir(parents=True, exist_ok=True)
    (work / "odl_cases.h").write_text(header)
    (work / "main.c").write_text(main)
    elementwise = SUFFIX[suffix][3]
    sources = ([REF_DIR / f"mf_odl_{op}_{suffix}.c" for op in LAYER_FILES]
               + [REF_DIR / f"mf_odl_{op}_{elementwise}.c" for op in ELEMENTWISE_FILES])
    program = build_program(target, [work / "main.c", *sources], work / "build", name=f"odl_{suffix}",
                            include_dirs=[ODL_DIR, work])
    return run_program(program, timeout=120, count=False).check().records


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """records(target, suffix): the program's records, each (target, suffix) run once."""

    @functools.cache
    def get(target_name: str, suffix: str) -> dict[str, str]:
        work = tmp_path_factory.mktemp(f"odl-{target_name}-{suffix}")
        return _run(target_name, suffix, _cases(SUFFIX[suffix][0]), work)

    return get


def _values(record: str, n: int | None, suffix: str) -> np.ndarray:
    dtype, _, bits, _ = SUFFIX[suffix]
    if n is None:  # a float loss
        dtype, bits = np.float32, np.uint32
    words = np.array([int(v, 16) for v in record.split(",")], bits)
    return words.view(dtype).astype(np.float64)


def _rel_err(got: np.ndarray, want: np.ndarray) -> float:
    scale = np.max(np.abs(want))
    diff = np.max(np.abs(got - want.reshape(-1)))
    return float(diff / scale) if scale > 0 else float(diff)


@pytest.mark.parametrize("name,suffix", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_odl_primitives_match_torch(name, suffix, records):
    cases = _cases(SUFFIX[suffix][0])
    got_records = records(name, suffix)
    errors = {}
    for c in cases:
        bound = BOUND[suffix] if c.layer else BOUND[SUFFIX[suffix][3]]
        for key, (_, n, want) in c.expect.items():
            record = f"{c.name}_{key}"
            got = _values(got_records[record], n, suffix)
            assert got.size == want.size, record
            errors[record] = err = _rel_err(got, want)
            assert err <= bound, f"{record} on {name} ({suffix}): relative error {err:.3g} > {bound:g}"
    for layer in (True, False):
        keys = [f"{c.name}_{k}" for c in cases if c.layer == layer for k in c.expect]
        worst = max(keys, key=errors.get)
        print(f"{name} {suffix} {'layers' if layer else 'element-wise'}: worst {worst} {errors[worst]:.3g}")
    # The reference is the same bits everywhere, but for what goes through the C library's
    # expf / logf: the same on every MCU target (picolibc), not always the host's (glibc's
    # expf differs from picolibc's by 1 ulp on some inputs).
    libm = {f"{c.name}_{k}" for c in cases if c.libm for k in c.expect}
    if name == "host":
        return
    for other, keys in (("host", errors.keys() - libm), (LIBM_REF, libm)):
        if other != name:
            theirs = records(other, suffix)
            differ = sorted(k for k in keys if got_records[k] != theirs[k])
            assert not differ, f"{name} ({suffix}) differs from {other} in {differ}"
