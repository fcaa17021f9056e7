"""The greedy-by-size memory planner on hand-made lifetimes."""

from __future__ import annotations

import pytest

from mcuforge.core.planner import Buffer, MemoryPlan, Overlap, Placement, plan_greedy_by_size


def test_chain_reuses_memory_of_dead_buffers():
    # a -> b -> c -> d: each buffer is read by the next step only
    bufs = [Buffer("a", 1000, 0, 1), Buffer("b", 2000, 1, 2), Buffer("c", 1000, 2, 3), Buffer("d", 500, 3, 4)]
    plan = plan_greedy_by_size(bufs, 5)
    # b (largest) at 0; a and c overlap b in time -> above it at 2000; d is alive only with c
    assert plan.offset("b") == 0
    assert plan.offset("a") == 2000 and plan.offset("c") == 2000
    assert plan.offset("d") == 0  # b is dead by step 3
    assert plan.arena_size == 2000 + 1008  # 1000 rounded up to 16
    assert plan.naive_size == 2000 + 1008 + 1008 + 512


def test_gap_between_buffers_is_used():
    bufs = [Buffer("big1", 4096, 0, 2), Buffer("big2", 4096, 0, 2), Buffer("mid", 1024, 0, 0),
            Buffer("late", 1024, 2, 2)]
    plan = plan_greedy_by_size(bufs, 3)
    assert plan.arena_size == 4096 * 2 + 1024
    assert plan.offset("late") == plan.offset("mid")  # mid is dead when late is born


def test_check_finds_an_overlap():
    a, b = Buffer("a", 100, 0, 1), Buffer("b", 100, 1, 2)
    bad = MemoryPlan((Placement(a, 0), Placement(b, 64)), 3)
    with pytest.raises(AssertionError, match="overlap"):
        bad.check()
    MemoryPlan((Placement(a, 0), Placement(b, 112)), 3).check()


def test_plan_is_deterministic_and_renders():
    bufs = [Buffer(f"t{i}", 100 * (i % 3 + 1), i, i + 2) for i in range(8)]
    p1, p2 = plan_greedy_by_size(bufs, 10), plan_greedy_by_size(list(reversed(bufs)), 10)
    assert p1 == p2
    text = p1.render_ascii(width=32)
    lines = text.splitlines()
    assert lines[0].startswith(f"arena {p1.arena_size:,} B")
    assert len(lines) == 1 + 10 + 1 and all(len(line) == 6 + 32 + 1 for line in lines[1:11])


def test_overlap_puts_the_output_lag_below_its_dying_input():
    # a -> b while x (a residual) stays alive: b is written over a, 48 bytes below it
    bufs = [Buffer("a", 1000, 0, 1), Buffer("b", 1000, 1, 2), Buffer("x", 1000, 0, 2)]
    assert plan_greedy_by_size(bufs, 3).arena_size == 3 * 1008
    plan = plan_greedy_by_size(bufs, 3, (Overlap("a", "b", 40),))  # 40 rounds up to 48
    assert plan.offset("a") - plan.offset("b") == 48
    assert plan.arena_size == 1008 + 48 + 1008
    assert plan.overlaps == (Overlap("a", "b", 40),)


def test_overlaps_chain_and_are_kept_only_when_smaller():
    bufs = [Buffer("a", 4096, 0, 1), Buffer("b", 4096, 1, 2), Buffer("c", 4096, 2, 3)]
    chain = (Overlap("a", "b", 64), Overlap("b", "c", 64))
    plan = plan_greedy_by_size(bufs, 4, chain)
    assert plan.offset("a") - plan.offset("b") == plan.offset("b") - plan.offset("c") == 64
    assert plan.arena_size == 4096 + 128
    # an overlap that saves nothing (the lag as large as the buffer) leaves the plain plan
    worse = plan_greedy_by_size(bufs, 4, (Overlap("a", "b", 4096),))
    assert worse.overlaps == () and worse == plan_greedy_by_size(bufs, 4)


def test_check_accepts_only_the_declared_overlap():
    a, b = Buffer("a", 256, 0, 1), Buffer("b", 256, 1, 2)
    ok = (Overlap("a", "b", 32),)
    MemoryPlan((Placement(a, 32), Placement(b, 0)), 3, ok).check()
    MemoryPlan((Placement(a, 64), Placement(b, 0)), 3, ok).check()  # further below is safe too
    with pytest.raises(AssertionError, match="overlap"):  # closer than the lag
        MemoryPlan((Placement(a, 16), Placement(b, 0)), 3, ok).check()
    with pytest.raises(AssertionError, match="overlap"):  # the input is still read after the step
        MemoryPlan((Placement(Buffer("a", 256, 0, 2), 32), Placement(b, 0)), 3, ok).check()
    with pytest.raises(AssertionError, match="overlap"):  # not declared
        MemoryPlan((Placement(a, 32), Placement(b, 0)), 3).check()
