"""A NumPy interpreter of float TFLite graphs: the reference mcuforge checks float .tflite
models against (float64 arithmetic, int8 weights dequantized per channel, TFLite's padding and
pooling rules). It covers the operators of the MLPerf Tiny float models and common CNNs; any
other operator is reported by name."""

from __future__ import annotations

import numpy as np

from ..errors import ModelError, UnsupportedOp

FLOAT32, INT32, INT8, INT64 = 0, 2, 9, 4
_OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 9: "FULLY_CONNECTED",
        17: "MAX_POOL_2D", 22: "RESHAPE", 25: "SOFTMAX", 18: "MUL", 19: "RELU", 21: "RELU6",
        14: "LOGISTIC", 28: "TANH", 40: "MEAN", 6: "DEQUANTIZE"}
_ACT = {0: lambda x: x, 1: lambda x: np.maximum(x, 0), 2: lambda x: np.clip(x, -1, 1),
        3: lambda x: np.clip(x, 0, 6), 4: np.tanh}


def _options(op, cls_name: str):
    import importlib

    cls = getattr(importlib.import_module(f"tflite.{cls_name}"), cls_name)
    table = op.BuiltinOptions()
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return opts


def _same_pads(size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _pad_hw(x, padding: int, kh: int, kw: int, sh: int, sw: int, dh: int = 1, dw: int = 1, value=0.0):
    if padding != 0:  # VALID
        return x
    (t, b), (l, r) = _same_pads(x.shape[1], kh, sh, dh), _same_pads(x.shape[2], kw, sw, dw)
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _windows(x, kh, kw, sh, sw, dh=1, dw=1):
    """(N, OH, OW, KH, KW, C) view of sliding windows."""
    if min(kh, kw, sh, sw, dh, dw) < 1:  # the view would reach outside x
        raise ValueError(f"window {kh}x{kw}, strides {sh}x{sw}, dilations {dh}x{dw}")
    n, h, w, c = x.shape
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, kh, kw, c), (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)


class TfliteGraph:
    def __init__(self, model, source: str):
        self.model, self.source = model, source
        self.g = model.Subgraphs(0)
        self.values: dict[int, np.ndarray] = {}  # constant tensors, float64 (weights dequantized)
        self.dequantized_weights: dict[int, np.ndarray] = {}  # int8 weights -> float32, for TVM
        self.ops = []
        for i in range(self.g.OperatorsLength()):
            op = self.g.Operators(i)
            code = model.OperatorCodes(op.OpcodeIndex())
            kind = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            name = _OPS.get(kind)
            if name is None:
                raise UnsupportedOp(f"{source}: operator {i} has TFLite builtin code {kind}, which "
                                    "mcuforge's TFLite reader does not support",
                                    hint="supported: " + ", ".join(sorted(set(_OPS.values()))))
            self.ops.append((name, op))
        for i in range(self.g.InputsLength()):
            if self.g.Tensors(self.g.Inputs(i)).Type() != FLOAT32:
                raise ModelError(f"{source}: the input is not float32: this is a quantized model",
                                 hint="int8 .tflite models go through the integer path (--precision int8)")
        self._load_constants()

    def _load_constants(self) -> None:
        """Every constant tensor as an array. Every tensor's name, shape and quantization are
        read here, as TVM's importer reads them, so that a damaged file fails here, as damaged."""
        from .tflite import checked_shape

        for i in range(self.g.TensorsLength()):
            t = self.g.Tensors(i)
            name = t.Name().decode()
            q = t.Quantization()
            scale = q.ScaleAsNumpy().astype(np.float64) if q is not None and q.ScaleLength() else None
            zero = q.ZeroPointAsNumpy().astype(np.float64) if q is not None and q.ZeroPointLength() else None
            data = self.model.Buffers(t.Buffer()).DataAsNumpy()
            if not isinstance(data, np.ndarray) or data.size == 0:
                checked_shape(self.source, i, t)
                continue
            dtype = {FLOAT32: np.float32, INT32: np.int32, INT8: np.int8, INT64: np.int64}.get(t.Type())
            if dtype is None:
                raise ModelError(f"{self.source}: constant tensor {name} has TFLite type {t.Type()}")
            shape = checked_shape(self.source, i, t, data.size, np.dtype(dtype).itemsize)
            value = np.frombuffer(data.tobytes(), dtype=dtype).reshape(shape)
            if t.Type() == INT8:
                if scale is None:
                    raise ModelError(f"{self.source}: int8 constant {name} has no scale")
                zero = zero if zero is not None else np.zeros_like(scale)
                axis = q.QuantizedDimension()
                bshape = [1] * value.ndim
                if scale.size > 1:
                    bshape[axis] = scale.size
                deq = (value.astype(np.float64) - zero.reshape(bshape)) * scale.reshape(bshape)
                self.dequantized_weights[i] = deq.astype(np.float32)
                value = deq.astype(np.float32)
            self.values[i] = value.astype(np.float64) if value.dtype.kind == "f" else value

    def _spec(self, index: int):
        from .tflite import tensor_spec

        return tensor_spec(self.g, index)

    def input_spec(self):
        if self.g.InputsLength() != 1:
            raise ModelError(f"{self.source}: {self.g.InputsLength()} inputs; mcuforge needs exactly one")
        return self._spec(self.g.Inputs(0))

    def output_spec(self):
        if self.g.OutputsLength() != 1:
            raise ModelError(f"{self.source}: {self.g.OutputsLength()} outputs; mcuforge needs exactly one")
        return self._spec(self.g.Outputs(0))

    def run(self, x: np.ndarray) -> np.ndarray:
        """The model's output for input `x`; a ModelError where the file's operators and shapes
        contradict each other (a damaged file that TVM still imported)."""
        from .tflite import DAMAGE, damaged

        env = dict(self.values)
        env[self.g.Inputs(0)] = np.asarray(x, np.float64).reshape(self.input_spec().shape)
        try:
            for index, (name, op) in enumerate(self.ops):
                ins = [env[j] if j >= 0 else None for j in op.InputsAsNumpy()]
                out_index = int(op.Outputs(0))
                out_shape = tuple(int(d) for d in self.g.Tensors(out_index).ShapeAsNumpy())
                env[out_index] = getattr(self, f"_op_{name.lower()}")(op, ins, out_shape)
                if env[out_index].shape != out_shape:
                    raise ValueError(f"operator {index} ({name}) computes shape {env[out_index].shape}, "
                                     f"the file says {out_shape}")
            return env[self.g.Outputs(0)].astype(np.float32)
        except DAMAGE as exc:
            raise damaged(self.source, exc) from None

    # --- operators (NHWC) ---
    def _op_conv_2d(self, op, ins, out_shape):
        o = _options(op, "Conv2DOptions")
        x, w = ins[0], ins[1]  # w: O, KH, KW, I
        dh, dw = o.DilationHFactor(), o.DilationWFactor()
        xp = _pad_hw(x, o.Padding(), w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), dh, dw)
        win = _windows(xp, w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), dh, dw)
        y = np.einsum("nhwijc,oijc->nhwo", win, w, optimize=True)
        if len(ins) > 2 and ins[2] is not None:
            y = y + ins[2]
        return _ACT[o.FusedActivationFunction()](y)

    def _op_depthwise_conv_2d(self, op, ins, out_shape):
        o = _options(op, "DepthwiseConv2DOptions")
        x, w = ins[0], ins[1]  # w: 1, KH, KW, C*M
        m = w.shape[3] // x.shape[3]  # from the shapes, not the option: a wrong one would size arrays
        dh, dw = o.DilationHFactor(), o.DilationWFactor()
        xp = _pad_hw(x, o.Padding(), w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), dh, dw)
        win = _windows(xp, w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), dh, dw)
        win = np.repeat(win, m, axis=5)  # output channel c*M+k reads input channel c
        y = np.einsum("nhwijc,ijc->nhwc", win, w[0], optimize=True)
        if len(ins) > 2 and ins[2] is not None:
            y = y + ins[2]
        return _ACT[o.FusedActivationFunction()](y)

    def _pool(self, op, ins, reduce):
        o = _options(op, "Pool2DOptions")
        x = ins[0]
        kh, kw, sh, sw = o.FilterHeight(), o.FilterWidth(), o.StrideH(), o.StrideW()
        mask = np.ones(x.shape[:3] + (1,))
        pad_value = -np.inf if reduce == "max" else 0.0
        xp = _pad_hw(x, o.Padding(), kh, kw, sh, sw, value=pad_value)
        win = _windows(xp, kh, kw, sh, sw)
        if reduce == "max":
            y = win.max(axis=(3, 4))
        else:  # TFLite averages over the valid (unpadded) elements only
            counts = _windows(_pad_hw(mask, o.Padding(), kh, kw, sh, sw), kh, kw, sh, sw).sum(axis=(3, 4))
            y = win.sum(axis=(3, 4)) / counts
        return _ACT[o.FusedActivationFunction()](y)

    def _op_average_pool_2d(self, op, ins, out_shape):
        return self._pool(op, ins, "avg")

    def _op_max_pool_2d(self, op, ins, out_shape):
        return self._pool(op, ins, "max")

    def _op_fully_connected(self, op, ins, out_shape):
        o = _options(op, "FullyConnectedOptions")
        x, w = ins[0], ins[1]
        y = x.reshape(-1, w.shape[1]) @ w.T
        if len(ins) > 2 and ins[2] is not None:
            y = y + ins[2]
        return _ACT[o.FusedActivationFunction()](y).reshape(out_shape)

    def _op_reshape(self, op, ins, out_shape):
        return ins[0].reshape(out_shape)

    def _op_softmax(self, op, ins, out_shape):
        beta = _options(op, "SoftmaxOptions").Beta()
        z = beta * ins[0]
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def _op_add(self, op, ins, out_shape):
        return _ACT[_options(op, "AddOptions").FusedActivationFunction()](ins[0] + ins[1])

    def _op_mul(self, op, ins, out_shape):
        return _ACT[_options(op, "MulOptions").FusedActivationFunction()](ins[0] * ins[1])

    def _op_relu(self, op, ins, out_shape):
        return np.maximum(ins[0], 0)

    def _op_relu6(self, op, ins, out_shape):
        return np.clip(ins[0], 0, 6)

    def _op_logistic(self, op, ins, out_shape):
        return 1 / (1 + np.exp(-ins[0]))

    def _op_tanh(self, op, ins, out_shape):
        return np.tanh(ins[0])

    def _op_mean(self, op, ins, out_shape):
        axes = tuple(int(a) for a in np.atleast_1d(ins[1]))
        return ins[0].mean(axis=axes, keepdims=True).reshape(out_shape)

    def _op_dequantize(self, op, ins, out_shape):
        return ins[0].astype(np.float64)
