"""Measures the spiking synapse kernels' instructions on QEMU cores and fits the cost model that
`--events auto` uses (toolchain/mcuforge/snn/compiler.py: COST), printing its rows.

    python bench/snn_costs.py [TARGET...]     (default: one target per kernel variant)

For nine layer shapes (n_in -> n_out) a one-layer network is compiled with the dense and with
the event-driven synapse; the dense one runs once, the event-driven one at 0, 1/16, 1/4 and 1/2
of its inputs spiking. Fitted by least squares on relative error:
    dense   n_out (d0 + d1 n_in) + d2
    events  e0 n_in + e1 n_out + spikes (e2 + e3 ceil(n_out / block)) + e4 groups
(groups: the groups of eight inputs holding a spike). It then lists the measured points where
the rule (events when predicted at most EVENT_MARGIN of dense) would have been slower than dense."""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolchain"))

SHAPES = [(64, 96), (512, 256), (256, 10), (96, 10), (1024, 32), (128, 512), (32, 8), (2312, 128), (200, 64)]
TARGETS = {"qemu-cortex-m4": "arm_dsp", "qemu-cortex-m55": "arm_mve", "qemu-rv32-zve32f-zvfh": "rvv",
           "qemu-rv32imac": "ref"}
BLOCK = {"arm_dsp": 8, "arm_mve": 32, "rvv": 32, "ref": 1}


def measure(target: str, work: Path) -> list[tuple[int, int, str, int, int]]:
    import snntorch as snn
    import torch
    from torch import nn

    from mcuforge.core.flow import run
    from mcuforge.snn.compiler import compile_snn
    from mcuforge.snn.graph import read_snntorch
    from mcuforge.snn.quantize import quantize_snn
    from mcuforge.target import load_target

    rows = []
    for n_in, n_out in SHAPES:
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(n_in, n_out), snn.Leaky(beta=0.9, init_hidden=True, output=True))
        calibration = (np.random.default_rng(0).random((2, 4, n_in)) < 0.2).astype(np.float32)
        g = quantize_snn(read_snntorch(net, (n_in,)), calibration)
        for events in ("dense", "events"):
            out = work / f"{target}-{n_in}-{n_out}-{events}"
            c = compile_snn(g, "cost", load_target(target), out, events=events)
            for k in (0,) if events == "dense" else (0, n_in // 16, n_in // 4, n_in // 2):
                x = np.zeros((1, n_in), np.int8)
                x[0, np.random.default_rng(1).permutation(n_in)[:k]] = 1
                r = run(c, x, out / "run", profile=True)
                assert r.ok, r.diff()
                rows.append((n_in, n_out, events, k, r.layer_insns[0]))
    return rows


def fit(rows, block: int):
    from mcuforge.snn.compiler import EVENT_MARGIN

    dense = [(i, o, c) for i, o, e, k, c in rows if e == "dense"]
    a = np.array([[o, o * i, 1] for i, o, _ in dense], float)
    y = np.array([c for *_, c in dense], float)
    d = np.linalg.lstsq(a / y[:, None], np.ones(len(y)), rcond=None)[0]
    events = [(i, o, k, c) for i, o, e, k, c in rows if e == "events"]
    b = np.array([[i, o, k, k * math.ceil(o / block), i / 8 * (1 - (1 - k / i) ** 8)] for i, o, k, _ in events], float)
    z = np.array([c for *_, c in events], float)
    e = np.linalg.lstsq(b / z[:, None], np.ones(len(z)), rcond=None)[0]
    measured_dense = {(i, o): c for i, o, c in dense}
    slower = [(i, o, k) for (i, o, k, c), row in zip(events, b) if k and row @ e <= EVENT_MARGIN * (
        o * (d[0] + d[1] * i) + d[2]) and c > measured_dense[(i, o)]]
    return d, e, slower


def main(targets: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for target in targets:
            variant = TARGETS.get(target, "ref")
            d, e, slower = fit(measure(target, Path(tmp)), BLOCK[variant])
            print(f'    "{variant}": ({BLOCK[variant]}, ({d[0]:.1f}, {d[1]:.3f}, {d[2]:.0f}), '
                  f'({e[0]:.2f}, {e[1]:.2f}, {e[2]:.1f}, {e[3]:.2f}, {e[4]:.0f})),  # {target}; '
                  f'auto slower than dense at {slower or "no measured point"}')


if __name__ == "__main__":
    main(sys.argv[1:] or list(TARGETS))
