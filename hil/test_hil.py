"""The HIL suite: the same tests on a real board and on QEMU boards (see conftest.py)."""

from __future__ import annotations

import numpy as np

from mcuforge.hil.session import throughput


def test_handshake_names_the_model(hil):
    info, model = hil.dut.info, hil.model
    assert info.board == hil.target.name
    assert info.model_hash == model.hash
    assert info.input_bytes == int(np.prod(model.input_shape)) * model.inputs(1).dtype.itemsize
    assert info.output_bytes % model.output_dtype.itemsize == 0
    assert info.arena_bytes == model.compiled.plan.arena_size
    assert info.layers == len(model.layer_names)


def test_link_carries_every_byte_value(hil):
    rng = np.random.default_rng(1)
    limit = hil.dut.info.max_data
    for n in (0, 1, 253, 254, 255, 509, limit):
        data = bytes(rng.integers(0, 256, n, dtype=np.uint8))
        if n > 2:
            data = b"\x00" + data[1:-1] + b"\x00"  # the frame delimiter inside the payload
        assert hil.dut.echo(data) == data


def test_outputs_match_the_host_reference(hil, request):
    n = request.config.getoption("--hil-inputs")
    xs = hil.model.inputs(n, seed=7)
    failures = []
    for i, x in enumerate(xs):
        got, _, _ = hil.infer(x)
        diff = hil.model.mismatch(got, hil.model.reference(x))
        if diff:
            failures.append(f"input {i}: {diff}")
    assert not failures, f"{hil.target.name}: the device disagrees with the host on {len(failures)} of {n} " \
                         "inputs:\n" + "\n".join(failures)


def test_latency_per_inference_and_per_layer(hil, report):
    got, answer, insns = hil.infer(hil.model.inputs(1, seed=3)[0])
    names = hil.model.layer_names
    if hil.emulated:  # a board's firmware on its emulated SoC: its own counter, as QEMU models it
        per_layer, total = answer.layer_cycles, answer.cycles
        assert len(per_layer) == len(names)
        if hil.dut.info.timer != "none":
            assert total > 0 and all(n > 0 for n in per_layer) and sum(per_layer) <= total
        assert len(insns) == len(names) and all(n > 0 for n in insns)  # and the plugin's count
        report["per_layer_instructions"] = list(zip(names, insns))
    elif hil.board is not None:  # QEMU: instructions per layer from the plugin
        assert len(insns) == len(names) and all(n > 0 for n in insns)
        per_layer, total = insns, sum(insns)
    else:  # a board: its cycle counter (0 where it has none)
        per_layer, total = answer.layer_cycles, answer.cycles
        if hil.dut.info.timer != "none":
            assert total > 0 and sum(per_layer) <= total
    report["per_inference"] = total
    report["per_layer"] = list(zip(names, per_layer))


def test_protocol_throughput(hil, report):
    figures = throughput(hil, seconds=1.0)
    assert figures["protocol_inputs_per_s"] > 0 and figures["inferences_per_s"] > 0
    report["throughput"] = figures


def test_reset_then_a_new_session(hil):
    """The device resets on request (its board's reset path), boots, answers a new handshake with
    the same model, and still computes right. Last: the session goes on after it."""
    hil.dut.reset()
    info = hil.dut.connect()
    assert info.model_hash == hil.model.hash and info.board == hil.target.name
    x = hil.model.inputs(1, seed=11)[0]
    got, _, _ = hil.infer(x)
    assert hil.model.mismatch(got, hil.model.reference(x)) is None
