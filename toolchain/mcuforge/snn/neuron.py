"""One time step of a layer of neurons: the recurrence of snnTorch 1.0.0's `Leaky`, `RLeaky` and
`Synaptic`, written once. The same function runs in three arithmetics, given as `Arith`:

- float (snnTorch's own semantics, to check against snnTorch and to train);
- the integer specification (NumPy int64: the host reference the C matches bit for bit);
- quantization-aware training (PyTorch float64 holding the same integers, with straight-through
  gradients).

The recurrence, from snnTorch's code (its documentation disagrees in places):

    R  = U[t-1] > theta                        the reset comes from the previous membrane
    Y  = alpha * Y[t-1] + I                    (Synaptic only; its current feeds the membrane)
    D  = I  (Leaky),  I + V(S[t-1]) (RLeaky),  Y (Synaptic)
    U  = beta * U' + D,  with U' = (1 - R) U[t-1] for a Leaky reset to zero, else U[t-1]
    subtract: U -= R * theta;  zero (RLeaky, Synaptic): U = (1 - R) U;  none: nothing
    S  = U > theta                             strictly greater
    reset_delay=False: U -= (S - R) * theta (subtract) or (S - R) * U (zero)

In integers, beta and alpha are Q15 (beta_q = round(beta * 2^15)) and the leak rounds half up:
leak(u) = (u * beta_q + 2^14) >> 15, an arithmetic shift (floor). The membrane and Y are stored
saturated to their type (int16 or int32) at the end of each step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Arith:
    """How one arithmetic computes the recurrence's parts."""
    leak: Callable[[Any, str], Any]  # leak(u, "beta"|"alpha")
    fire: Callable[[Any], Any]  # S = U > theta, as 0/1 (with a surrogate gradient where training)
    crossed: Callable[[Any], Any]  # R = U[t-1] > theta, as 0/1, no gradient
    saturate: Callable[[Any, str], Any]  # saturate(u, "mem"|"syn"): the stored value
    theta: Any


def neuron_step(kind: str, reset: str, delay: bool, state: dict, current, recurrent, a: Arith):
    """One step: `state` holds "mem" (and "syn" for Synaptic, "spk" for RLeaky) and is updated in
    place; `current` is this step's input current I; `recurrent(spk)` is V(S[t-1]) for RLeaky.
    Returns the spikes."""
    mem = state["mem"]
    r = a.crossed(mem)
    if kind == "synaptic":
        state["syn"] = a.saturate(a.leak(state["syn"], "alpha") + current, "syn")
        drive = state["syn"]
    elif kind == "rleaky":
        drive = current + recurrent(state["spk"])
    else:
        drive = current
    if kind == "leaky" and reset == "zero":
        mem = (1 - r) * mem
    mem = a.leak(mem, "beta") + drive
    if reset == "subtract":
        mem = mem - r * a.theta
    elif reset == "zero" and kind != "leaky":
        mem = (1 - r) * mem
    spk = a.fire(mem)
    if not delay and reset != "none":
        d = spk - r
        mem = mem - d * (a.theta if reset == "subtract" else mem)
    state["mem"] = a.saturate(mem, "mem")
    if kind == "rleaky":
        state["spk"] = spk
    return spk
