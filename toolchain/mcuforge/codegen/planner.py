"""Static memory planning for the arena that holds every intermediate tensor and every kernel
workspace.

Algorithm: greedy by size, as TensorFlow Lite Micro's GreedyMemoryPlanner and TVM's USMP
greedy_by_size. Each buffer lives from the step that writes it to the last step that reads it
(a kernel workspace lives during its own step only). Buffers are placed largest first (ties:
earlier first, then by name, so the plan is deterministic); each goes at the lowest offset
where it overlaps, in address, no already placed buffer that is alive at the same time.
Offsets and sizes are multiples of ALIGN bytes. `check()` verifies that no two buffers that
are alive at the same step share a byte; it runs on every plan.
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
        """Raise AssertionError if two buffers alive at the same step overlap in memory."""
        ps = self.placements
        for i, a in enumerate(ps):
            for b in ps[i + 1:]:
                if a.buffer.alive_with(b.buffer) and a.offset < b.end and b.offset < a.end:
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


def plan_greedy_by_size(buffers: list[Buffer], steps: int) -> MemoryPlan:
    placed: list[Placement] = []
    for buf in sorted(buffers, key=lambda b: (-align(b.size), b.first, b.name)):
        offset = 0
        for other in sorted((p for p in placed if p.buffer.alive_with(buf)), key=lambda p: p.offset):
            if offset + align(buf.size) <= other.offset:
                break  # fits in the gap below `other`
            offset = max(offset, other.end)
        placed.append(Placement(buf, offset))
    plan = MemoryPlan(tuple(sorted(placed, key=lambda p: (p.offset, p.buffer.name))), steps)
    plan.check()
    return plan
