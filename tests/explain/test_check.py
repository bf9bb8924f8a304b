"""mlptrace check: passes on random networks, fails on an engine with a broken derivative."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracer.core import activations
from tracer.explain import gradcheck as check
from tracer.config import schema as config
from tracer.cli import main
from tracer.config.run import record


def make_config(layers, acts, method="zero-to-one", rows=3, seed=0, init=None):
    """A config for ``layers`` with random data and weights, built from a dict as a TOML file would be."""
    rng = np.random.default_rng(seed)
    data = rng.uniform(-3, 3, size=(rows, layers[0] + layers[-1])).round(3).tolist()
    return config.from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts},
        "training": {"data": data, "learning_rate": 0.1, "epochs": 1},
        "normalize": {"method": method},
        "init": init or {"method": "random", "seed": seed},
    }, "<test>", Path("."))


def write_config(tmp_path: Path, layers, acts, **extra) -> Path:
    rng = np.random.default_rng(len(layers))
    data = rng.uniform(0, 1, size=(2, layers[0] + layers[-1])).round(3).tolist()
    doc = {"network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts},
           "training": {"data": data}, "normalize": {"method": "none"}, "init": {"method": "random", "seed": 5}}
    doc.update(extra)
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    return path


def n_params(layers):
    return sum(m * n + n for m, n in zip(layers[:-1], layers[1:]))


RANDOM = [
    # layers, activations, normalisation, which sympy route "auto" picks
    ([2, 3, 1], "sigmoid", "zero-to-one", "full"),
    ([3, 5, 4, 2], "tanh", "zero-to-one", "full"),
    ([4, 2], "linear", "none", "full"),  # no hidden layer
    ([10, 8, 1], "sigmoid", "minus-one-to-one", "full"),
    ([3, 4, 2], ["relu", "linear"], "zero-to-one", "full"),
    ([2, 6, 3, 3], ["relu", "tanh", "sigmoid"], "minus-one-to-one", "full"),
    ([6, 8, 8, 8, 4], ["tanh", "sigmoid", "tanh", "sigmoid"], "zero-to-one", "layered"),
    ([5, 12, 12, 3], ["relu", "relu", "linear"], "none", "layered"),
]


@pytest.mark.parametrize("layers,acts,method,route", RANDOM, ids=[str(r[0]) for r in RANDOM])
def test_passes_on_random_networks(layers, acts, method, route):
    res = check.gradient_check(make_config(layers, acts, method, seed=len(layers)), steps=3)
    assert res.ok, res.summary()
    assert res.symbolic == route
    assert len(res.rows) == 3 * n_params(layers)
    assert [sum(r.step == k for r in res.rows) for k in range(3)] == [n_params(layers)] * 3
    # Both references really were computed, and agree with each other as well as with the engine.
    for r in res.rows:
        assert np.isfinite(r.sympy)
        if not r.kink:
            assert np.isfinite(r.fd)
            assert abs(r.fd - r.sympy) <= 2e-6 * max(abs(r.fd), abs(r.sympy), r.floor)
    # Not a vacuous pass: some gradients are far from zero.
    assert max(abs(r.engine) for r in res.rows) > 1e-3


def test_the_full_expression_and_the_layered_route_give_the_same_derivatives():
    cfg = make_config([3, 4, 3, 2], ["tanh", "relu", "sigmoid"], seed=11)
    full = check.gradient_check(cfg, steps=2, symbolic="full")
    layered = check.gradient_check(cfg, steps=2, symbolic="layered")
    assert (full.symbolic, layered.symbolic) == ("full", "layered")
    np.testing.assert_allclose([r.sympy for r in full.rows], [r.sympy for r in layered.rows], rtol=1e-12, atol=1e-15)


def test_the_documents_example(capsys):
    """The embedded example: the document's delta_o = (y - z) y(1 - y) = -0.096252 is the gradient of b_o."""
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    res = check.gradient_check(config.load(None))
    names = [r.name for r in res.rows]
    assert names == ["wₕ[0][0]", "wₕ[0][1]", "wₕ[1][0]", "wₕ[1][1]", "wₕ[2][0]", "wₕ[2][1]",
                     "bₕ[0]", "bₕ[1]", "bₕ[2]", "wₒ[0]", "wₒ[1]", "wₒ[2]", "bₒ"]
    b_o = res.rows[-1]
    for v in (b_o.engine, b_o.fd, b_o.sympy):
        assert round(v, 6) == -0.096252
    # The document's delta_h[0] = 0.4378(1 - 0.4378) * 0.5 * -0.096252 = -0.011845 (its printed digits)
    assert round(res.rows[6].sympy, 6) == round(0.4378 * (1 - 0.4378) * 0.5 * -0.096252, 6)
    # and w_o[2] = 0.0, so delta_h[2] and its gradients are exactly 0
    assert [res.rows[i].sympy for i in (4, 5, 8)] == [0, 0, 0]
    for name in names:
        assert name in out
    assert "MISMATCH" not in out
    assert "All 13 gradients agree within 1e-06" in out


def test_a_trace_is_checked_like_its_config():
    cfg = make_config([3, 4, 2], "tanh", seed=4)
    trace, _ = record(cfg, "first:2")
    a, b = check.gradient_check(trace, steps=2), check.gradient_check(cfg, steps=2)
    assert [(r.name, r.engine, r.fd, r.sympy) for r in a.rows] == [(r.name, r.engine, r.fd, r.sympy) for r in b.rows]


def test_later_steps_use_the_updated_weights():
    # one training row: step 1 starts from the weights step 0 produced, so its gradients differ
    cfg = make_config([2, 3, 1], "sigmoid", rows=1, seed=2)
    res = check.gradient_check(cfg, steps=2)
    first = [r.engine for r in res.rows if r.step == 0]
    second = [r.engine for r in res.rows if r.step == 1]
    assert res.ok and first != second


# ---------------------------------------------------------------------------
# a broken engine is caught


def _broken(name: str, factor: float) -> activations.Activation:
    good = activations.ACTIVATIONS[name]

    def df(s, a, out=None):
        r = good.df(s, a, out=out)
        r *= factor  # in place, so it also holds when the engine passes its own buffer
        return r

    return dataclasses.replace(good, df=df)


def test_fails_with_exit_1_on_a_broken_derivative(monkeypatch, capsys):
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", _broken("sigmoid", 1.01))
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 1 and err[0].startswith("mlptrace: error: gradient check: ")
    assert "disagree beyond 1e-06" in err[0] and "Traceback" not in captured.err
    assert "MISMATCH" in captured.out


def test_a_tiny_error_in_a_hidden_derivative_is_found_where_it_is(monkeypatch, tmp_path):
    # tanh only in hidden layer 2 of 3-4-4-2; its f' off by 1e-5 relative.  The error signals of that
    # layer and of the layer before it (which receives them) go wrong; the output layer's stay right.
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", _broken("tanh", 1 + 1e-5))
    cfg = make_config([3, 4, 4, 2], ["sigmoid", "tanh", "sigmoid"], seed=9)
    res = check.gradient_check(cfg)
    assert not res.ok
    bad_layers = {r.layer for r in res.failures}
    assert bad_layers == {0, 1}
    assert all(r.ok for r in res.rows if r.layer == 2)
    # 1e-5 relative shows as about 1e-5 relative error: wrong by that much, not by noise
    assert 5e-6 < res.worst.error < 2e-5
    # through the command line, from a file
    path = write_config(tmp_path, [3, 4, 4, 2], ["sigmoid", "tanh", "sigmoid"])
    assert main(["check", str(path)]) == 1


def test_a_broken_linear_output_fails(monkeypatch):
    monkeypatch.setitem(activations.ACTIVATIONS, "linear", _broken("linear", 2.0))
    res = check.gradient_check(make_config([4, 3, 2], ["tanh", "linear"], seed=1))
    # every gradient is doubled, so every one that is not exactly zero (an input normalised to
    # its column's minimum, 0, gives a zero weight gradient) fails, with relative error 1/2
    assert [r.name for r in res.failures] == [r.name for r in res.rows if r.sympy != 0]
    assert 0 < len(res.failures) < n_params([4, 3, 2])
    assert all(abs(r.error - 0.5) < 1e-6 for r in res.failures)


# ---------------------------------------------------------------------------
# relu kinks, large networks, bad input


def test_relu_kinks(capsys):
    # x = (1, 2): hidden sum 0 is 0.3 - 0.3 + 1e-4 = 1e-4, so the stencil (h = 1e-3, steps up to
    # 2h * x = 4e-3) crosses the kink; hidden sum 1 is 0.5 - 0.5 + 0 = 0 exactly, where relu has no
    # derivative (the engine and the check both take relu'(0) = 0).
    init = {"method": "inline", "hiddenWeights": [[[0.3, -0.15], [0.5, -0.25]]], "hiddenBias": [[1e-4, 0.0]],
            "outputWeights": [[0.7, -0.4]], "outputBias": [0.1]}
    cfg = config.from_mapping({
        "network": {"inputs": 2, "hidden": [2], "outputs": 1, "activation": ["relu", "linear"]},
        "training": {"data": [[1.0, 2.0, 0.5]]}, "normalize": {"method": "none"}, "init": init,
    }, "<test>", Path("."))
    res = check.gradient_check(cfg)
    assert res.ok, res.summary()
    kinked = {r.name for r in res.rows if r.kink}
    assert kinked == {"wₕ[0][0]", "wₕ[0][1]", "bₕ[0]", "wₕ[1][0]", "wₕ[1][1]", "bₕ[1]"}
    # By hand: a_h = (1e-4, 0), y = 0.7e-4 + 0.1, delta_o = y - 0.5, delta_h[0] = 0.7 delta_o
    d_o = 0.7 * 1e-4 + 0.1 - 0.5
    row = {r.name: r for r in res.rows}
    assert row["bₕ[0]"].sympy == pytest.approx(0.7 * d_o, rel=1e-12)
    assert row["bₕ[0]"].fd == pytest.approx(0.7 * d_o, rel=1e-6)  # retaken with a smaller step
    assert row["wₕ[0][1]"].engine == pytest.approx(2 * 0.7 * d_o, rel=1e-12)
    assert row["bₕ[1]"].engine == 0 and row["bₕ[1]"].sympy == 0 and np.isnan(row["bₕ[1]"].fd)
    assert "crossed a relu kink" in " ".join(res.notes)


def test_a_large_network_is_summarised_per_layer(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # each table whole (at 80 columns it is stacked: tests/cli/test_widths.py)
    path = write_config(tmp_path, [5, 20, 20, 3], ["relu", "tanh", "linear"])
    assert main(["check", str(path), "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "largest relative error per layer" in out
    assert out.count("hidden layer 1") == 2 and out.count("the output layer") == 2
    assert "wₕ₁[3][4]" not in out or out.count("│") < 40  # no row per parameter
    assert f"All {2 * n_params([5, 20, 20, 3])} gradients agree" in out


@pytest.mark.parametrize("args,message", [
    (["check", "/nonexistent/net.toml"], "/nonexistent/net.toml"),
    (["check", "--steps", "0"], "must be at least 1"),
    (["check", "--activation", "softmax"], "softmax"),
])
def test_bad_input_exits_2(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# property: any network, any data


@st.composite
def networks(draw):
    layers = [draw(st.integers(1, 5))] + draw(st.lists(st.integers(1, 6), max_size=3)) + [draw(st.integers(1, 3))]
    acts = draw(st.lists(st.sampled_from(sorted(activations.ACTIVATIONS)), min_size=len(layers) - 1,
                         max_size=len(layers) - 1))
    method = draw(st.sampled_from(["zero-to-one", "minus-one-to-one", "none"]))
    return layers, acts, method, draw(st.integers(1, 4)), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_property_random_networks_pass(net):
    layers, acts, method, rows, seed = net
    res = check.gradient_check(make_config(layers, acts, method, rows=rows, seed=seed), steps=2, symbolic="layered")
    assert res.ok, res.summary()
