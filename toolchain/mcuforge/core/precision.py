"""The precision registry: each precision a model compiles to, the path that compiles it (the
float path through TVM, codegen/; the integer path, integer/) and the bound its outputs are held
to against their reference. The one place that knows which precision takes which path."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import McuforgeError


@dataclass(frozen=True)
class Precision:
    name: str
    path: str  # the module that compiles it: compile_file(model, target, precision, out, kernels, accumulate)
    # Largest accepted max|target - reference| / max|reference|; 0: bit-exact. fp32: only the order
    # of float additions differs from the framework. fp16: storage and arithmetic in binary16 (unit
    # roundoff 2^-11 ~ 4.9e-4) through every layer, or fp16 storage with fp32 accumulation
    # (--accumulate fp32), within the same bound; see the bounds table in docs/compiler.md.
    tolerance: float
    quantized: bool = False  # needs a quantized model file (int8 .tflite, .mfq)

    @property
    def exact(self) -> bool:
        return self.tolerance == 0

    def compile_file(self, model: str, target, out_dir: Path, kernels: str, accumulate: str | None,
                     hop: int | None = None, **options):
        """options: what only this path takes (the spiking path's timesteps, trace, events); an
        option another path does not take is an error naming it."""
        import inspect

        module = importlib.import_module(f"mcuforge.{self.path}")
        takes = inspect.signature(module.compile_file).parameters
        for key in options:
            if key not in takes:
                raise McuforgeError(f"--{key} is for spiking models; {model} is a {self.name} model")
        return module.compile_file(model, target, self.name, out_dir, kernels, accumulate, hop, **options)


PRECISIONS = {
    "fp32": Precision("fp32", "codegen.compiler", 1e-5),
    "fp16": Precision("fp16", "codegen.compiler", 3e-2),
    "int8": Precision("int8", "integer.compiler", 0.0, quantized=True),
    # spiking networks: int8 weights, fixed-point membranes, spikes bit for bit (snn/)
    "snn": Precision("snn", "snn.compiler", 0.0, quantized=True),
}
TOLERANCE = {p.name: p.tolerance for p in PRECISIONS.values()}


def quantized_file(model: str) -> bool:
    """An int8 .tflite or an .mfq file (the integer path's inputs)."""
    from ..integer.tflm import is_int8_tflite

    lower = model.lower()
    return lower.endswith(".mfq") or (lower.endswith(".tflite") and Path(model).is_file()
                                      and is_int8_tflite(Path(model)))


def quantized_precision(model: str) -> str:
    """snn for an .mfq file holding a spiking network, else int8."""
    from ..integer.serialize import archive_format
    from ..snn.serialize import FORMAT

    lower = model.lower()
    return "snn" if lower.endswith(".mfq") and Path(model).is_file() and archive_format(Path(model)) == FORMAT \
        else "int8"


def resolve_precision(model: str, precision: str) -> str:
    """The precision `model` compiles to: `precision`, or for "auto" the one its file implies
    (the quantized precision for quantized files, else fp32); a clear error for a mismatch."""
    quantized = quantized_file(model)
    default = quantized_precision(model)
    if precision == "auto":
        return default if quantized else "fp32"
    if precision not in PRECISIONS:
        raise McuforgeError(f"unknown precision {precision!r}", hint=f"choose one of auto, {', '.join(PRECISIONS)}")
    if PRECISIONS[precision].quantized and quantized and precision != default:
        raise McuforgeError(f"{model} is an {default} model; it compiles with --precision {default} (the default)")
    if PRECISIONS[precision].quantized and not quantized:
        raise McuforgeError(f"{model}: --precision {precision} needs a quantized model",
                            hint="int8 .tflite or .mfq files; quantize PyTorch models with `mcuforge quantize`")
    if not PRECISIONS[precision].quantized and quantized:
        raise McuforgeError(f"{model} is an {default} model; it compiles with --precision {default} (the default)")
    return precision
