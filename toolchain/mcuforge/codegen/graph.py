"""The lowered model as a flat list of kernel calls: which fused kernel runs, on which tensors.

After the pass pipeline, Relax's main function is a sequence of call_tir bindings, calls of
functions bound to mcuforge's kernels (codegen/bound.py) and reshapes; this module reads it
into `Step`s over `Tensor`s (the model input, constants, intermediates, the
output) and refuses anything else with a message naming what it found. A reshape costs nothing:
its result is a "view", a tensor with its own shape on its base tensor's memory."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tvm import ir, relax

from ..errors import UnsupportedOp
from .bound import BoundOp, is_bound, read_bound

CONSTANTS = (ir.expr.Constant, ir.expr.GenericConst)
DTYPE_BYTES = {"float32": 4, "float16": 2, "int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8}


@dataclass
class Tensor:
    id: int
    kind: str  # "input" | "const" | "buffer" | "output" | "view" | "state" (kept between calls)
    shape: tuple[int, ...]
    dtype: str
    data: np.ndarray | None = field(default=None, repr=False)  # constants; state: its value at reset
    base: "Tensor | None" = field(default=None, repr=False)  # views only: the tensor they alias

    @property
    def storage(self) -> "Tensor":
        """The tensor whose memory this one uses (itself, or the root of a chain of views)."""
        return self.base.storage if self.base is not None else self

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * DTYPE_BYTES[self.dtype]


@dataclass
class Step:
    index: int
    kernel: str  # global symbol of the fused PrimFunc, or the bound mcuforge kernel
    args: list[Tensor]  # inputs then the output (TVM's destination-passing style)
    bound: BoundOp | None = None  # a bound kernel: args are its inputs, weights, bias, output


@dataclass
class Graph:
    tensors: list[Tensor]
    steps: list[Step]
    input: Tensor
    output: Tensor
    # state kept between calls: (the state tensor, the tensor its next value is in), copied
    # into the state at the end of each call
    updates: list[tuple[Tensor, Tensor]] = field(default_factory=list)

    @property
    def states(self) -> list[Tensor]:
        return [state for state, _ in self.updates]


def _tensor_sinfo(sinfo, what: str) -> tuple[tuple[int, ...], str]:
    if not isinstance(sinfo, relax.TensorType) or sinfo.shape is None:
        raise UnsupportedOp(f"{what} is not a tensor of static shape ({sinfo})")
    shape, dtype = tuple(int(d) for d in sinfo.shape.values), str(sinfo.dtype)
    if dtype not in DTYPE_BYTES:
        raise UnsupportedOp(f"{what} has dtype {dtype}, which mcuforge does not support")
    return shape, dtype


def _data(const) -> np.ndarray:
    return (const.value if isinstance(const, ir.expr.GenericConst) else const.data).numpy()


def read_graph(mod, state: tuple[np.ndarray, ...] = ()) -> Graph:
    """The call sequence of `mod`'s main function. A stateful model's main takes (input,
    *state) and returns (output, *next state); `state` holds each state's value at reset."""
    main = mod["main"]
    tensors: list[Tensor] = []
    env: dict = {}  # relax.Var -> Tensor
    consts: dict = {}  # constant (hashed by object identity, like env) -> Tensor

    def new(kind, shape, dtype, data=None, base=None) -> Tensor:
        t = Tensor(len(tensors), kind, shape, dtype, data, base)
        tensors.append(t)
        return t

    if len(main.params) != 1 + len(state):
        raise UnsupportedOp(f"the model has {len(main.params) - len(state)} inputs; mcuforge needs exactly one")
    shape, dtype = _tensor_sinfo(main.params[0].ty, "the model input")
    inp = new("input", shape, dtype)
    env[main.params[0]] = inp
    for param, initial in zip(main.params[1:], state):
        shape, dtype = _tensor_sinfo(param.ty, f"the state {param.name}")
        env[param] = new("state", shape, dtype, np.asarray(initial, dtype).reshape(shape))

    def value_of(expr) -> Tensor:
        if isinstance(expr, CONSTANTS):
            key = expr  # not id(): Python wrappers are short-lived and their ids get reused
            if key not in consts:
                data = _data(expr)
                consts[key] = new("const", tuple(data.shape), str(data.dtype), data)
            return consts[key]
        if isinstance(expr, relax.Var) and expr in env:
            return env[expr]
        raise UnsupportedOp(f"unsupported argument in the lowered graph: {type(expr).__name__} {expr}")

    def bound_step(index: int, func, call, var) -> Step:
        """A call of a bound kernel: its non-constant arguments are the inputs (one, two for an
        add); the constants are stored as the kernel wants them (new tensors), not as imported."""
        activations = [value_of(a) for a in call.args if not isinstance(a, CONSTANTS)]
        shape, dtype = _tensor_sinfo(var.ty, "the result of a bound kernel")
        op = read_bound(func, [_data(a) if isinstance(a, CONSTANTS) else None for a in call.args], shape, dtype)
        assert len(activations) == op.inputs, f"{op.kernel}: {len(activations)} inputs"
        arrays = [new("const", tuple(a.shape), str(a.dtype), a) for a in op.arrays.values()]
        out = new("buffer", shape, dtype)
        env[var] = out
        return Step(index, op.kernel, [*activations, *arrays, out], op)

    steps: list[Step] = []
    for block in main.body.blocks:
        for binding in block.bindings:
            value = binding.value
            if isinstance(value, relax.Call) and isinstance(value.op, ir.GlobalVar) and is_bound(mod[value.op]):
                steps.append(bound_step(len(steps), mod[value.op], value, binding.var))
            elif isinstance(value, relax.Call) and value.op.name == "relax.call_tir":
                kernel = value.args[0].name_hint
                args = [value_of(a) for a in value.args[1].fields]
                shape, dtype = _tensor_sinfo(value.ty_args[0], f"the result of {kernel}")
                out = new("buffer", shape, dtype)
                steps.append(Step(len(steps), kernel, [*args, out]))
                env[binding.var] = out
            elif isinstance(value, relax.Call) and value.op.name == "relax.reshape":
                base = value_of(value.args[0])
                shape, dtype = _tensor_sinfo(binding.var.ty, "a reshape")
                env[binding.var] = new("view", shape, dtype, base=base)
            elif isinstance(value, relax.Tuple) and len(value.fields) == 1:
                env[binding.var] = value_of(value.fields[0])
            elif isinstance(value, relax.Tuple):  # a stateful model's results: read at the end
                env[binding.var] = value
            elif isinstance(value, relax.TupleGetItem) and value.tuple_value in env:
                held = env[value.tuple_value]
                env[binding.var] = value_of(held.fields[value.index]) if isinstance(held, relax.Tuple) else held
            elif isinstance(value, relax.Var):
                env[binding.var] = value_of(value)
            else:
                what = value.op.name if isinstance(value, relax.Call) and hasattr(value.op, "name") else type(value).__name__
                raise UnsupportedOp(f"the operator {what} has no kernel: TVM could not lower it to TIR")
    result = main.body.body
    if isinstance(result, relax.Var) and isinstance(env.get(result), relax.Tuple):
        result = env[result]
    fields = list(result.fields) if isinstance(result, relax.Tuple) else [result]
    if len(fields) != 1 + len(state):
        raise UnsupportedOp(f"the model has {len(fields) - len(state)} outputs; mcuforge needs exactly one")
    out = value_of(fields[0])
    root = out.storage
    if root.kind != "buffer":
        raise UnsupportedOp("the model output is not computed by any kernel (it is the input or a constant)")
    root.kind = "output"  # the last kernel writes straight into the caller's buffer
    states = [env[p] for p in main.params[1:]]
    updates = [(s, value_of(f)) for s, f in zip(states, fields[1:])]
    return Graph(tensors, steps, inp, out, updates)
