"""PyTorch frontend: a factory in a Python file (returning the module and an example input) or a
saved torch.export program (.pt2), through torch.export and TVM's from_exported_program."""

from __future__ import annotations

import importlib.util
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

from ..errors import ModelError, UnsupportedOp
from .model import ImportedModel, StateSpec, TensorSpec, check_float_io

# torch 2.13 warns about its own pytree internals whenever an exported program is copied.
warnings.filterwarnings("ignore", message=r".*treespec, LeafSpec.*", category=FutureWarning)


def _user_frame(exc: BaseException, path: Path) -> str:
    """'file.py:LINE in func' of the deepest frame in the user's file, for error messages."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {path.name}:{f.lineno} in {f.name})"


def load_factory(path: Path, factory: str) -> ImportedModel:
    model, example = call_factory(path, factory)
    if "snntorch" in sys.modules:  # a spiking network steps through time: not a float graph
        from ..snn.flow import is_spiking

        if is_spiking(model):
            raise ModelError(f"{path}:{factory} is a spiking network (snnTorch); it compiles once quantized",
                             hint=f"mcuforge quantize {path}:{factory} --data file.py:fn -o net.mfq, then "
                                  "mcuforge compile|run net.mfq")
    return from_torch(model.eval(), example, name=f"{path.stem}.{factory}", source=f"{path}:{factory}")


def import_user_function(path: Path, name: str):
    """A function from the user's Python file, imported as `python file.py` would."""
    module_name = f"mcuforge_model_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ModelError(f"{path}: not a Python file that can be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.resolve().parent))  # as `python file.py` would: siblings import
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: report it, not our traceback
        raise ModelError(f"{path}: importing it raised {type(exc).__name__}: {exc}{_user_frame(exc, path)}") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    fn = getattr(module, name, None)
    if not callable(fn):
        known = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                 and getattr(v, "__module__", None) == module_name]
        raise ModelError(f"{path}: no function {name!r}", hint=f"functions in the file: {', '.join(known) or 'none'}")
    return fn


def split_data(fn, split: str, spec: str):
    """(inputs, labels) tensors of one split ("train" | "test") of a `--data file.py:function`
    recipe: function(split) yields (x, y) batches."""
    import torch

    try:
        batches = list(fn(split))
    except Exception as exc:
        raise ModelError(f"{spec}({split!r}) raised {type(exc).__name__}: {exc}") from None
    if not batches or not all(isinstance(b, (tuple, list)) and len(b) == 2 for b in batches):
        raise ModelError(f"{spec}({split!r}) must yield (inputs, labels) batches")
    return torch.cat([torch.as_tensor(b[0]) for b in batches]), torch.cat([torch.as_tensor(b[1]) for b in batches])


def call_factory(path: Path, factory: str):
    """(nn.Module in eval mode, example input) from a factory in the user's file."""
    import torch

    fn = import_user_function(path, factory)
    try:
        result = fn()
    except Exception as exc:
        raise ModelError(f"{path}:{factory}() raised {type(exc).__name__}: {exc}{_user_frame(exc, path)}") from None
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], torch.nn.Module)
            and isinstance(result[1], torch.Tensor)):
        raise ModelError(f"{path}:{factory}() must return (torch.nn.Module, example_input_tensor), "
                         f"got {type(result).__name__}")
    return result[0].eval(), result[1]


def load_exported(path: Path) -> ImportedModel:
    import torch

    try:
        ep = torch.export.load(str(path))
    except Exception as exc:
        raise ModelError(f"{path}: not a readable torch.export program ({type(exc).__name__}: {exc})",
                         hint="save one with torch.export.save(torch.export.export(model, (x,)), 'm.pt2')") from None
    example = _example_from_program(ep, str(path))
    return _from_program(ep, ep.module(), name=path.stem, source=str(path), example=example)


def _numpy_forward(module):
    """The module's forward pass on a float32 NumPy array, returning a NumPy array."""
    import torch

    def forward(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(np.ascontiguousarray(x))).detach().numpy()

    return forward


def _example_from_program(ep, source: str):
    import torch

    inputs = [s for s in ep.graph_signature.input_specs if s.kind.name == "USER_INPUT"]
    if len(inputs) != 1:
        raise ModelError(f"{source}: the program has {len(inputs)} inputs; mcuforge needs exactly one")
    node = next(n for n in ep.graph.nodes if n.op == "placeholder" and n.name == inputs[0].arg.name)
    val = node.meta["val"]
    return torch.zeros(tuple(int(d) for d in val.shape), dtype=val.dtype)


def from_torch(model, example, name: str, source: str) -> ImportedModel:
    import torch

    try:
        with warnings.catch_warnings():  # torch's own deprecation notices are not the user's concern
            warnings.simplefilter("ignore", FutureWarning)
            ep = torch.export.export(model, (example,))
    except Exception as exc:
        raise ModelError(f"{source}: torch.export could not trace the model: {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}",
                         hint="the forward pass must be traceable with static shapes (no data-dependent control flow)") from None

    return _from_program(ep, model, name, source, example)


def _unsupported_nodes(ep) -> list:
    from tvm.relax.frontend.torch.exported_program_translator import ExportedProgramImporter

    supported = ExportedProgramImporter().create_convert_map()
    bad = []
    for node in ep.graph.nodes:
        if node.op != "call_function":
            continue
        target = node.target.__name__ if hasattr(node.target, "__name__") else str(node.target)
        if target not in supported:
            bad.append((target, node))
    return bad


def _where(node) -> str:
    trace = (node.meta.get("stack_trace") or "").strip().splitlines()
    for line in reversed(trace):
        line = line.strip()
        if line.startswith("File "):
            return f" at {line}"
    return ""


def _step_function(module, state: list[str]):
    """The model as a function of (input, *state) -> (output, *next state): each buffer the
    forward pass updates becomes an input and an output (a copy of it is what the forward pass
    updates), so that the program TVM imports has no hidden mutation."""
    import torch

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.module = module

        def forward(self, x, *values):
            values = [v.clone() for v in values]
            y = torch.func.functional_call(self.module, dict(zip(state, values)), (x,))
            return (y, *values)

    return Step()


def _sequence_forward(module):
    """The model's outputs on a sequence of inputs, in order, from its initial state (a fresh
    copy of the module for each sequence)."""
    import copy

    def run(inputs: np.ndarray) -> np.ndarray:
        fresh = copy.deepcopy(module)
        forward = _numpy_forward(fresh)
        return np.stack([forward(np.asarray(x, np.float32)) for x in inputs])

    return run


def _with_state(ep, module, example, source: str):
    """(program, state specs, sequence reference) of a model that updates buffers in forward();
    (ep, (), None) of one that does not."""
    import torch

    state = sorted(set(ep.graph_signature.buffers_to_mutate.values()))
    if not state:
        return ep, (), None
    buffers = dict(module.named_buffers())
    initial = [buffers[name].detach().clone() for name in state]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            step = torch.export.export(_step_function(module, state), (example, *initial)).run_decompositions()
    except Exception as exc:
        raise ModelError(f"{source}: the model keeps state in its buffers {', '.join(state)}, and torch.export "
                         f"could not trace it as a step function: {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    specs = tuple(StateSpec(name, t.numpy().astype(np.float32)) for name, t in zip(state, initial))
    return step, specs, _sequence_forward(module)


def _from_program(ep, module, name: str, source: str, example) -> ImportedModel:
    """A model whose forward pass updates buffers (state kept between calls) becomes a step
    function of (input, *state) with the buffers' values at reset (ImportedModel.state), and a
    reference that runs sequences from that state."""
    import torch
    from tvm.relax.frontend.torch import from_exported_program

    bad = _unsupported_nodes(ep)
    if bad:
        op, node = bad[0]
        others = sorted({b[0] for b in bad[1:]} - {op})
        raise UnsupportedOp(
            f"{source}: the compiler cannot lower the operator {op} (node {node.name}){_where(node)}"
            + (f"; also unsupported: {', '.join(others)}" if others else ""),
            hint="replace it with supported operations in the model, or open an issue naming the operator")
    try:
        ep = ep.run_decompositions()
    except Exception as exc:
        raise UnsupportedOp(f"{source}: torch.export could not decompose the model: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    ep, state, sequence = _with_state(ep, module, example, source)
    reference = _numpy_forward(module) if sequence is None else (lambda x: sequence(np.asarray(x)[None])[0])
    try:
        mod = from_exported_program(ep, keep_params_as_input=False, run_ep_decomposition=False)
    except Exception as exc:
        raise UnsupportedOp(f"{source}: TVM could not import the model: {type(exc).__name__}: {exc}") from None
    out = reference(example.detach().numpy().astype(np.float32) if example.dtype == torch.float32 else example.numpy())
    if not isinstance(out, np.ndarray):
        raise ModelError(f"{source}: the model returns {type(out).__name__}; mcuforge needs one output tensor")
    inp = check_float_io(source, [TensorSpec("input", tuple(int(d) for d in example.shape), str(example.dtype).removeprefix("torch."))], "input")
    outp = check_float_io(source, [TensorSpec("output", tuple(out.shape), str(out.dtype))], "output")
    return ImportedModel(name=name, source=source, mod=mod, input=inp, output=outp, reference=reference,
                         state=state, sequence_reference=sequence)
