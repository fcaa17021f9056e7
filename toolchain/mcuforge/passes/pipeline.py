"""Named, ordered pass pipelines. Each entry is (name, pass factory); `run_pipeline` applies
them in order. The pipelines end in a module whose main function is a straight sequence of
call_tir calls to fused kernels, which codegen/ turns into C.

Every pipeline starts by turning TIR calls the importers wrote for plain ops (ONNX's Clip as
      topi maximum / minimum) back into Relax ops (te_calls_as_ops.py).
fp32: fold batch norm into the preceding convolution's weights and bias (fold_batch_norm.py),
      decompose the remaining inference-only ops (other batch norms become per-channel
      arithmetic), legalize every
      Relax op into TIR, fold constants (weight transposes disappear), fuse each anchor op with
      its elementwise followers into one kernel, turn copy-only reshape kernels into reshapes
      (views on the same memory, no code), drop dead code, name the kernels.
fp16: the same, with ToMixedPrecision first: fp16 weights and activations; matmul/conv
      accumulate in fp16 (out_dtype="float16"): the default on targets with fp16 arithmetic.
fp16-acc32: matmul/conv accumulate in fp32 (out_dtype="float32"), each result cast to fp16:
      the default on targets that only convert (Cortex-M4/M7 VCVTB/VCVTT), and --accumulate fp32.
fp32+mcuforge, fp16+mcuforge, fp16-acc32+mcuforge: the same with mcuforge's hand-written
      kernels bound where they match (bind_kernels.py, just before legalization: conv2d and
      conv1d, depthwise conv2d, dense, residual add, each with its activation, and average
      pooling; with fp32 accumulation conv2d and dense bind the _f16_acc32 kernels and depthwise
      convolutions stay TVM's code); clips become maximum/minimum (clip_as_min_max.py:
      elementwise ops that ConvertLayout and ToMixedPrecision handle), and for fp16 the batch
      norms are folded into the convolutions before the conversion to fp16, so that conv + bias
      + activation match.
"""

from __future__ import annotations

from typing import Callable

import tvm
from tvm import relax

from ..errors import CompileError, McuforgeError
from .bind_kernels import BindKernels
from .clip_as_min_max import ClipAsMinMax
from .fold_batch_norm import FoldBatchNorm
from .te_calls_as_ops import TeCallsAsOps

Pass = tvm.transform.Pass

# First of every pipeline: what the importers wrote as TIR calls that are plain ops (ONNX's Clip).
_IMPORTED = [("te-calls-as-ops", lambda: TeCallsAsOps)]
_LOWER: list[tuple[str, Callable[[], Pass]]] = [
    ("fold-constants", relax.transform.FoldConstant),  # bias reshapes -> constants, for the next
    ("fold-batch-norm", lambda: FoldBatchNorm),
    ("decompose-for-inference", relax.transform.DecomposeOpsForInference),
    ("canonicalize", relax.transform.CanonicalizeBindings),
    ("legalize", relax.transform.LegalizeOps),
    ("annotate-op-patterns", relax.transform.AnnotateTIROpPattern),
    ("fold-constants", relax.transform.FoldConstant),
    ("fuse-ops", relax.transform.FuseOps),
    ("fuse-tir", relax.transform.FuseTIR),
    ("reshape-as-view", relax.transform.RewriteDataflowReshape),
    ("dead-code", relax.transform.DeadCodeElimination),
    ("global-symbols", relax.transform.AttachGlobalSymbol),
]

_TO_FP16 = {"fp16": [("to-fp16", lambda: relax.transform.ToMixedPrecision(out_dtype="float16"))],
            "fp16-acc32": [("to-fp16", lambda: relax.transform.ToMixedPrecision(out_dtype="float32"))]}
PIPELINES: dict[str, list[tuple[str, Callable[[], Pass]]]] = {
    "fp32": [*_IMPORTED, *_LOWER],
    **{name: [*_IMPORTED, *to_fp16, *_LOWER] for name, to_fp16 in _TO_FP16.items()},
}


def _with_bound_kernels(steps: list[tuple[str, Callable[[], Pass]]]) -> list[tuple[str, Callable[[], Pass]]]:
    at = [name for name, _ in steps].index("legalize")
    return [*steps[:at], ("bind-kernels", lambda: BindKernels), *steps[at:]]


_CLIPS = [("clip-as-min-max", lambda: ClipAsMinMax)]
PIPELINES["fp32+mcuforge"] = _with_bound_kernels([*_IMPORTED, *_LOWER[:2], *_CLIPS, *_LOWER[2:]])
for _name, _to_fp16 in _TO_FP16.items():
    PIPELINES[f"{_name}+mcuforge"] = _with_bound_kernels([*_IMPORTED, *_LOWER[:2], *_CLIPS, *_to_fp16, *_LOWER[2:]])


def run_pipeline(mod: tvm.IRModule, name: str) -> tvm.IRModule:
    """Apply the pipeline; a pass that fails inside TVM is a CompileError naming the pass."""
    for step, factory in PIPELINES[name]:
        try:
            mod = factory()(mod)
        except McuforgeError:
            raise
        except Exception as exc:  # TVM's InternalError / TVMError: a gap or a bug in TVM
            text = str(exc).strip()
            raise CompileError(f"the compiler's pass {step} failed on this model ({name}): {type(exc).__name__}: "
                               f"{text.splitlines()[-1] if text else ''}",
                               hint="another precision (--precision fp32) or --kernels tvm may avoid the pass; "
                                    "please report it with the model") from None
    return mod
