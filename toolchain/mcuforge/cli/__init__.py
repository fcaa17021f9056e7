"""The `mcuforge` command line: one module per command group, each only parsing options and
printing what the flow (core/flow.py) and the tools return.

    info.py     version, doctor, targets, boards
    model.py    compile, run, report
    quant.py    quantize
    evaluate.py eval (the whole test split, as the device computes it)
    train.py    train (on-device learning)
    snn.py      snn train, snn export (spiking networks in float, NIR)
    device.py   deploy, hil, run-c, dot-bench
"""

from __future__ import annotations

from . import device, evaluate, info, model, quant, snn, train  # noqa: F401 (each registers its commands)
from .app import app


def main() -> None:  # pragma: no cover - console-script shim
    app()


__all__ = ["app", "main"]
