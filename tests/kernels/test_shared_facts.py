"""Facts the host and the kernels both hold, defined by the kernels and copied on the host,
checked to agree: for each int8 conv2d variant its weight layout (block, chunk, patch element
size, byte order) and the output pixels its nest computes together (mf_conv2d_s8_get_layout,
against integer/emit.py's conv_layout and integer/inplace.py's CONV_PIXELS, the in-place lag's
unit), its im2col scratch (mf_conv2d_s8_get_buffer_size, against emit.scratch_bytes), and the
float conv2d's scratch (mf_conv2d_f*_get_buffer_size, against codegen/bound.py's
conv_scratch_size). A small C program, built for a target of each variant with that variant's
mf_conv2d_s8.c, answers for many shapes: pointwise, padded on either side, odd channel counts,
patches that are not whole chunks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mcuforge.build import build_program
from mcuforge.build.kernels import kernel_source, kernel_variant
from mcuforge.codegen.bound import conv_scratch_size
from mcuforge.integer.emit import ConvLayout, blocked_weights, conv_layout, scratch_bytes, stored_weights
from mcuforge.integer.graph import QOp
from mcuforge.integer.inplace import CONV_PIXELS
from mcuforge.paths import KERNELS_DIR
from mcuforge.sim import run_program
from mcuforge.target import load_target

# conv2d variant -> a target that selects it (host: the portable ref/)
VARIANTS = {"ref": "host", "arm_dsp": "qemu-cortex-m4", "arm_mve": "qemu-cortex-m55", "rv32": "qemu-rv32imac",
            "rvv": "qemu-rv32-zve32f-zvfh"}
# (k_h, k_w), in_c, (pad_h, pad_w): pointwise and not, odd and whole-chunk channel counts
SHAPES = list(itertools.product([(1, 1), (3, 3), (1, 5), (5, 1), (2, 3)],
                                [1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 48, 64, 65],
                                [(0, 0), (1, 1), (0, 1), (1, 0)]))
FLOAT_IN_C = [1, 2, 3, 7, 8, 15, 16, 17, 33, 64, 255]


def _program(shapes) -> str:
    rows = ",\n".join(f"    {{{kh}, {kw}, {ic}, {ph}, {pw}}}" for (kh, kw), ic, (ph, pw) in shapes)
    in_cs = ", ".join(map(str, FLOAT_IN_C))
    return f"""#include "mf_kernels.h"
#include "mf_kernels_float.h"
#include "mf_runtime.h"

static const int16_t shapes[][5] = {{
{rows}
}};
static const int16_t float_in_c[] = {{{in_cs}}};

int main(void) {{
    const mf_conv_layout_s8 *l = mf_conv2d_s8_get_layout();
    mf_printf("@mf layout=%d,%d,%d,%d\\n", (int)l->block, (int)l->chunk, (int)l->element, (int)l->pixels);
    mf_printf("@mf order=");
    for (int i = 0; l->order && i < l->chunk; i++) mf_printf(i ? ",%d" : "%d", l->order[i]);
    mf_printf("\\n@mf scratch=");
    for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {{
        mf_conv_params_s8 p = {{0}};
        p.k_h = shapes[i][0], p.k_w = shapes[i][1], p.in_c = shapes[i][2];
        p.pad_h = shapes[i][3], p.pad_w = shapes[i][4];
        p.out_c = 5, p.in_h = p.in_w = p.out_h = p.out_w = 7, p.stride_h = p.stride_w = 1;
        p.dilation_h = p.dilation_w = 1, p.depth_multiplier = 1;
        mf_printf(i ? ",%d" : "%d", (int)mf_conv2d_s8_get_buffer_size(&p));
    }}
    mf_printf("\\n@mf float=");
    for (unsigned i = 0; i < sizeof float_in_c / sizeof float_in_c[0]; i++) {{
        mf_conv_params_f p = {{0}};
        p.in_c = float_in_c[i];
        mf_printf(i ? ",%d,%d,%d" : "%d,%d,%d", (int)mf_conv2d_f32_get_buffer_size(&p),
                  (int)mf_conv2d_f16_get_buffer_size(&p), (int)mf_conv2d_f16_acc32_get_buffer_size(&p));
    }}
    mf_printf("\\n");
    return 0;
}}
"""


def _op(k: tuple[int, int], in_c: int, pad: tuple[int, int], out_c: int = 5) -> QOp:
    """A conv2d with what the host's layout and scratch functions read: OHWI weights, padding."""
    return QOp(0, "conv2d", [], None, {"weights": np.zeros((out_c, *k, in_c), np.int8), "pad": pad})


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def answers(request, tmp_path_factory):
    """(variant, target, the C program's records) for each conv2d variant."""
    variant, target = request.param, load_target(VARIANTS[request.param])
    assert kernel_variant(target, "mf_conv2d_s8") == variant, f"{target.name} no longer selects {variant}"
    work = tmp_path_factory.mktemp(variant)
    (work / "main.c").write_text(_program(SHAPES))
    program = build_program(target, [work / "main.c", kernel_source(target, "mf_conv2d_s8")], work / "build",
                            name="facts", include_dirs=[KERNELS_DIR])
    return variant, target, run_program(program, timeout=60).check().records


def _layout(records) -> tuple[ConvLayout | None, int]:
    """The C layout as the host writes it (None: plain OHWI, no patches) and its pixels."""
    block, chunk, element, pixels = map(int, records["layout"].split(","))
    order = tuple(map(int, records["order"].split(","))) if records["order"] else None
    if (block, chunk, element, order) == (1, 1, 0, None):
        return None, pixels
    return ConvLayout(block, chunk, element, order), pixels


def test_conv_layout_matches_the_kernel(answers):
    variant, target, records = answers
    layout, pixels = _layout(records)
    assert conv_layout(_op((3, 3), 8, (1, 1)), target) == layout, variant
    # the in-place lag assumes groups of CONV_PIXELS pixels: a variant's groups must lie inside them
    assert 1 <= pixels <= CONV_PIXELS and CONV_PIXELS % pixels == 0, (variant, pixels)


def test_conv_scratch_matches_get_buffer_size(answers):
    variant, target, records = answers
    got = list(map(int, records["scratch"].split(",")))
    want = [scratch_bytes(_op(k, ic, pad), target) for k, ic, pad in SHAPES]
    bad = [(shape, g, w) for shape, g, w in zip(SHAPES, got, want) if g != w]
    assert not bad, f"{variant}: (shape, C, host) {bad[:5]}"
    assert variant == "ref" or any(got), variant  # the SIMD variants do plan patches


def test_blocked_weights_follow_the_kernel_layout(answers):
    """emit.blocked_weights stores filter o's element k where mf_conv_layout_s8 says the kernel
    reads it: chunk k // chunk of block o // block, row o % block, byte order.index(k % chunk)."""
    variant, target, records = answers
    layout, _ = _layout(records)
    if layout is None:  # ref/ reads plain OHWI weights, and they are stored so
        op = _op((3, 3), 5, (1, 1))
        assert stored_weights(op, target) is op.params["weights"], variant
        return
    rng = np.random.default_rng(3)
    for k, ic in [((1, 1), 17), ((3, 3), 3), ((2, 3), 5), ((1, 1), 32)]:
        op = _op(k, ic, (0, 0), out_c=7)
        w = op.params["weights"] = rng.integers(-128, 128, op.params["weights"].shape, dtype=np.int8)
        flat, patch = w.reshape(7, -1), -(-w[0].size // layout.chunk) * layout.chunk
        want = np.zeros(-(-7 // layout.block) * layout.block * patch, np.int8)
        order = list(layout.order or range(layout.chunk))
        for o, j in itertools.product(range(7), range(flat.shape[1])):
            at = ((o // layout.block) * (patch // layout.chunk) + j // layout.chunk) * layout.block * layout.chunk
            want[at + (o % layout.block) * layout.chunk + order.index(j % layout.chunk)] = flat[o, j]
        np.testing.assert_array_equal(blocked_weights(op, layout).reshape(-1), want, err_msg=f"{variant} {k} {ic}")


def test_float_conv_scratch_matches_get_buffer_size(answers):
    variant, _, records = answers
    got = np.array(list(map(int, records["float"].split(",")))).reshape(-1, 3)
    for in_c, (f32, f16, f16_acc32) in zip(FLOAT_IN_C, got):
        assert f32 == conv_scratch_size(in_c, "float32"), (variant, in_c)
        assert f16 == f16_acc32 == conv_scratch_size(in_c, "float16"), (variant, in_c)
