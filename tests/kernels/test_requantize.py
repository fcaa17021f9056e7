"""The Cortex-M DSP fast requantization (mf_dsp_requantize: SMMULR, add-and-shift rounding) is
bit-exact with the reference mf_requantize, including the inputs it hands back to it
(accumulators whose doubled, left-shifted value overflows) and every TFLite shift."""

from __future__ import annotations

import pytest

from mcuforge.build import build_program
from mcuforge.paths import KERNELS_DIR
from mcuforge.sim import run_program
from mcuforge.target import load_target

PROGRAM = """
#include "mf_dsp_dot.h"
#include "mf_runtime.h"

static const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, 123456, -123456, (1 << 29) - 1, -(1 << 29),
                             (1 << 30) - 1, 1 << 30, -(1 << 30), -(1 << 30) - 1, INT32_MAX, INT32_MIN, INT32_MIN + 1,
                             0x12345678, -0x12345678, 0x7FFF, -0x8000};
static const int32_t ms[] = {1 << 30, 0x40000001, 0x5A827999, 0x7FFFFFFF, 0x60000000, 0x4ABCDEF0};

int main(void) {
    int bad = 0;
    uint32_t seed = 1;
    for (int shift = -31; shift <= 8; shift++)
        for (unsigned m = 0; m < sizeof ms / sizeof ms[0]; m++) {
            for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++)
                bad += mf_dsp_requantize(xs[i], ms[m], shift) != mf_requantize(xs[i], ms[m], shift);
            for (int k = 0; k < 64; k++) { /* random accumulators of every magnitude */
                seed = seed * 1664525u + 1013904223u;
                int32_t x = (int32_t)seed >> (k % 31);
                bad += mf_dsp_requantize(x, ms[m], shift) != mf_requantize(x, ms[m], shift);
            }
        }
    return bad ? 1 : 0;
}
"""


@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-cortex-m7"])
def test_dsp_requantize_matches_the_reference(name, tmp_path):
    src = tmp_path / "requantize.c"
    src.write_text(PROGRAM)
    program = build_program(load_target(name), [src], tmp_path / "b", include_dirs=[KERNELS_DIR / "arm_dsp"])
    assert run_program(program).exit_code == 0
