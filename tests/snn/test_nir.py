"""NIR: mcuforge's export read back by mcuforge (exact, resets kept in metadata) and by
snnTorch's own import_from_nir (equal under NIR's discretisation); nodes it does not read named."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import utils
from torch import nn

from mcuforge.errors import McuforgeError
from mcuforge.snn.graph import read_snntorch
from mcuforge.snn.nir import read_nir, to_nir, write_nir
from mcuforge.snn.torchnet import SpikingModule

from ..test_cli import mcuforge


def _nets():
    torch.manual_seed(0)
    th = dict(threshold=0.2, init_hidden=True)
    nets = {
        "feed-forward": (nn.Sequential(nn.Linear(20, 30), snn.Leaky(beta=0.9, **th), nn.Linear(30, 5),
                                       snn.Leaky(beta=0.8, output=True, **th)), (20,)),
        "recurrent": (nn.Sequential(nn.Linear(20, 30), snn.RLeaky(beta=0.9, linear_features=30, **th),
                                    nn.Linear(30, 5), snn.Synaptic(alpha=0.6, beta=0.8, output=True,
                                                                   reset_mechanism="zero", **th)), (20,)),
        "one-to-one": (nn.Sequential(nn.Linear(20, 30), snn.RLeaky(beta=0.9, all_to_all=False, V=0.4,
                                                                   reset_delay=False, **th),
                                     nn.Linear(30, 5), snn.Leaky(beta=1.0, output=True, **th)), (20,)),
        "convolutional": (nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), snn.Leaky(beta=0.9, **th),
                                        nn.Flatten(), nn.Linear(4 * 6 * 6, 5),
                                        snn.Leaky(beta=0.8, output=True, **th)), (2, 6, 6)),
    }
    for net, _ in nets.values():  # outputs that fire
        with torch.no_grad():
            [m for m in net if isinstance(m, nn.Linear)][-1].weight.mul_(3)
    return nets


@pytest.mark.parametrize("name", ["feed-forward", "recurrent", "one-to-one", "convolutional"])
def test_export_import_round_trip_is_exact(name, tmp_path):
    net, shape = _nets()[name]
    g = read_snntorch(net, shape, name)
    path = write_nir(g, tmp_path / "net.nir")
    back, back_shape = read_nir(path)
    assert back_shape == shape
    g2 = read_snntorch(back, back_shape, name)
    assert [(a.kind, a.reset, a.reset_delay) for a in g.neurons] == [(b.kind, b.reset, b.reset_delay)
                                                                     for b in g2.neurons]
    x = (torch.rand(6, 20, *shape, generator=torch.Generator().manual_seed(2)) < 0.4).float()
    with torch.no_grad():
        want, _ = SpikingModule(g)(x)
        got, _ = SpikingModule(g2)(x)
    for a, b in zip(want, got):
        assert torch.equal(a, b)
    assert all(float(s.mean()) > 0.01 for s in want)


def test_snntorchs_import_of_our_export_behaves_as_ours(tmp_path):
    """snnTorch's import_from_nir forces NIR's own semantics (reset to zero in the spike's step);
    mcuforge's import without the metadata does the same: equal spikes at every step."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 40), snn.Leaky(beta=0.9, threshold=0.3, init_hidden=True),
                        nn.Linear(40, 8), snn.Leaky(beta=0.8, threshold=0.2, init_hidden=True, output=True))
    with torch.no_grad():
        net[2].weight.mul_(3)
    path = write_nir(read_snntorch(net, (20,)), tmp_path / "ff.nir")
    theirs = __import__("snntorch.import_nir", fromlist=["import_from_nir"]).import_from_nir(nir.read(str(path)))
    ours, shape = read_nir(path, use_metadata=False)
    assert all(m.reset_mechanism == "zero" and not m.reset_delay for m in ours if isinstance(m, snn.Leaky))
    x = (torch.rand(5, 25, 20, generator=torch.Generator().manual_seed(3)) < 0.4).float()
    with torch.no_grad():
        utils.reset(theirs)
        out = [theirs(x[:, t]) for t in range(25)]
        want = torch.stack([o[0] if isinstance(o, tuple) else o for o in out], 1)
        got = SpikingModule(read_snntorch(ours, shape))(x)[0][-1]
    assert torch.equal(got, want)
    assert 0.02 < float(got.mean()) < 0.8


def test_discretisation_folds_r_and_v_leak_into_the_synapse():
    """A LIF with r != tau/dt and a leak potential: beta = 1 - dt/tau, input scaled by r dt/tau,
    v_leak dt/tau added to the bias; an IF: beta 1, input scaled by r."""
    dt, tau = 1e-3, 4e-3
    w, b = np.array([[1.0, -2.0]], np.float32), np.array([0.5], np.float32)
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])), "fc": nir.Affine(weight=w, bias=b),
                            "lif": nir.LIF(tau=np.array([tau]), r=np.array([2.0]), v_leak=np.array([0.1]),
                                           v_threshold=np.array([1.0]), v_reset=np.array([0.0])),
                            "fc2": nir.Linear(weight=np.array([[2.0]], np.float32)),
                            "if": nir.IF(r=np.array([0.5]), v_threshold=np.array([1.0]), v_reset=np.array([0.0])),
                            "output": nir.Output(output_type=np.array([1]))},
                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "if"), ("if", "output")])
    from mcuforge.snn.nir import from_nir

    net, shape = from_nir(g, dt=dt)
    gain = 2.0 * dt / tau
    assert shape == (2,) and float(net[1].beta) == pytest.approx(1 - dt / tau)
    np.testing.assert_allclose(net[0].weight.detach().numpy(), w * gain, rtol=1e-6)
    np.testing.assert_allclose(net[0].bias.detach().numpy(), b * gain + 0.1 * dt / tau, rtol=1e-6)
    assert float(net[3].beta) == 1.0 and net[3].reset_mechanism == "zero" and not net[3].reset_delay
    np.testing.assert_allclose(net[2].weight.detach().numpy(), [[1.0]])


def test_unsupported_nir_nodes_are_named(tmp_path):
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4])),
                            "fc": nir.Affine(weight=np.ones((4, 4), np.float32), bias=np.zeros(4, np.float32)),
                            "li": nir.LI(tau=np.ones(4), r=np.ones(4), v_leak=np.zeros(4)),
                            "output": nir.Output(output_type=np.array([4]))},
                     edges=[("input", "fc"), ("fc", "li"), ("li", "output")])
    nir.write(str(tmp_path / "li.nir"), g)
    with pytest.raises(McuforgeError, match=r"NIR node li is LI, which mcuforge does not read\n.*supported nodes"):
        read_nir(tmp_path / "li.nir")
    proc = mcuforge("quantize", str(tmp_path / "li.nir"), "--data", "models/snn_digits.py:batches")
    assert proc.returncode != 0 and "NIR node li is LI" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "bad.nir").write_bytes(b"not hdf5")
    with pytest.raises(McuforgeError, match="not a NIR file"):
        read_nir(tmp_path / "bad.nir")
    with pytest.raises(McuforgeError, match="NIR has no max pooling"):
        to_nir(read_snntorch(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), snn.Leaky(0.9, init_hidden=True)),
                             (1, 6, 6)))
