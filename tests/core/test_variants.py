"""The engine under every training variant (issue 13) against the plain-Python reference, to 1e-12.

tests/reference.py's ``variant_train`` is written from the variants' math
(and checked on its own in tests/test_reference.py); here the engine, run
through a config as a user runs it, must land on the same weights, biases,
per-row losses and epoch losses, for every allowed combination of bias,
loss, frozen biases, hidden error signals, batch size and momentum, on
networks with no, one and two hidden layers.  The trace must also derive
each kept step's new weights bit for bit as the engine computed them.
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.config import from_mapping
from tracer.config.run import record
from tracer.errors import NumericalError

import reference as R

NETWORKS = {  # layers, hidden activations
    "no hidden layer": ([3, 2], []),
    "one hidden layer": ([3, 4, 2], ["tanh"]),
    "two hidden layers": ([2, 3, 3, 2], ["sigmoid", "relu"]),
}
BIASES = ("per-node", "shared", "none")
LOSSES = ("mse", "sse", "mean-squared", "cross-entropy")


def allowed(out_act, loss, hidden, batch):
    if loss == "cross-entropy" and out_act not in ("sigmoid", "softmax"):
        return False
    return not (hidden == "updated-weights" and batch != 1)


def problem(layers, bias, seed, n_rows=5):
    rng = np.random.default_rng(seed)
    W = [rng.uniform(-1, 1, size=(n, m)).tolist() for m, n in zip(layers[:-1], layers[1:])]
    if bias == "per-node":
        B = [rng.uniform(-1, 1, size=n).tolist() for n in layers[1:]]
    elif bias == "shared":
        B = [[float(rng.uniform(-1, 1))] * n for n in layers[1:]]
    else:
        B = [[0.0] * n for n in layers[1:]]
    X = rng.uniform(-1, 1, size=(n_rows, layers[0])).tolist()
    Z = rng.uniform(0.05, 0.95, size=(n_rows, layers[-1])).tolist()
    return W, B, X, Z


def engine(layers, acts, W, B, X, Z, lr, epochs, **variant):
    """Train through a config, as ``mlptrace train`` does; returns (trace, network)."""
    bias = variant.pop("bias")
    cfg = from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts,
                    "bias": bias},
        "training": {"learning_rate": lr, "epochs": epochs, "data": [x + z for x, z in zip(X, Z)], **variant},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": W[:-1], "hiddenBias": B[:-1], "outputWeights": W[-1],
                 "outputBias": B[-1]},
    })
    return record(cfg, "all")


def rows_of(trace, values):
    """Per-row values of every kept step, without a batch's padding."""
    if trace.rows_per_step == 1:
        return list(values)
    return [v for k in range(trace.n_steps) for v in values[k][:trace.rows_in(k)]]


def check(layers, acts, bias, loss, update_biases, hidden, batch, momentum, seed=0, lr=0.1, epochs=3):
    W, B, X, Z = problem(layers, bias, seed)
    variant = dict(bias=bias, loss=loss, update_biases=update_biases, hidden_deltas=hidden, batch_size=batch,
                   momentum=momentum)
    Wr, Br = copy.deepcopy(W), copy.deepcopy(B)
    try:
        row_losses, epoch_loss = R.variant_train(Wr, Br, acts, X, Z, lr, epochs, loss=loss, bias=bias,
                                                 update_biases=update_biases, hidden=hidden, batch_size=batch,
                                                 momentum=momentum)
        diverged = not all(math.isfinite(v) for v in row_losses)
    except OverflowError:  # plain Python's ** overflows where numpy gives inf
        diverged = True
    try:
        trace, net = engine(layers, acts, W, B, X, Z, lr, epochs, **copy.deepcopy(variant))
    except NumericalError:
        assert diverged  # the engine stops only where the reference's numbers leave float64 too
        return
    assert not diverged
    # to 1e-12, relative where a run's numbers grow large (linear outputs, momentum)
    for l in range(len(W)):
        np.testing.assert_allclose(net.W[l], Wr[l], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(net.b[l], Br[l], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rows_of(trace, trace.loss), row_losses, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(trace.epoch_loss, epoch_loss, rtol=1e-12, atol=1e-12)
    # the trace derives every step's update bit for bit as the engine made it
    for l in range(len(W)):
        assert np.array_equal(trace.w_new(l)[:-1], trace.w[l][1:])
        assert np.array_equal(trace.b_new(l)[:-1], trace.b[l][1:])
        assert np.array_equal(trace.w_new(l)[-1], net.W[l]) and np.array_equal(trace.b_new(l)[-1], net.b[l])
        if momentum:  # and the velocities too: v_new of a step is the next step's v
            g = trace.grad_w(l)
            assert np.array_equal(trace.rule.velocity(trace.v_w[l][:-1], g[:-1]), trace.v_w[l][1:])
    if bias == "shared":
        assert all((b == b[0]).all() for b in net.b)
    if bias == "none" or not update_biases:
        assert all(np.array_equal(b, b0) for b, b0 in zip(net.b, B))


@pytest.mark.parametrize("out_act", ["sigmoid", "softmax", "linear", "tanh"])
@pytest.mark.parametrize("network", list(NETWORKS))
def test_every_allowed_variant_matches_the_reference(network, out_act):
    layers, hidden_acts = NETWORKS[network]
    acts = [*hidden_acts, out_act]
    n = 0
    for bias, loss, update_biases, hidden, batch, momentum in itertools.product(
            BIASES, LOSSES, (True, False), ("old-weights", "updated-weights"), (1, 3, "all"), (0.0, 0.9)):
        if allowed(out_act, loss, hidden, batch):
            check(layers, acts, bias, loss, update_biases, hidden, batch, momentum, seed=n)
            n += 1
    assert n > 0


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(st.integers(1, 4), min_size=2, max_size=4), out_act=st.sampled_from(["sigmoid", "softmax", "linear"]),
       bias=st.sampled_from(BIASES), loss=st.sampled_from(LOSSES), update_biases=st.booleans(),
       hidden=st.sampled_from(["old-weights", "updated-weights"]), batch=st.sampled_from([1, 2, 4, 7, "all"]),
       momentum=st.sampled_from([0.0, 0.5, 0.9]), seed=st.integers(0, 2**16),
       hidden_act=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]))
def test_random_networks_and_variants_match_the_reference(layers, out_act, bias, loss, update_biases, hidden, batch,
                                                          momentum, seed, hidden_act):
    if not allowed(out_act, loss, hidden, batch):
        hidden = "old-weights"
        if loss == "cross-entropy" and out_act == "linear":
            loss = "mse"
    check(layers, [hidden_act] * (len(layers) - 2) + [out_act], bias, loss, update_biases, hidden, batch, momentum,
          seed=seed, lr=0.1, epochs=2)


def test_the_default_variant_is_the_documents_rule_bit_for_bit():
    """Every variant key at its default changes nothing: the same bits as a config without them."""
    layers, acts = [3, 4, 2], ["tanh", "sigmoid"]
    W, B, X, Z = problem(layers, "per-node", 5)
    plain, _ = engine(layers, acts, W, B, X, Z, 0.3, 4, bias="per-node")
    spelled, _ = engine(layers, acts, W, B, X, Z, 0.3, 4, bias="per-node", loss="mse", update_biases=True,
                        hidden_deltas="old-weights", batch_size=1, momentum=0.0)
    for name in ("x", "loss", "epoch_loss"):
        assert np.array_equal(getattr(plain, name), getattr(spelled, name))
    for l in range(2):
        assert np.array_equal(plain.w[l], spelled.w[l]) and np.array_equal(plain.delta[l], spelled.delta[l])
    assert plain.to_dict()["training"] == {"update_biases": True, "hidden_deltas": "old-weights", "batch_size": 1,
                                           "momentum": 0.0}


def test_a_batch_step_holds_each_rows_values_and_the_mean_gradient():
    layers, acts = [3, 4, 2], ["tanh", "softmax"]
    W, B, X, Z = problem(layers, "per-node", 9, n_rows=5)
    trace, _ = engine(layers, acts, W, B, X, Z, 0.3, 2, bias="per-node", loss="cross-entropy", batch_size=3)
    assert trace.kept.tolist() == [0, 1, 2, 3]  # two batches per epoch: rows 0-2, then 3-4
    assert trace.row.tolist() == [0, 3, 0, 3] and trace.epoch.tolist() == [0, 0, 1, 1]
    assert [trace.rows_in(k) for k in range(4)] == [3, 2, 3, 2]
    last = trace.step_dict(1)
    assert last["rows"] == 2 and last["x"] == X[3:5] and len(last["layers"][0]["s"]) == 2
    # the mean gradient, by hand from the step's own rows: (delta_3 x_3^T + delta_4 x_4^T) / 2
    d, x = trace.delta[0][1][:2], trace.x[1][:2]
    np.testing.assert_allclose(last["layers"][0]["grad_w"], (np.outer(d[0], x[0]) + np.outer(d[1], x[1])) / 2,
                               rtol=0, atol=1e-15)
    assert np.isnan(trace.x[1][2]).all()  # the smaller batch's padding


@pytest.mark.parametrize("variant", [dict(batch_size=3, momentum=0.9, bias="shared"),
                                     dict(loss="cross-entropy", update_biases=False, bias="none"),
                                     dict(hidden_deltas="updated-weights", loss="sse", momentum=0.5, bias="per-node")])
def test_a_variants_trace_saved_as_json_or_npz_loads_back_the_same(tmp_path, variant, monkeypatch):
    from tracer.config import trace_io
    import tracer.config.run

    monkeypatch.setattr(trace_io, "CHUNK", 4)  # several chunks, the last one partial
    monkeypatch.setattr(tracer.config.run, "CHUNK", 4)
    layers, acts = [3, 4, 2], ["tanh", "sigmoid"]
    W, B, X, Z = problem(layers, variant["bias"], 3, n_rows=5)
    memory, _ = engine(layers, acts, W, B, X, Z, 0.2, 3, **dict(variant))
    (tmp_path / "t.json").write_text(memory.to_json())
    cfg_variant = memory.variant
    loaded = [trace_io.load(tmp_path / "t.json")]
    cfg = from_mapping({
        "network": {"inputs": 3, "hidden": [4], "outputs": 2, "activation": acts, "bias": variant["bias"]},
        "training": {"learning_rate": 0.2, "epochs": 3, "data": [x + z for x, z in zip(X, Z)],
                     **{k: v for k, v in variant.items() if k != "bias"}},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": W[:-1], "hiddenBias": B[:-1], "outputWeights": W[-1],
                 "outputBias": B[-1]}})
    record(cfg, "all", stream_to=str(tmp_path / "t.npz"))
    loaded.append(trace_io.load(tmp_path / "t.npz"))
    for back in loaded:
        assert back.variant == cfg_variant and back.kept.tolist() == memory.kept.tolist()
        for f in memory.fields:  # every field, the state rebuilt from wherever each trace keyframed it
            ours, theirs = getattr(memory, f.name), getattr(back, f.name)
            for a, b in zip(*([ours, theirs] if f.per_layer else [[ours], [theirs]])):
                assert np.array_equal(b, a, equal_nan=True), f.name
        for l in range(2):
            assert np.array_equal(back.w_new(l), memory.w_new(l), equal_nan=True)
        assert back.step_dicts() == memory.step_dicts()
