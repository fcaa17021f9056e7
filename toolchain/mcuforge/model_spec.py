"""What a model argument names and how it compiles: the precision a file implies (int8 for int8
.tflite and .mfq files, else fp32) and the one call that compiles it for a target, whichever
path (float through TVM, or the integer path) that takes. Used by the CLI, deploy and HIL."""

from __future__ import annotations

from pathlib import Path

from .errors import McuforgeError
from .target import Target


def resolve_precision(model: str, precision: str) -> str:
    from .integer.tflm import is_int8_tflite

    int8_file = (model.lower().endswith(".mfq") or
                 (model.lower().endswith(".tflite") and Path(model).is_file() and is_int8_tflite(Path(model))))
    if precision == "auto":
        return "int8" if int8_file else "fp32"
    if precision == "int8" and not int8_file:
        raise McuforgeError(f"{model}: --precision int8 needs a quantized model",
                            hint="int8 .tflite or .mfq files; quantize PyTorch models with `mcuforge quantize`")
    if precision != "int8" and int8_file:
        raise McuforgeError(f"{model} is an int8 model; it compiles with --precision int8 (the default)")
    return precision


def load_int8_graph(model: str):
    from .integer.serialize import load_qgraph
    from .integer.tflite_int8 import read_int8_tflite

    if not Path(model).is_file():
        raise McuforgeError(f"model file not found: {model}")
    return load_qgraph(Path(model)) if model.lower().endswith(".mfq") else read_int8_tflite(Path(model))


def compile_spec(model: str, target: Target, precision: str, out_dir: Path, kernels: str = "mcuforge",
                 accumulate: str | None = None):
    """Compile `model` (a file or file.py:factory) for `target`: (compiled, precision, imported
    float model or None). kernels: "mcuforge" (the hand-written kernels where they bind), "tvm"
    (float: TVM's code throughout) or "ref" (int8: the portable kernels instead of the target's
    ISA variants); accumulate: fp16 models' accumulators (compiler.ACCUMULATE_CHOICES)."""
    precision = resolve_precision(model, precision)
    if precision == "int8":
        import dataclasses

        from .integer.compiler import compile_int8

        if accumulate is not None:
            raise McuforgeError("--accumulate is for fp16 models; int8 models accumulate in int32")
        if kernels == "tvm":
            raise McuforgeError("--kernels tvm: the integer path has no TVM code",
                                hint="--kernels ref compiles the portable reference kernels, for comparison")
        if kernels not in ("mcuforge", "ref"):
            raise McuforgeError(f"unknown kernels {kernels!r}", hint="choose one of mcuforge, tvm (float), ref (int8)")
        if kernels == "ref":  # the portable C baseline instead of the target's ISA variants
            target = dataclasses.replace(target, kernel_variants=("ref",))
        return compile_int8(load_int8_graph(model), Path(model).stem, target, out_dir), precision, None
    if kernels == "ref":
        raise McuforgeError("--kernels ref is for the integer path", hint="float models: --kernels mcuforge or tvm")
    from .compiler import compile_model
    from .frontend import load_model

    imported = load_model(model)
    return (compile_model(imported, target, precision, out_dir, kernels=kernels, accumulate=accumulate),
            precision, imported)
