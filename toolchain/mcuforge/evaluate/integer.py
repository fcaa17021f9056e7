"""The batched integer evaluator: an integer graph (QGraph) lowered once onto PyTorch tensors on a
device, computing many samples at once and bit-identical to the integer reference and to every
MCU target.

Exact by construction:
- Multiply-adds (convolutions, depthwise convolutions, dense layers) run as float matrix
  products or direct convolutions of the offset inputs (x + input offset, at most 255 in
  magnitude) with the int8 weights. Every product and every partial sum, in whatever order the
  library adds them, is an integer no larger in magnitude than
      bound = max|x + input offset| * max over output channels of sum|w|,
  computed per layer from its weights. A float32 holds every integer below 2^24 and a float64
  every integer below 2^53, so the layer runs in float32 when bound < 2^24, else in float64:
  no sum is ever rounded. This holds for algorithms that only add products (direct convolution,
  matrix products), not for Winograd or FFT convolutions, which transform the operands first:
  on CPU the convolutions go to oneDNN's direct convolution (PyTorch's CPU path); on CUDA they
  run as matrix products (`macs="gemm"`: unfold, then cuBLAS), never cuDNN's convolutions, and
  with TF32 and every reduced-precision mode off.
- Everything after the sums -- bias, requantization, activation clamp, adds, pooling, softmax --
  is the device's integer arithmetic: on CPU the firmware's own C (native.py: mf_fixedpoint.h and
  the reference kernels, built for the host); on other devices the same arithmetic in int64
  tensors (integer/fixedpoint.py, the NumPy reference's own functions).

Both choices can be forced (`macs=`, `requant=`), which is how the CUDA path is tested on CPU."""

from __future__ import annotations

import contextlib
import ctypes
from dataclasses import dataclass

import numpy as np

from ..errors import McuforgeError, UnsupportedOp
from ..integer.emit import struct_fields
from ..integer.fixedpoint import mbqm, rdbp, srdhm
from ..integer.graph import QGraph, QOp
from ..integer.ops import add as add_op
from ..integer.ops import softmax as softmax_op

FLOAT32_EXACT, FLOAT64_EXACT = 2 ** 24, 2 ** 53
DEFAULT_BATCH = 256  # samples per pass: large enough for BLAS, small enough for the cache


def torch_device(name: str):
    """The torch.device for --device; a clear error when CUDA is asked for and absent."""
    import torch

    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            why = (f"this PyTorch ({torch.__version__}) is built without CUDA" if torch.version.cuda is None
                   else "PyTorch finds no CUDA GPU on this machine")
            raise McuforgeError(f"--device {name}: {why}",
                                hint="use --device cpu (the same bits, computed on the CPU), or install a CUDA "
                                     "build of PyTorch on a machine with an NVIDIA GPU")
        return torch.device(name)
    raise McuforgeError(f"unknown device {name!r}", hint="--device cpu or --device cuda")


@contextlib.contextmanager
def ieee_float32():
    """float32 as IEEE float32 in every library PyTorch calls: no TF32, no bf16."""
    import torch

    knobs = [torch.backends.cuda.matmul, torch.backends.cudnn.conv, torch.backends.mkldnn.matmul,
             torch.backends.mkldnn.conv]
    saved = [k.fp32_precision for k in knobs]
    try:
        for k in knobs:
            k.fp32_precision = "ieee"
        yield
    finally:
        for k, v in zip(knobs, saved):
            k.fp32_precision = v


@dataclass
class Step:
    op: QOp
    run: object  # (tensors of the op's inputs) -> its output tensor


class IntegerEvaluator:
    """evaluator(inputs) -> outputs: int8 arrays (N, *input shape[1:]) -> (N, *output shape[1:])."""

    def __init__(self, graph: QGraph, device: str = "cpu", batch: int = DEFAULT_BATCH,
                 macs: str | None = None, requant: str | None = None):
        import torch

        if graph.input.shape[0] != 1:
            raise UnsupportedOp(f"the integer graph's input has a batch of {graph.input.shape[0]}; "
                                "the evaluator batches samples itself",
                                hint="export the model with a batch of 1")
        self.graph, self.device, self.batch = graph, torch_device(device), max(1, int(batch))
        cpu = self.device.type == "cpu"
        self.macs = macs or ("direct" if cpu else "gemm")
        self.requant = requant or ("native" if cpu else "torch")
        if self.requant == "native" and not cpu:
            raise McuforgeError("the native requantization runs on the CPU only", hint="requant='torch'")
        if self.requant == "native":
            from . import native

            self.native = native.library()
        self.float_dtypes: dict[int, str] = {}  # op index -> the float type of its sums
        self.steps = [Step(op, self._lower(op)) for op in graph.ops]
        self.checked = False  # the first sample of the first call is checked against the reference

    # -- lowering ---------------------------------------------------------------------------
    def _lower(self, op: QOp):
        lower = getattr(self, f"_{op.kind}", None)
        if lower is None:
            raise UnsupportedOp(f"operator {op.index} is {op.kind}, which the batched evaluator lacks",
                                hint="evaluate this model on the host target instead: "
                                     "`mcuforge run MODEL -t host -n N`")
        return lower(op)

    def _tensor(self, a, dtype=None):
        import torch

        return torch.as_tensor(np.ascontiguousarray(a), device=self.device, dtype=dtype)

    def _float_type(self, op: QOp, w: np.ndarray):
        """float32 if every sum of the layer stays below 2^24 in magnitude, else float64."""
        import torch

        off = op.params["input_offset"]
        bound = max(abs(-128 + off), abs(127 + off)) * int(np.abs(w.reshape(len(w), -1)).sum(axis=1).max())
        if bound >= FLOAT64_EXACT:
            raise UnsupportedOp(f"operator {op.index} ({op.kind}): sums up to {bound}, beyond exact float64")
        exact32 = bound < FLOAT32_EXACT
        self.float_dtypes[op.index] = "float32" if exact32 else "float64"
        return torch.float32 if exact32 else torch.float64

    def _requantizer(self, op: QOp):
        """(float sums (rows, channels), contiguous) -> int8, as the kernels end."""
        import torch

        p = op.params
        if self.requant == "native":
            bias, mult, shift = (np.ascontiguousarray(p[k], np.int32) for k in ("bias", "multiplier", "shift"))
            from .native import in_parallel, pointer

            def native(acc):
                out = torch.empty(acc.shape, dtype=torch.int8)
                fn = self.native.mf_eval_requantize_f32 if acc.dtype == torch.float32 else \
                    self.native.mf_eval_requantize_f64
                channels, size = acc.shape[1], acc.element_size()

                def part(start, rows):
                    fn(acc.data_ptr() + start * channels * size, rows, channels, pointer(bias), pointer(mult),
                       pointer(shift), p["output_offset"], p["act_min"], p["act_max"],
                       out.data_ptr() + start * channels)
                in_parallel(acc.shape[0], part)
                return out
            return native
        bias, mult, shift = (self._tensor(np.asarray(p[k], np.int64)) for k in ("bias", "multiplier", "shift"))

        def in_torch(acc):
            y = mbqm(acc.to(torch.int64) + bias, mult, shift) + p["output_offset"]
            return y.clamp(p["act_min"], p["act_max"]).to(torch.int8)
        return in_torch

    def _widener(self, offset: int, dtype):
        """(int8 NHWC x, top, bottom, left, right) -> float (x + offset), zero-padded."""
        import torch
        import torch.nn.functional as F

        if self.requant != "native":
            return lambda x, t, b, l, r: F.pad(x.to(dtype) + offset, (0, 0, l, r, t, b))
        from .native import in_parallel

        fn = self.native.mf_eval_widen_f32 if dtype == torch.float32 else self.native.mf_eval_widen_f64

        def native(x, top, bottom, left, right):
            x = x.contiguous()
            n, h, w, c = x.shape
            out = torch.empty((n, h + top + bottom, w + left + right, c), dtype=dtype)
            sample_in, sample_out = x[0].numel(), out[0].numel() * out.element_size()

            def part(start, count):
                fn(x.data_ptr() + start * sample_in, count, h, w, c, offset, top, bottom, left, right,
                   out.data_ptr() + start * sample_out)
            in_parallel(n, part)
            return out
        return native

    def _conv(self, op: QOp, weights: np.ndarray, groups: int):
        """Convolution with torch weights (O, I/groups, KH, KW) int64, NHWC in and out."""
        import torch
        import torch.nn.functional as F

        p = op.params
        dtype = self._float_type(op, weights)
        o, _, kh, kw = weights.shape
        w = self._tensor(weights, dtype)
        if self.macs == "direct":
            w = w.contiguous(memory_format=torch.channels_last)
        (_, ih, iw, c), (_, oh, ow, _) = op.inputs[0].shape, op.output.shape
        (sh, sw), (dh, dw), (ph, pw) = p["stride"], p["dilation"], p["pad"]
        pad_h = max((oh - 1) * sh + (kh - 1) * dh + 1 - ih - ph, 0)
        pad_w = max((ow - 1) * sw + (kw - 1) * dw + 1 - iw - pw, 0)
        requantize, widen = self._requantizer(op), self._widener(p["input_offset"], dtype)
        multiplier = o // c if groups > 1 else 1
        depthwise_native = None
        if groups > 1 and self.macs == "direct" and self.requant == "native":  # 5x oneDNN's here
            from .native import in_parallel

            fn = self.native.mf_eval_depthwise_f32 if dtype == torch.float32 else self.native.mf_eval_depthwise_f64
            w_taps = self._tensor(weights[:, 0].transpose(1, 2, 0), dtype)  # KH, KW, C*M

            def depthwise_native(xp, b):
                out = torch.empty((b, oh, ow, o), dtype=dtype)
                hp, wp = xp.shape[1], xp.shape[2]
                size_in, size_out = hp * wp * c * xp.element_size(), oh * ow * o * out.element_size()
                in_parallel(b, lambda s, n: fn(xp.data_ptr() + s * size_in, n, hp, wp, c, multiplier,
                                               w_taps.data_ptr(), kh, kw, sh, sw, dh, dw, oh, ow,
                                               out.data_ptr() + s * size_out))
                return out.reshape(-1, o)

        def run(x):
            b = x.shape[0]
            xf = widen(x, ph, pad_h, pw, pad_w).permute(0, 3, 1, 2)
            if depthwise_native is not None:
                return requantize(depthwise_native(xf.permute(0, 2, 3, 1), b)).reshape(b, oh, ow, o)
            if self.macs == "direct":
                acc = F.conv2d(xf, w, stride=(sh, sw), dilation=(dh, dw), groups=groups)
                acc = acc[:, :, :oh, :ow]
            else:
                cols = F.unfold(xf, (kh, kw), dilation=(dh, dw), stride=(sh, sw))  # (B, C*KH*KW, L)
                rows_out = (xf.shape[2] - (kh - 1) * dh - 1) // sh + 1
                if groups == 1:
                    acc = w.reshape(o, -1) @ cols
                else:  # per input channel: its taps times its `multiplier` filters
                    acc = torch.einsum("bctl,cmt->bcml", cols.reshape(b, c, kh * kw, -1),
                                       w.reshape(c, multiplier, kh * kw))
                acc = acc.reshape(b, o, rows_out, -1)[:, :, :oh, :ow]
            acc = acc.permute(0, 2, 3, 1).reshape(-1, o).contiguous()
            return requantize(acc).reshape(b, oh, ow, o)
        return run

    def _conv2d(self, op: QOp):
        return self._conv(op, op.params["weights"].astype(np.int64).transpose(0, 3, 1, 2), groups=1)

    def _depthwise_conv2d(self, op: QOp):
        w = op.params["weights"][0].astype(np.int64)  # KH, KW, C*M
        return self._conv(op, w.transpose(2, 0, 1)[:, None], groups=op.inputs[0].shape[3])

    def _fully_connected(self, op: QOp):
        p = op.params
        weights = p["weights"].astype(np.int64) + p["filter_offset"]  # units x depth
        dtype = self._float_type(op, weights)
        w_t = self._tensor(weights.T, dtype)
        requantize, widen, depth = self._requantizer(op), self._widener(p["input_offset"], dtype), weights.shape[1]
        shape = op.output.shape[1:]

        def run(x):
            acc = widen(x.reshape(-1, 1, 1, depth), 0, 0, 0, 0).reshape(-1, depth) @ w_t
            return requantize(acc.contiguous()).reshape(x.shape[0], *shape)
        return run

    def _add(self, op: QOp):
        """The add of two int8 tensors as a table of every input pair, filled by the device's add
        kernel (native) or by the integer reference: one lookup per element."""
        import torch

        pairs = np.stack(np.meshgrid(np.arange(-128, 128), np.arange(-128, 128), indexing="ij"), -1)
        a, b = (np.ascontiguousarray(pairs[..., i].reshape(-1), np.int8) for i in (0, 1))
        if self.requant == "native":
            from .native import AddParams, in_parallel, int32_pointer, pointer

            tables = {k: np.ascontiguousarray(v, np.int32) for k, v in add_op.input_tables(op).items()}
            params = AddParams.of({**struct_fields(op), "size": 0}, table1=int32_pointer(tables["table1"]),
                                  table2=int32_pointer(tables["table2"]))
            table = np.empty(len(a), np.int8)
            self._check(self.native.mf_eval_add(ctypes.byref(params), len(a), pointer(a), pointer(b),
                                                pointer(table)), op)

            def native(x, y):
                x, y = x.contiguous(), y.contiguous()
                out = torch.empty_like(x)
                in_parallel(x.numel(), lambda s, n: self.native.mf_eval_lookup2(
                    pointer(table), n, pointer(x) + s, pointer(y) + s, pointer(out) + s), grain=64)
                return out
            native.table = table
            return native
        table = self._tensor(add_op.reference(op, a, b))

        def in_torch(x, y):
            return table[(x.to(torch.int64) + 128) * 256 + (y.to(torch.int64) + 128)]
        return in_torch

    def _pool(self, op: QOp, is_max: bool):
        import torch
        import torch.nn.functional as F

        p = op.params
        (kh, kw), (sh, sw), (ph, pw) = p["filter"], p["stride"], p["pad"]
        (_, ih, iw, c), (_, oh, ow, _) = op.inputs[0].shape, op.output.shape
        if self.requant == "native":
            from .native import PoolParams, in_parallel, pointer

            params = PoolParams.of(struct_fields(op))

            def native(x):
                x = x.contiguous()
                out = torch.empty((x.shape[0], oh, ow, c), dtype=torch.int8)
                size_in, size_out = ih * iw * c, oh * ow * c
                in_parallel(x.shape[0], lambda s, n: self._check(self.native.mf_eval_pool(
                    int(is_max), ctypes.byref(params), n, pointer(x) + s * size_in, pointer(out) + s * size_out), op))
                return out
            return native
        pads = (pw, max((ow - 1) * sw + kw - iw - pw, 0), ph, max((oh - 1) * sh + kh - ih - ph, 0))
        ones = F.pad(torch.ones((1, 1, ih, iw), device=self.device), pads)
        counts = F.avg_pool2d(ones, (kh, kw), (sh, sw), divisor_override=1)[:, :, :oh, :ow].to(torch.int64)

        def in_torch(x):
            xf = x.permute(0, 3, 1, 2).to(torch.float32)  # sums of at most 2^16 int8 values: exact
            if is_max:
                y = F.max_pool2d(F.pad(xf, pads, value=-1000.0), (kh, kw), (sh, sw))[:, :, :oh, :ow]
                y = y.to(torch.int64)
            else:
                acc = F.avg_pool2d(F.pad(xf, pads), (kh, kw), (sh, sw), divisor_override=1)[:, :, :oh, :ow]
                acc, half = acc.to(torch.int64), counts // 2
                y = torch.where(acc > 0, (acc + half) // counts, -((half - acc) // counts))  # C's division
            return y.clamp(p["act_min"], p["act_max"]).to(torch.int8).permute(0, 2, 3, 1).contiguous()
        return in_torch

    def _avg_pool2d(self, op: QOp):
        return self._pool(op, is_max=False)

    def _max_pool2d(self, op: QOp):
        return self._pool(op, is_max=True)

    def _softmax(self, op: QOp):
        import torch

        shape = op.output.shape[1:]
        if self.requant == "native":
            from .native import SoftmaxParams, pointer

            params = SoftmaxParams.of(struct_fields(op))
            depth = op.output.shape[-1]

            def native(x):
                x = x.contiguous()
                out = torch.empty_like(x)
                self._check(self.native.mf_eval_softmax(ctypes.byref(params), x.numel() // depth, pointer(x),
                                                        pointer(out)), op)
                return out
            return native
        return lambda x: softmax_op.reference(op, x).reshape(x.shape[0], *shape)

    def _reshape(self, op: QOp):
        shape = op.output.shape[1:]
        return lambda x: x.reshape(x.shape[0], *shape)

    def _check_first(self, x: np.ndarray, got: np.ndarray) -> None:
        """A guard on the libraries underneath: the first sample against the integer reference."""
        from ..integer.tflite_int8 import run_reference

        want = run_reference(self.graph, x).reshape(got.shape)
        if not np.array_equal(got, want):
            raise McuforgeError(f"the evaluator ({self.macs} sums, {self.requant} requantization, {self.device}) "
                                f"differs from the integer reference on its first sample ({int(np.sum(got != want))} "
                                "outputs): a library underneath rounded a sum",
                                hint="report it; evaluate on the host target meanwhile (`mcuforge run -t host`)")
        self.checked = True

    @staticmethod
    def _check(status: int, op: QOp) -> None:
        if status != 0:
            raise McuforgeError(f"operator {op.index} ({op.kind}): the native kernel returned {status}")

    # -- running ----------------------------------------------------------------------------
    def __call__(self, inputs: np.ndarray, progress=None) -> np.ndarray:
        """The int8 outputs of int8 `inputs` (N, *input shape[1:]). progress(done, total) after
        each batch."""
        import torch

        inputs = np.ascontiguousarray(inputs, np.int8).reshape(-1, *self.graph.input.shape[1:])
        n = len(inputs)
        out = np.empty((n, *self.graph.output.shape[1:]), np.int8)
        with torch.inference_mode(), ieee_float32():
            for start in range(0, n, self.batch):
                x = torch.from_numpy(inputs[start:start + self.batch]).to(self.device)
                env = {self.graph.input.id: x}
                for step in self.steps:
                    env[step.op.output.id] = step.run(*(env[t.id] for t in step.op.inputs))
                out[start:start + len(x)] = env[self.graph.output.id].cpu().numpy()
                if not self.checked:
                    self._check_first(inputs[0], out[0])
                if progress is not None:
                    progress(min(start + self.batch, n), n)
        return out
