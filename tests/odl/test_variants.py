"""ISA variants of the on-device-learning layer primitives (firmware/odl/arm_mve/, firmware/odl/rvv/,
firmware/odl/arm_dsp/: Cortex-M4 and M7, scalar FPU, fp32 only) bit for bit against the portable
reference (firmware/odl/ref/) on their own target, and their instruction counts.

One program per (target, suffix) links both: the variant files as the compiler copies them (the
variant folder's .c and .h and mf_odl.h in one flat folder: a variant that reached for anything
else would not build) and ref's, compiled through a wrapper that renames ref's symbols (ref_...).
Every case runs the three primitives of both on the same inputs (bw_param_grads adds into the
same pre-filled gradients) and prints every output as hex bit patterns, each output array with 8
sentinel elements past its end; the two must be identical, sentinels included (a variant writes
nothing outside its outputs). The shapes cover channel tails (3, 5, 9, 17, 33 channels against 4
and 8 lanes), strides 1, 2 and 3 (input pixels no window reads), symmetric, asymmetric and TF
SAME padding, 1x1 (the pointwise path), 5x5 and 10x4 kernels, linear sizes off the lane count.
An op whose variant file a target lacks is not tested there (the compiler falls back to ref).

Instructions of one call (QEMU, bench markers around each call; zvfh: LMUL-weighted), ref ->
variant, and the variant's MAC/instr; MACs: output elements x taps x in_c for conv2d, output
elements x taps for depthwise, in x out for linear, each backward primitive counted with the
forward's MACs. Layers (test_variant_instructions measures and prints them, clang 19 -O2): DS-CNN
pointwise (25x5x64 -> 64, 1x1), DS-CNN depthwise (25x5x64, 3x3, pad 1), conv 3x3 16 -> 16 on
32x32 (pad 1), linear 64 -> 12.

  layer (MACs) call    | M55 fp32            | M55 fp16            | zvfh fp32           | zvfh fp16
  pw (512k)    fw      |  3.19M->421.7k 1.21 |  3.18M->254.1k 2.01 |  1.18M->400.2k 1.28 | 744.0k->201.3k 2.54
               bw_param| 13.40M->536.7k 0.95 | 13.40M->269.4k 1.90 |  6.78M->380.5k 1.35 |  6.78M->190.8k 2.68
               bw_input|  4.16M->489.5k 1.05 |  4.15M->243.1k 2.11 |  1.29M->402.7k 1.27 | 861.8k->203.8k 2.51
  dw (72k)     fw      | 920.2k->117.7k 0.61 | 914.2k-> 61.4k 1.17 |  1.15M->101.3k 0.71 |  1.15M-> 52.5k 1.37
               bw_param|  1.76M->126.4k 0.57 |  1.76M-> 63.3k 1.14 | 851.5k-> 87.2k 0.83 | 851.5k-> 43.7k 1.65
               bw_input|  1.40M->134.7k 0.53 |  1.40M-> 71.2k 1.01 |  1.42M->103.4k 0.70 |  1.42M-> 53.6k 1.34
  conv (2.36M) fw      | 15.69M-> 1.83M 1.29 | 15.67M-> 1.11M 2.13 |  6.94M-> 1.72M 1.37 |  4.80M->866.9k 2.72
               bw_param| 23.91M-> 2.35M 1.00 | 23.91M-> 1.18M 2.00 | 20.25M-> 1.65M 1.43 | 20.25M->827.5k 2.85
               bw_input| 21.95M-> 2.35M 1.00 | 21.90M-> 1.18M 2.01 |  7.81M-> 1.83M 1.29 |  5.79M->928.7k 2.54
  fc (768)     fw      |   4332->   822 0.93 |   4321->   866 0.89 |   1515->  1353 0.57 |    890->   692 1.11
               bw_param|   1406->  1229 0.62 |    828->   649 1.18 |   1743->  1107 0.69 |   1080->   571 1.35
               bw_input|   6123->   853 0.90 |   6122->   444 1.73 |   7576->   861 0.89 |   7511->   443 1.73

  f16_acc32 variant MAC/instr (fw/bw_param/bw_input) M55: pw 1.11/1.17/1.04, dw 0.47/0.66/0.36, conv 1.19/1.23/1.02
  f16_acc32 variant MAC/instr (fw/bw_param/bw_input) zvfh: pw 1.98/2.09/1.94, dw 0.93/1.19/0.92, conv 2.14/2.24/1.93

arm_dsp fp32 (plain C: several output elements per pass, 4-16 accumulators in S registers, each
load shared; ref -> variant, MAC/instr). On M7 clang uses VMLA.F32 (not fused: the product is
rounded before the sum, bit-identical with VMUL + VADD; on M4 it keeps VMUL + VADD, VMLA being
slower there):

  layer (MACs) call    | M4 fp32             | M7 fp32
  pw (512k)    fw      |  3.31M-> 1.69M 0.30 |  2.78M-> 1.21M 0.42
               bw_param| 12.98M-> 1.56M 0.33 | 12.37M-> 1.05M 0.49
               bw_input|  4.10M-> 1.56M 0.33 |  3.57M-> 1.01M 0.50
  dw (72k)     fw      |  1.02M->318.9k 0.23 | 988.2k->263.1k 0.27
               bw_param|  1.82M->326.4k 0.22 |  1.61M->266.5k 0.27
               bw_input|  1.42M->342.7k 0.21 |  1.36M->291.1k 0.25
  conv (2.36M) fw      | 16.21M-> 7.44M 0.32 | 13.79M-> 5.30M 0.45
               bw_param| 23.13M-> 6.47M 0.36 | 21.26M-> 4.21M 0.56
               bw_input| 21.18M-> 7.17M 0.33 | 18.68M-> 4.80M 0.49
  fc (768)     fw      |   4547->  3139 0.24 |   3763->  2371 0.32
               bw_param|   6149->  4463 0.17 |   5286->  3697 0.21
               bw_input|   5929->  3020 0.25 |   5289->  2247 0.34

Element-wise primitives (act: clip fw / bw with and without masks, add, accumulate, bias_grads;
pool: average and max, forward and backward; sgd), f32 and f16, one program per (target, suffix),
each output against ref's with sentinels: clip at the bounds exactly, -0, ReLU / ReLU6 / a box,
n off the lane counts and off multiples of 8 (masks), pools with padding, strides and ties (values
on a grid of 7), global average pooling, sgd with and without momentum (m NULL) and weight decay.
Instructions of one call, ref -> variant (test_elementwise_variant_instructions; ref is already
auto-vectorized by clang for clip and sgd):

  call                          | M55 fp32      | M55 fp16      | zvfh fp32     | zvfh fp16
  clip fw 25x5x64 (ReLU6)       | 14035->13053  |  7039-> 6551  | 17027->13768  |  8528-> 6895
  global avg pool 25x5x64       | 67807-> 9159  | 67808-> 4636  | 65138-> 5281  | 65134-> 2692
  sgd 4,096 (momentum, decay)   | 18501->11839  | 28262->14141  | 16437->12315  | 17460->15131

fp16 against fp32 (variant instructions): zvfh 1.9-2.0x throughout (an LMUL=2 vector holds 16
fp16 lanes instead of 8, and the scalar loads of vector x scalar products are as many); M55 2.0x
for bw_param_grads and bw_input_grads (fp16: 16 input channels of two pixels a pass, each grad_out
scalar serving two weight vectors, a pixel's four scalars from one VLDRH.U32 and two VMOVs),
1.9-2.0x for depthwise, 1.65x for the conv2d fw, whose fp32 scalars come in pairs (LDRD) and fp16
ones one at a time (LDRH), and whose fp16 gathers move their base by an ADD (one for two elements,
the second gathered through offsets one element further; fp32's write back). Backward MAC/instr is at least 76 % of the same
variant's forward (often more than 100 %), but for fc bw_param_grads on M55 fp32 (one product and
one sum per weight, each weight loaded and stored: 67 %).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from mcuforge.build import build_program
from mcuforge.paths import FIRMWARE_DIR
from mcuforge.sim import run_program
from mcuforge.target import load_target

ODL_DIR = FIRMWARE_DIR / "odl"
REF_DIR = ODL_DIR / "ref"
VARIANT = {"qemu-cortex-m55": "arm_mve", "qemu-rv32-zve32f-zvfh": "rvv", "qemu-cortex-m4": "arm_dsp",
           "qemu-cortex-m7": "arm_dsp"}
OPS = ("conv2d", "depthwise", "linear")
PRIMITIVES = ("fw", "bw_param_grads", "bw_input_grads")
# storage dtype, its C bit-pattern type, numpy bit type, the C storage type
SUFFIX = {
    "f32": (np.float32, "uint32_t", np.uint32, "float"),
    "f16": (np.float16, "uint16_t", np.uint16, "mf_odl_f16"),
    "f16_acc32": (np.float16, "uint16_t", np.uint16, "mf_odl_f16"),
}
SENTINEL = 8  # elements past each output array that must stay untouched
# (target, suffix) pairs whose variant folder has at least one layer primitive of that suffix
CASES = [(t, s) for t in VARIANT for s in SUFFIX
         if any((ODL_DIR / VARIANT[t] / f"mf_odl_{op}_{s}.c").is_file() for op in OPS)]


@dataclass
class Case:
    """One layer: its parameter struct, its inputs and the outputs both implementations write."""

    name: str
    op: str
    param: str  # the C initializer of its mf_odl_conv_t / mf_odl_linear_t
    bias: bool
    inputs: dict[str, np.ndarray] = field(default_factory=dict)  # x, w, b, gout, gw, gb
    sizes: dict[str, int] = field(default_factory=dict)           # out, gin
    macs: int = 0


def _outputs(c: Case) -> list[str]:
    return ["out", "gw", "gb", "gin"] if c.bias else ["out", "gw", "gin"]


def _conv_case(rng, dtype, op, name, shape, bias=True) -> Case:
    """shape = ((h, w, in_c), out_c, (kh, kw), (sh, sw), (top, left, bottom, right)); depthwise:
    out_c == in_c."""
    (h, wd, ic), oc, (kh, kw), (sh, sw), (pt, pl, pb, pr) = shape
    oh, ow = (h + pt + pb - kh) // sh + 1, (wd + pl + pr - kw) // sw + 1
    u = lambda *s: rng.uniform(-1, 1, s).astype(dtype)
    w = u(oc, kh, kw, ic) if op == "conv2d" else u(kh, kw, ic)
    c = Case(name, op, f"{{{h}, {wd}, {ic}, {oh}, {ow}, {oc}, {kh}, {kw}, {sh}, {sw}, {pt}, {pl}}}", bias)
    c.inputs.update(x=u(h, wd, ic), w=w, b=u(oc), gout=u(oh, ow, oc), gw=u(*w.shape), gb=u(oc))
    c.sizes.update(out=oh * ow * oc, gin=h * wd * ic)
    if not bias:
        del c.inputs["b"], c.inputs["gb"]
    c.macs = oh * ow * oc * kh * kw * (ic if op == "conv2d" else 1)
    return c


def _linear_case(rng, dtype, name, n_in, n_out, bias=True) -> Case:
    u = lambda *s: rng.uniform(-1, 1, s).astype(dtype)
    c = Case(name, "linear", f"{{{n_in}, {n_out}}}", bias)
    c.inputs.update(x=u(n_in), w=u(n_out, n_in), b=u(n_out), gout=u(n_out), gw=u(n_out, n_in), gb=u(n_out))
    c.sizes.update(out=n_out, gin=n_in)
    if not bias:
        del c.inputs["b"], c.inputs["gb"]
    c.macs = n_in * n_out
    return c


def _cases(dtype) -> list[Case]:
    rng = np.random.default_rng(7)
    cases = []
    for name, shape, bias in [
        ("conv_3x3", ((5, 7, 3), 5, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("conv_3x3_wide", ((5, 13, 5), 17, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("conv_3x3_s2", ((6, 9, 17), 7, (3, 3), (2, 2), (0, 0, 1, 1)), False),      # TF SAME, stride 2
        ("conv_3x3_s2_p1", ((9, 11, 8), 12, (3, 3), (2, 2), (1, 1, 1, 1)), True),
        ("conv_1x1", ((4, 5, 33), 33, (1, 1), (1, 1), (0, 0, 0, 0)), True),         # pointwise
        ("conv_1x1_s2", ((5, 5, 3), 4, (1, 1), (2, 2), (0, 0, 0, 0)), False),       # pixels no window reads
        ("conv_1x1_pad", ((3, 4, 9), 5, (1, 1), (1, 1), (1, 0, 0, 1)), True),       # 1x1 reading padding
        ("conv_2x2_s3", ((7, 8, 4), 9, (2, 2), (3, 3), (0, 0, 0, 0)), True),
        ("conv_5x5", ((8, 9, 9), 9, (5, 5), (1, 1), (2, 2, 2, 2)), True),
        ("conv_dscnn", ((49, 10, 1), 6, (10, 4), (2, 2), (5, 1, 5, 1)), True),      # DS-CNN's first layer
        ("conv_2x3_asym", ((7, 6, 5), 3, (2, 3), (2, 1), (1, 0, 0, 2)), True),      # asymmetric padding
        ("conv_3x3_c16", ((6, 10, 16), 16, (3, 3), (1, 1), (1, 1, 1, 1)), False),
        ("conv_3x3_tall", ((11, 3, 5), 6, (3, 3), (1, 1), (1, 1, 1, 1)), True),     # pixels grouped down columns
    ]:
        cases.append(_conv_case(rng, dtype, "conv2d", name, shape, bias))
    for name, shape, bias in [
        ("dw_3x3", ((6, 7, 5), 5, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("dw_3x3_wide", ((5, 12, 17), 17, (3, 3), (1, 1), (1, 1, 1, 1)), True),
        ("dw_3x3_c33", ((4, 9, 33), 33, (3, 3), (1, 1), (1, 1, 1, 1)), False),
        ("dw_3x3_s2", ((7, 8, 9), 9, (3, 3), (2, 2), (1, 1, 1, 1)), False),
        ("dw_3x3_s2_same", ((5, 6, 4), 4, (3, 3), (2, 2), (0, 0, 1, 1)), True),
        ("dw_5x5", ((9, 10, 3), 3, (5, 5), (1, 1), (2, 2, 2, 2)), True),
        ("dw_10x4", ((12, 9, 8), 8, (10, 4), (2, 2), (5, 1, 5, 1)), True),
        ("dw_1x1", ((3, 4, 6), 6, (1, 1), (1, 1), (0, 0, 0, 0)), True),
        ("dw_2x2_s3", ((7, 8, 5), 5, (2, 2), (3, 3), (0, 0, 0, 0)), False),
        ("dw_3x2_asym", ((7, 6, 16), 16, (3, 2), (2, 1), (1, 0, 0, 2)), True),
        ("dw_3x3_tall", ((11, 4, 6), 6, (3, 3), (1, 1), (1, 1, 1, 1)), True),       # pixels grouped down columns
        ("dw_3x2_tall_asym", ((10, 3, 5), 5, (3, 2), (1, 1), (2, 0, 1, 1)), False),
    ]:
        cases.append(_conv_case(rng, dtype, "depthwise", name, shape, bias))
    for n_in, n_out, bias in [(37, 11, True), (64, 10, False), (5, 3, True), (33, 17, True), (100, 33, True),
                              (16, 64, True), (3, 1, False), (250, 9, True), (8, 8, True)]:
        cases.append(_linear_case(rng, dtype, f"fc_{n_in}_{n_out}", n_in, n_out, bias))
    if dtype == np.float16:  # filters and rows too long for Helium's 16-bit gather offsets (> 9362)
        shape = ((2, 2, 1050), 2, (3, 3), (1, 1), (1, 1, 1, 1))
        cases.append(_conv_case(rng, dtype, "conv2d", "conv_long_filter", shape))
        cases.append(_linear_case(rng, dtype, "fc_9400_2", 9400, 2))
    return cases


def _words(a: np.ndarray, bits) -> str:
    return ", ".join(f"0x{int(v):x}" for v in a.reshape(-1).view(bits))


def _array(ctype: str, word: str, name: str, n: int, init: str) -> str:
    return f"static const union {{ {word} u[{n}]; {ctype} f[{n}]; }} {name} = {{{{{init}}}}};"


def _renames(suffix: str, ops) -> list[str]:
    return [f"#define mf_odl_{op}_{p}_{suffix} ref_mf_odl_{op}_{p}_{suffix}" for op in ops for p in PRIMITIVES]


def _program(cases: list[Case], suffix: str, ops, bench: bool) -> str:
    """main.c: every case through the variant then ref. bench: each call between bench
    markers, and only a comparison record per output (the arrays are large)."""
    dtype, word, bits, ctype = SUFFIX[suffix]
    sentinel = "0x7e7e7e7e" if word == "uint32_t" else "0x7e7e"
    lines = ['#include "mf_odl.h"', '#include "mf_runtime.h"', "", *_renames(suffix, OPS),
             "/* ref's primitives, renamed */", f"MF_ODL_DECLARE({ctype}, {suffix})", ""]
    lines += [f"#undef mf_odl_{op}_{p}_{suffix}" for op in OPS for p in PRIMITIVES]
    if bench:  # the count of elements that differ
        lines += [f"static void same(const char *key, const {word} *a, const {word} *b, int n) {{",
                  "    int differ = 0;",
                  "    for (int i = 0; i < n; i++) differ += a[i] != b[i];",
                  '    mf_printf("@mf %s=%d\\n", key, differ);',
                  "}", ""]
    else:
        lines += [f"static void put(const char *key, const {word} *v, int n) {{",
                  '    mf_printf("@mf %s=", key);',
                  '    for (int i = 0; i < n; i++) mf_printf(i ? ",%x" : "%x", (unsigned)v[i]);',
                  '    mf_printf("\\n");',
                  "}", ""]
    body = []
    for c in cases:
        if c.op not in ops:
            continue
        kind = "mf_odl_linear_t" if c.op == "linear" else "mf_odl_conv_t"
        lines.append(f"static const {kind} {c.name}_p = {c.param};")
        for key, data in c.inputs.items():
            lines.append(_array(ctype, word, f"{c.name}_{key}", data.size, _words(data.astype(dtype), bits)))
        # outputs (zero-initialized, RAM only): sentinels, and the pre-filled gradients, set at run time
        for key in _outputs(c):
            n = c.sizes[key] if key in c.sizes else c.inputs[key].size
            for who in ("v", "r"):
                lines.append(f"static union {{ {word} u[{n + SENTINEL}]; {ctype} f[{n + SENTINEL}]; }} "
                             f"{c.name}_{key}_{who};")
                body.append(f"    for (int i = 0; i < {n + SENTINEL}; i++) {c.name}_{key}_{who}.u[i] = "
                            + (f"i < {n} ? {c.name}_{key}.u[i] : {sentinel};" if key in c.inputs else f"{sentinel};"))
        b = f"{c.name}_b.f" if c.bias else "0"
        for who, prefix in (("v", ""), ("r", "ref_")):
            gb = f"{c.name}_gb_{who}.f" if c.bias else "0"
            calls = [
                f"{prefix}mf_odl_{c.op}_fw_{suffix}(&{c.name}_p, {c.name}_x.f, {c.name}_w.f, {b}, "
                f"{c.name}_out_{who}.f);",
                f"{prefix}mf_odl_{c.op}_bw_param_grads_{suffix}(&{c.name}_p, {c.name}_x.f, {c.name}_gout.f, "
                f"{c.name}_gw_{who}.f, {gb});",
                f"{prefix}mf_odl_{c.op}_bw_input_grads_{suffix}(&{c.name}_p, {c.name}_gout.f, {c.name}_w.f, "
                f"{c.name}_gin_{who}.f);",
            ]
            for call in calls:
                body += ["    mf_bench_start();", f"    {call}", "    mf_bench_stop();"] if bench else [f"    {call}"]
        for key in _outputs(c):
            n = (c.sizes[key] if key in c.sizes else c.inputs[key].size) + SENTINEL
            if bench:
                body.append(f'    same("{c.name}_{key}", {c.name}_{key}_v.u, {c.name}_{key}_r.u, {n});')
            else:
                body += [f'    put("{c.name}_{key}_v", {c.name}_{key}_v.u, {n});',
                         f'    put("{c.name}_{key}_r", {c.name}_{key}_r.u, {n});']
    return "\n".join(lines + ["", "int main(void) {", *body, "    return 0;", "}", ""])


def _variant_ops(target_name: str, suffix: str) -> list[str]:
    folder = ODL_DIR / VARIANT[target_name]
    return [op for op in OPS if (folder / f"mf_odl_{op}_{suffix}.c").is_file()]


def _stage(target_name: str, suffix: str, ops, work: Path, renames) -> tuple[Path, list[Path]]:
    """The variant files of `ops` as the compiler copies them (the variant folder's .c and .h,
    mf_odl.h and mf_odl_window.h in one flat folder: a variant that reached for anything else
    would not build), and ref's, compiled through wrappers that rename its symbols (renames)."""
    flat = work / "variant"
    flat.mkdir(parents=True, exist_ok=True)
    folder = ODL_DIR / VARIANT[target_name]
    sources = []
    for op in ops:
        src = folder / f"mf_odl_{op}_{suffix}.c"
        (flat / src.name).write_bytes(src.read_bytes())
        sources.append(flat / src.name)
    for header in folder.glob("*.h"):
        (flat / header.name).write_bytes(header.read_bytes())
    for name in ("mf_odl.h", "mf_odl_window.h"):
        (flat / name).write_bytes((ODL_DIR / name).read_bytes())
    for op in ops:  # ref's, renamed
        wrapper = work / f"ref_{op}_{suffix}.c"
        ref = REF_DIR / f"mf_odl_{op}_{suffix}.c"
        wrapper.write_text("\n".join(renames(suffix, [op]) + [f'#include "{ref}"', ""]))
        sources.append(wrapper)
    return flat, sources


def _build_run(target_name: str, suffix: str, work: Path, main: str, ops, renames, name: str, bench: bool):
    """Builds main.c with the staged files and runs it: its records, and its bench regions."""
    flat, sources = _stage(target_name, suffix, ops, work, renames)
    (work / "main.c").write_text(main)
    program = build_program(load_target(target_name), [work / "main.c", *sources], work / "build", name=name,
                            include_dirs=[flat])
    result = run_program(program, timeout=600, count=bench).check()
    return result.records, (result.counts.regions if bench else ())


def _run(target_name: str, suffix: str, cases: list[Case], work: Path, bench: bool):
    """Builds and runs the program: its records, and its bench regions (bench)."""
    ops = _variant_ops(target_name, suffix)
    records, regions = _build_run(target_name, suffix, work, _program(cases, suffix, ops, bench), ops, _renames,
                                  f"variants_{suffix}", bench)
    return records, regions, ops


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    @functools.cache
    def get(target_name: str, suffix: str):
        work = tmp_path_factory.mktemp(f"odl-variants-{target_name}-{suffix}")
        return _run(target_name, suffix, _cases(SUFFIX[suffix][0]), work, bench=False)

    return get


@pytest.mark.parametrize("name,suffix", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_variant_bit_exact_with_ref(name, suffix, records):
    got, _, ops = records(name, suffix)
    checked, differ = 0, []
    for c in _cases(SUFFIX[suffix][0]):
        if c.op not in ops:
            continue
        for key in _outputs(c):
            v, r = got[f"{c.name}_{key}_v"], got[f"{c.name}_{key}_r"]
            checked += 1
            if v != r:
                vv, rr = v.split(","), r.split(",")
                at = [i for i, (a, b) in enumerate(zip(vv, rr)) if a != b]
                differ.append(f"{c.name}_{key}: {len(at)} of {len(vv)} differ, first at {at[0]}: "
                              f"variant {vv[at[0]]}, ref {rr[at[0]]}")
    assert not differ, f"{name} {suffix} ({', '.join(ops)}):\n" + "\n".join(differ)
    print(f"{name} {suffix}: {checked} outputs of {', '.join(ops)} bit-identical with ref")


BENCH_LAYERS = [
    ("pw", "conv2d", ((25, 5, 64), 64, (1, 1), (1, 1), (0, 0, 0, 0))),
    ("dw", "depthwise", ((25, 5, 64), 64, (3, 3), (1, 1), (1, 1, 1, 1))),
    ("conv", "conv2d", ((32, 32, 16), 16, (3, 3), (1, 1), (1, 1, 1, 1))),
    ("fc", "linear", (64, 12)),
]
BENCH_SUFFIXES = ("f32", "f16", "f16_acc32")


def _bench_case(dtype, name: str) -> Case:
    rng = np.random.default_rng(11)
    _, op, shape = next(layer for layer in BENCH_LAYERS if layer[0] == name)
    return _linear_case(rng, dtype, name, *shape) if op == "linear" else _conv_case(rng, dtype, op, name, shape)


def bench(target_name: str, suffix: str, work: Path) -> list[tuple[str, str, int, int, int]]:
    """(layer, primitive, MACs, ref instructions, variant instructions) of one call each, the
    LMUL-weighted figure on RISC-V vector targets, one program per layer (they would not all fit
    the RAM at once); asserts the outputs bit-identical."""
    rows = []
    for name, op, _ in BENCH_LAYERS:
        if op not in _variant_ops(target_name, suffix):
            continue
        c = _bench_case(SUFFIX[suffix][0], name)
        recs, regions, _ = _run(target_name, suffix, [c], work / name, bench=True)
        counts = [r[1] for r in regions]  # the variant's 3 calls, then ref's
        assert len(counts) == 6, counts
        for key in _outputs(c):
            assert recs[f"{c.name}_{key}"] == "0", f"{target_name} {suffix} {c.name}_{key} differs from ref"
        for i, prim in enumerate(PRIMITIVES):
            rows.append((c.name, prim, c.macs, counts[3 + i], counts[i]))
    return rows


@pytest.mark.parametrize("name", list(VARIANT))
def test_variant_instructions(name, tmp_path):
    """The variants' instruction counts on the bench layers (printed): each faster than ref."""
    slower = []
    for suffix in BENCH_SUFFIXES:
        if not _variant_ops(name, suffix):
            continue
        for layer, prim, macs, ref, var in bench(name, suffix, tmp_path / suffix):
            print(f"{name} {suffix:9s} {layer:4s} {prim:15s} ref {ref:>9d}  variant {var:>9d}  "
                  f"x{ref / var:5.1f}  {macs / var:.2f} MAC/instr")
            if var >= ref:
                slower.append(f"{suffix} {layer} {prim}")
    assert not slower, f"variants slower than ref on {name}: {slower}"


# ---- element-wise primitives: act (clip, add, accumulate, bias_grads), pool, sgd -------------

EW_OPS = {
    "act": ("clip_fw", "clip_bw", "clip_fw_mask", "clip_bw_mask", "add_fw", "accumulate", "bias_grads"),
    "pool": ("avg_pool_fw", "avg_pool_bw", "max_pool_fw", "max_pool_bw"),
    "sgd": ("sgd",),
}
EW_SUFFIXES = ("f32", "f16")
EW_CASES = [(t, s) for t in VARIANT for s in EW_SUFFIXES
            if any((ODL_DIR / VARIANT[t] / f"mf_odl_{op}_{s}.c").is_file() for op in EW_OPS)]


@dataclass
class EwCase:
    """One call of an element-wise primitive: `call` formats with {f} (the function, ref_ or not),
    {<input>} and {<output>} (the output array of the implementation) and {T}."""

    name: str
    op: str    # act, pool, sgd: the file
    call: str
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: dict[str, object] = field(default_factory=dict)  # name -> pre-filled array, or element count
    masks: dict[str, int] = field(default_factory=dict)       # uint8 outputs: name -> bytes
    param: str = ""                                           # a mf_odl_pool_t initializer


def _ew_cases(dtype) -> list[EwCase]:
    rng = np.random.default_rng(5)
    u = lambda *s: rng.uniform(-1, 1, s).astype(dtype)
    cases = []
    # clip values at and around the bounds, ties with 0 and 6 exactly, -0
    for n in (37, 13, 64, 3):
        x = rng.uniform(-8, 8, n).astype(dtype)
        x[::5] = 0.0
        x[1::7] = 6.0
        x[2::11] = -0.0
        x[3::9] = -1.5
        for lo, hi, tag in (("0.0f", "__builtin_inff()", "relu"), ("0.0f", "6.0f", "relu6"), ("-1.5f", "2.25f", "box")):
            g = u(n)
            nm = f"clip_{tag}_{n}"
            cases.append(EwCase(f"{nm}_fw", "act", f"{{f}}_clip_fw({n}, {lo}, {hi}, {{x}}, {{out}});",
                                {"x": x}, {"out": n}))
            cases.append(EwCase(f"{nm}_bw", "act", f"{{f}}_clip_bw({n}, {lo}, {hi}, {{x}}, {{g}}, {{gin}});",
                                {"x": x, "g": g}, {"gin": n}))
            cases.append(EwCase(f"{nm}_fwm", "act",
                                f"{{f}}_clip_fw_mask({n}, {lo}, {hi}, {{x}}, {{out}}, {{mask}});",
                                {"x": x}, {"out": n}, {"mask": (n + 7) // 8}))
            mask = rng.integers(0, 256, (n + 7) // 8).astype(np.uint8)
            if n % 8:
                mask[-1] &= (1 << (n % 8)) - 1
            cases.append(EwCase(f"{nm}_bwm", "act", f"{{f}}_clip_bw_mask({n}, {{mask_in}}, {{g}}, {{gin}});",
                                {"mask_in": mask, "g": g}, {"gin": n}))
    for n in (37, 67, 8):
        a, b = u(n), u(n)
        cases.append(EwCase(f"add_{n}", "act", f"{{f}}_add_fw({n}, {{a}}, {{b}}, {{out}});", {"a": a, "b": b}, {"out": n}))
        cases.append(EwCase(f"acc_{n}", "act", f"{{f}}_accumulate({n}, {{a}}, {{dst}});", {"a": a}, {"dst": b}))
    for pos, ch in ((7, 5), (25, 17), (3, 33), (1, 64), (40, 8)):
        cases.append(EwCase(f"bias_{pos}_{ch}", "act", f"{{f}}_bias_grads({pos}, {ch}, {{g}}, {{gb}});",
                            {"g": u(pos, ch)}, {"gb": u(ch)}))
    # pools: ((h, w, c), (kh, kw), (sh, sw), (top, left, bottom, right)); values on a coarse grid: ties
    for tag, (h, w, c), (kh, kw), (sh, sw), (pt, pl, pb, pr) in [
        ("2x2_s2", (6, 7, 5), (2, 2), (2, 2), (0, 0, 0, 0)),
        ("3x3_p1", (5, 6, 17), (3, 3), (1, 1), (1, 1, 1, 1)),
        ("3x3_s2_same", (7, 8, 9), (3, 3), (2, 2), (0, 0, 1, 1)),
        ("global", (5, 4, 33), (5, 4), (1, 1), (0, 0, 0, 0)),
        ("global_c3", (7, 3, 3), (7, 3), (1, 1), (0, 0, 0, 0)),
        ("3x2_asym", (7, 6, 16), (3, 2), (2, 1), (1, 0, 0, 2)),
        ("2x2_s3", (7, 8, 4), (2, 2), (3, 3), (0, 0, 0, 0)),
        ("3x3_p2", (4, 4, 8), (3, 3), (1, 1), (2, 2, 2, 2)),
    ]:
        oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
        param = f"{{{h}, {w}, {c}, {oh}, {ow}, {kh}, {kw}, {sh}, {sw}, {pt}, {pl}}}"
        x = (rng.integers(-3, 4, (h, w, c)) / 2).astype(dtype)
        gout = u(oh, ow, c)
        for fn, args, out in (("avg_pool_fw", "{x}", ("out", oh * ow * c)),
                              ("avg_pool_bw", "{gout}", ("gin", h * w * c)),
                              ("max_pool_fw", "{x}", ("out", oh * ow * c)),
                              ("max_pool_bw", "{x}, {gout}", ("gin", h * w * c))):
            cases.append(EwCase(f"pool_{tag}_{fn}", "pool", f"{{f}}_{fn}(&{{p}}, {args}, {{{out[0]}}});",
                                {"x": x, "gout": gout}, {out[0]: out[1]}, param=param))
    for n in (37, 100, 5):
        for mom, wd in (("0.9f", "0.0f"), ("0.9f", "0.01f"), ("0.0f", "0.01f"), ("0.0f", "0.0f")):
            m_arg = "{m}" if mom != "0.0f" else "0"
            outs = {"w": u(n), "m": u(n)} if mom != "0.0f" else {"w": u(n)}
            cases.append(EwCase(f"sgd_{n}_{len(cases)}", "sgd",
                                f"{{f}}_sgd({n}, 0.01f, {mom}, {wd}, {{w}}, {m_arg}, {{g}});", {"g": u(n)}, outs))
    return cases


def _ew_renames(suffix: str, ops) -> list[str]:
    return [f"#define mf_odl_{fn}_{suffix} ref_mf_odl_{fn}_{suffix}" for op in ops for fn in EW_OPS[op]]


def _ew_program(cases: list[EwCase], suffix: str, ops, bench: bool) -> str:
    dtype, word, bits, ctype = SUFFIX[suffix]
    sentinel = "0x7e7e7e7e" if word == "uint32_t" else "0x7e7e"
    lines = ['#include "mf_odl.h"', '#include "mf_runtime.h"', "", *_ew_renames(suffix, ops),
             "/* ref's primitives, renamed */", f"MF_ODL_DECLARE_ELEMENTWISE({ctype}, {suffix})", ""]
    lines += [f"#undef mf_odl_{fn}_{suffix}" for op in ops for fn in EW_OPS[op]]
    lines += [f"static __attribute__((unused)) int differ(const {word} *a, const {word} *b, int n) {{",
              "    int d = 0;", "    for (int i = 0; i < n; i++) d += a[i] != b[i];", "    return d;", "}",
              f"static __attribute__((unused)) void put(const char *key, const {word} *v, int n) {{",
              '    mf_printf("@mf %s=", key);',
              '    for (int i = 0; i < n; i++) mf_printf(i ? ",%x" : "%x", (unsigned)v[i]);',
              '    mf_printf("\\n");', "}",
              "static __attribute__((unused)) void put8(const char *key, const uint8_t *v, int n) {",
              '    mf_printf("@mf %s=", key);',
              '    for (int i = 0; i < n; i++) mf_printf(i ? ",%x" : "%x", (unsigned)v[i]);',
              '    mf_printf("\\n");', "}", ""]
    body = []
    for c in cases:
        if c.op not in ops:
            continue
        names = {"T": ctype}
        if c.param:
            lines.append(f"static const mf_odl_pool_t {c.name}_p = {c.param};")
            names["p"] = f"{c.name}_p"
        for key, data in c.inputs.items():
            if "{" + key + "}" not in c.call:
                continue
            if data.dtype == np.uint8:
                lines.append(f"static const uint8_t {c.name}_{key}[{data.size}] = "
                             f"{{{', '.join(str(int(v)) for v in data)}}};")
                names[key] = f"{c.name}_{key}"
            else:
                lines.append(_array(ctype, word, f"{c.name}_{key}", data.size, _words(data.astype(dtype), bits)))
                names[key] = f"{c.name}_{key}.f"
        for key, init in c.outputs.items():
            n = init if isinstance(init, int) else init.size
            if not isinstance(init, int):
                lines.append(_array(ctype, word, f"{c.name}_{key}0", n, _words(init.astype(dtype), bits)))
            for who in ("v", "r"):
                lines.append(f"static union {{ {word} u[{n + SENTINEL}]; {ctype} f[{n + SENTINEL}]; }} "
                             f"{c.name}_{key}_{who};")
                body.append(f"    for (int i = 0; i < {n + SENTINEL}; i++) {c.name}_{key}_{who}.u[i] = "
                            + (f"{sentinel};" if isinstance(init, int) else f"i < {n} ? {c.name}_{key}0.u[i] : {sentinel};"))
        for key, n in c.masks.items():
            for who in ("v", "r"):
                lines.append(f"static uint8_t {c.name}_{key}_{who}[{n + SENTINEL}];")
                body.append(f"    for (int i = 0; i < {n + SENTINEL}; i++) {c.name}_{key}_{who}[i] = 0x7e;")
        for who, prefix in (("v", "mf_odl"), ("r", "ref_mf_odl")):
            own = {k: f"{c.name}_{k}_{who}.f" for k in c.outputs} | {k: f"{c.name}_{k}_{who}" for k in c.masks}
            fn, args = c.call.format(f=prefix, **names, **own).split("(", 1)
            call = f"{fn}_{suffix}({args}"
            body += ["    mf_bench_start();", f"    {call}", "    mf_bench_stop();"] if bench else [f"    {call}"]
        for key, init in c.outputs.items():
            n = (init if isinstance(init, int) else init.size) + SENTINEL
            if bench:
                body.append(f'    mf_printf("@mf {c.name}_{key}=%d\\n", differ({c.name}_{key}_v.u, {c.name}_{key}_r.u, {n}));')
            else:
                body += [f'    put("{c.name}_{key}_v", {c.name}_{key}_v.u, {n});',
                         f'    put("{c.name}_{key}_r", {c.name}_{key}_r.u, {n});']
        for key, n in c.masks.items():
            body += [f'    put8("{c.name}_{key}_v", {c.name}_{key}_v, {n + SENTINEL});',
                     f'    put8("{c.name}_{key}_r", {c.name}_{key}_r, {n + SENTINEL});']
    return "\n".join(lines + ["", "int main(void) {", *body, "    return 0;", "}", ""])


def _ew_variant_ops(target_name: str, suffix: str) -> list[str]:
    folder = ODL_DIR / VARIANT[target_name]
    return [op for op in EW_OPS if (folder / f"mf_odl_{op}_{suffix}.c").is_file()]


def _ew_run(target_name: str, suffix: str, cases: list[EwCase], work: Path, bench: bool):
    """As _run, for the element-wise primitives."""
    ops = _ew_variant_ops(target_name, suffix)
    records, regions = _build_run(target_name, suffix, work, _ew_program(cases, suffix, ops, bench), ops,
                                  _ew_renames, f"ew_variants_{suffix}", bench)
    return records, regions, ops


@pytest.mark.parametrize("name,suffix", EW_CASES, ids=[f"{n}-{s}" for n, s in EW_CASES])
def test_elementwise_variant_bit_exact_with_ref(name, suffix, tmp_path):
    ops = _ew_variant_ops(name, suffix)
    cases = _ew_cases(SUFFIX[suffix][0])
    got, _, ops = _ew_run(name, suffix, cases, tmp_path, bench=False)
    checked, differ = 0, []
    for c in cases:
        if c.op not in ops:
            continue
        for key in [*c.outputs, *c.masks]:
            v, r = got[f"{c.name}_{key}_v"], got[f"{c.name}_{key}_r"]
            checked += 1
            if v != r:
                vv, rr = v.split(","), r.split(",")
                at = [i for i, (a, b) in enumerate(zip(vv, rr)) if a != b]
                differ.append(f"{c.name}_{key}: {len(at)} of {len(vv)} differ, first at {at[0]}: "
                              f"variant {vv[at[0]]}, ref {rr[at[0]]}")
    assert not differ, f"{name} {suffix} ({', '.join(ops)}):\n" + "\n".join(differ)
    print(f"{name} {suffix}: {checked} outputs of {', '.join(ops)} bit-identical with ref")


def _ew_bench_cases(dtype) -> list[EwCase]:
    """clip fw over 25x5x64, global average pool of 25x5x64, sgd over 4,096 (momentum, decay)."""
    rng = np.random.default_rng(13)
    u = lambda *s: rng.uniform(-1, 1, s).astype(dtype)
    n = 25 * 5 * 64
    return [
        EwCase("b_clip", "act", "{f}_clip_fw(8000, 0.0f, 6.0f, {x}, {out});", {"x": u(n) * 8}, {"out": n}),
        EwCase("b_gap", "pool", "{f}_avg_pool_fw(&{p}, {x}, {out});", {"x": u(25, 5, 64)}, {"out": 64},
               param="{25, 5, 64, 1, 1, 25, 5, 1, 1, 0, 0}"),
        EwCase("b_sgd", "sgd", "{f}_sgd(4096, 0.01f, 0.9f, 0.0005f, {w}, {m}, {g});", {"g": u(4096)},
               {"w": u(4096), "m": u(4096)}),
    ]


@pytest.mark.parametrize("name", list(VARIANT))
def test_elementwise_variant_instructions(name, tmp_path):
    """Instruction counts (printed) of the element-wise bench calls, ref -> variant: each faster."""
    slower = []
    for suffix in EW_SUFFIXES:
        for c in _ew_bench_cases(SUFFIX[suffix][0]):
            if c.op not in _ew_variant_ops(name, suffix):
                continue
            recs, regions, _ = _ew_run(name, suffix, [c], tmp_path / suffix / c.name, bench=True)
            counts = [r[1] for r in regions]
            assert len(counts) == 2, counts
            for key in c.outputs:
                assert recs[f"{c.name}_{key}"] == "0", f"{name} {suffix} {c.name}_{key} differs from ref"
            ref, var = counts[1], counts[0]
            print(f"{name} {suffix:4s} {c.name:7s} ref {ref:>9d}  variant {var:>9d}  x{ref / var:5.1f}")
            if var >= ref:
                slower.append(f"{suffix} {c.name}")
    assert not slower, f"variants slower than ref on {name}: {slower}"
