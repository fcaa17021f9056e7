"""Static memory planning for the arena that holds every intermediate tensor and every kernel
workspace.

Algorithm: greedy by size, as TensorFlow Lite Micro's GreedyMemoryPlanner and TVM's USMP
greedy_by_size. Each buffer lives from the step that writes it to the last step that reads it
(a kernel workspace lives during its own step only). Buffers are placed largest first (ties:
earlier first, then by name, so the plan is deterministic); each goes at the lowest offset
where it overlaps, in address, no already placed buffer that is alive at the same time.
Offsets and sizes are multiples of ALIGN bytes. `check()` verifies that no two buffers that
are alive at the same step share a byte; it runs on every plan.

Overlaps (in-place layers): a kernel that walks its output in order and has read every input
byte it still needs before it writes over it can write its output into its own input, from
`lag` bytes below the input's start, at the step where the input dies (its last reader). An
Overlap declares that; the planner then places the two buffers as one group at that fixed
distance (the group's members keep their own lifetimes), and `check()` accepts exactly that
sharing. Groups chain (an output that overlaps its input is the input of the next in-place
layer). The planner plans with and without the overlaps and keeps the smaller arena.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIGN = 16


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass(frozen=True)
class Buffer:
    name: str
    size: int  # bytes
    first: int  # first step that uses it (writes it)
    last: int  # last step that uses it

    def alive_with(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class Overlap:
    """`output` may start `lag` bytes (or more) below `input` and share its memory at the step
    that writes `output`, which must be the last step that reads `input`."""
    input: str
    output: str
    lag: int


@dataclass(frozen=True)
class Placement:
    buffer: Buffer
    offset: int

    @property
    def end(self) -> int:
        return self.offset + align(self.buffer.size)


@dataclass(frozen=True)
class MemoryPlan:
    placements: tuple[Placement, ...]
    steps: int
    overlaps: tuple[Overlap, ...] = ()

    @property
    def arena_size(self) -> int:
        return max((p.end for p in self.placements), default=0)

    @property
    def naive_size(self) -> int:
        """What the buffers take without reuse: the sum of their (aligned) sizes."""
        return sum(align(p.buffer.size) for p in self.placements)

    def offset(self, name: str) -> int:
        return next(p.offset for p in self.placements if p.buffer.name == name)

    def check(self) -> None:
        """Raise AssertionError if two buffers alive at the same step overlap in memory, unless
        an Overlap allows it: the input dies at the step that writes the output, and the output
        starts at least `lag` bytes below the input."""
        ps = self.placements
        allowed = {(o.input, o.output): o.lag for o in self.overlaps}
        for i, a in enumerate(ps):
            for b in ps[i + 1:]:
                if a.buffer.alive_with(b.buffer) and a.offset < b.end and b.offset < a.end:
                    if not any(_shares(x, y, allowed) for x, y in ((a, b), (b, a))):
                        raise AssertionError(f"memory plan overlap: {a} and {b}")

    def render_ascii(self, width: int = 64) -> str:
        """One line per step: which buffers occupy which part of the arena (like TFLM's
        PrintMemoryPlan). Each buffer has a letter; '.' is free."""
        size = max(self.arena_size, 1)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        order = sorted(self.placements, key=lambda p: (p.buffer.first, p.offset))
        key = {p.buffer.name: letters[i % len(letters)] for i, p in enumerate(order)}
        lines = [f"arena {self.arena_size:,} B (naive sum {self.naive_size:,} B), "
                 f"one column = {size / width:,.0f} B"]
        for step in range(self.steps):
            row = ["."] * width
            for p in self.placements:
                if p.buffer.first <= step <= p.buffer.last:
                    lo = p.offset * width // size
                    hi = max(lo + 1, -(-p.end * width // size))
                    for c in range(lo, min(hi, width)):
                        row[c] = key[p.buffer.name]
            lines.append(f"{step:4d} |{''.join(row)}|")
        lines.append("buffers: " + ", ".join(f"{key[p.buffer.name]}={p.buffer.name} "
                                             f"({p.buffer.size:,} B @ {p.offset:,})" for p in order))
        return "\n".join(lines)


def _shares(inp: Placement, out: Placement, allowed: dict[tuple[str, str], int]) -> bool:
    lag = allowed.get((inp.buffer.name, out.buffer.name))
    return (lag is not None and inp.buffer.last == out.buffer.first
            and out.offset + lag <= inp.offset)


def _groups(buffers: list[Buffer], overlaps: tuple[Overlap, ...]) -> list[list[tuple[Buffer, int]]]:
    """The buffers as groups of (buffer, offset inside the group): one per buffer, joined by the
    overlaps (each output `align(lag)` below its input); offsets start at 0."""
    by_name = {b.name: b for b in buffers}
    rel: dict[str, tuple[int, int]] = {b.name: (i, 0) for i, b in enumerate(buffers)}  # name -> (group, offset)
    for o in overlaps:
        (gi, ri), (go, ro) = rel[o.input], rel[o.output]
        if gi == go:
            continue  # already placed relative to each other
        shift = ri - align(o.lag) - ro  # move the output's group so the output sits lag below
        rel.update({n: (gi, r + shift) for n, (g, r) in rel.items() if g == go})
    groups: dict[int, list[tuple[Buffer, int]]] = {}
    for name, (g, r) in rel.items():
        groups.setdefault(g, []).append((by_name[name], r))
    out = []
    for members in groups.values():
        low = min(r for _, r in members)
        out.append(sorted(((b, r - low) for b, r in members), key=lambda m: (m[1], m[0].name)))
    return out


def _place(buffers: list[Buffer], steps: int, overlaps: tuple[Overlap, ...]) -> MemoryPlan:
    placed: list[Placement] = []
    groups = _groups(buffers, overlaps)
    groups.sort(key=lambda g: (-max(align(b.size) for b, _ in g), min(b.first for b, _ in g), g[0][0].name))
    for group in groups:
        # the lowest offset where no member overlaps a placed buffer alive at the same time
        candidates = sorted({0} | {p.end - r for p in placed for _, r in group if p.end >= r})
        for offset in candidates:
            if all(not (p.buffer.alive_with(b) and p.offset < offset + r + align(b.size) and offset + r < p.end)
                   for b, r in group for p in placed):
                break
        placed.extend(Placement(b, offset + r) for b, r in group)
    plan = MemoryPlan(tuple(sorted(placed, key=lambda p: (p.offset, p.buffer.name))), steps, overlaps)
    plan.check()
    return plan


def plan_greedy_by_size(buffers: list[Buffer], steps: int, overlaps: tuple[Overlap, ...] = ()) -> MemoryPlan:
    """Greedy by size; with overlaps, the smaller of the plans with and without them (ties:
    without)."""
    plain = _place(buffers, steps, ())
    if not overlaps:
        return plain
    shared = _place(buffers, steps, tuple(overlaps))
    return shared if shared.arena_size < plain.arena_size else plain


@dataclass(frozen=True)
class StatePlan:
    """The state storage: tensors a model keeps between calls, each at its own offset for the
    program's whole life (never reused, unlike the arena), in the order given."""
    placements: tuple[Placement, ...] = ()

    @property
    def size(self) -> int:
        return max((p.end for p in self.placements), default=0)

    def offset(self, name: str) -> int:
        return next(p.offset for p in self.placements if p.buffer.name == name)

    def render_ascii(self) -> str:
        lines = [f"state: {self.size} B, kept between calls (set by mf_model_reset)"]
        lines += [f"  {p.buffer.name:<8} @ {p.offset:>7}  {p.buffer.size:>7} B" for p in self.placements]
        return "\n".join(lines)


def plan_state(sizes: dict[str, int]) -> StatePlan:
    """One after the other, aligned: state is alive from reset to the program's end."""
    placements, offset = [], 0
    for name, size in sizes.items():
        placements.append(Placement(Buffer(name, size, 0, 0), offset))
        offset += align(size)
    return StatePlan(tuple(placements))
