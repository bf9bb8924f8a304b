"""The engine and its trace against an independent implementation and finite differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.cli import main
from tracer.core.engine import MLP
from tracer.config.run import record

import reference
from conftest import ROOT, engine_step


def write_config(tmp_path: Path, network: dict, training: dict, normalize: dict, init: dict) -> Path:
    data = {"network": network, "training": training, "normalize": normalize, "init": init}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return path


def random_problem(rng, layers, n_rows):
    rows = rng.uniform(-3, 3, size=(n_rows, layers[0] + layers[-1])).round(3).tolist()
    params = []
    for m, n in zip(layers[:-1], layers[1:]):
        params.append((rng.uniform(-1, 1, size=(n, m)).tolist(), rng.uniform(-1, 1, size=n).tolist()))
    init = {
        "method": "inline",
        "hiddenWeights": [w for w, _ in params[:-1]],
        "hiddenBias": [b for _, b in params[:-1]],
        "outputWeights": params[-1][0],
        "outputBias": params[-1][1],
    }
    return rows, params, init


CASES = [
    # layers, activations, method, epochs
    ([2, 3, 1], "sigmoid", "zero-to-one", 5),
    ([3, 5, 4, 2], "tanh", "zero-to-one", 3),
    ([4, 2], "linear", "none", 4),  # no hidden layer
    ([2, 6, 3, 3], ["relu", "tanh", "sigmoid"], "minus-one-to-one", 3),
    ([5, 4, 4, 4, 3], ["sigmoid", "relu", "tanh", "linear"], "zero-to-one", 2),
]


@pytest.mark.parametrize("layers,acts,method,epochs", CASES)
def test_trace_json_matches_independent_implementation(tmp_path, layers, acts, method, epochs):
    rng = np.random.default_rng(len(layers) * 100 + layers[0])
    n_rows = 4
    rows, params, init = random_problem(rng, layers, n_rows)
    lr = 0.05
    path = write_config(
        tmp_path,
        {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts},
        {"learning_rate": lr, "epochs": epochs, "data": rows},
        {"method": method},
        init,
    )
    out = tmp_path / "trace.json"
    assert main(["train", str(path), "--trace", str(out)]) == 0
    got = json.loads(out.read_text())

    # the reference: normalise per column from the rows, then plain-Python SGD
    acts_list = acts if isinstance(acts, list) else [acts] * (len(layers) - 1)
    cols = list(zip(*rows))
    norm_cols = [reference.normalise_column(c, min(c), max(c), method) for c in cols]
    norm_rows = list(zip(*norm_cols))
    xs = [list(r[: layers[0]]) for r in norm_rows]
    zs = [list(r[layers[0]:]) for r in norm_rows]
    W = [[list(row) for row in w] for w, _ in params]
    B = [list(b) for _, b in params]
    steps, epoch_loss = reference.train(W, B, acts_list, xs, zs, lr, epochs)

    assert got["format"] == "mlptrace-trace" and got["version"] == 2
    assert got["network"]["layers"] == layers
    assert len(got["steps"]) == len(steps) == epochs * n_rows
    for mine, ref in zip(got["steps"], steps):
        assert (mine["epoch"], mine["row"]) == (ref["epoch"], ref["row"])
        np.testing.assert_allclose(mine["x"], ref["x"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(mine["z"], ref["z"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(mine["y"], ref["y"], rtol=0, atol=1e-12)
        assert abs(mine["loss"] - ref["loss"]) <= 1e-12
        for lm, lr_ in zip(mine["layers"], ref["layers"]):
            for key in ("w", "b", "s", "a", "delta", "grad_w", "grad_b", "w_new", "b_new"):
                np.testing.assert_allclose(lm[key], lr_[key], rtol=0, atol=1e-12, err_msg=key)
    np.testing.assert_allclose([e["loss"] for e in got["epochs"]], epoch_loss, rtol=0, atol=1e-12)


def _flat_loss(net: MLP, x, z) -> float:
    y = net.predict(x[None, :])[0]
    return 0.5 * float(((y - z) ** 2).sum())


@pytest.mark.parametrize("layers,acts", [
    ([2, 3, 1], ["sigmoid"] * 2),
    ([3, 5, 4, 2], ["tanh"] * 3),
    ([4, 7, 3], ["sigmoid", "tanh"]),
    ([2, 2], ["linear"]),
    ([6, 8, 8, 8, 4], ["tanh", "sigmoid", "tanh", "sigmoid"]),
    ([3, 4, 2], ["relu", "linear"]),
])
def test_gradients_equal_central_finite_differences(layers, acts):
    """The training loop's own error signals and gradients (as recorded) against dL/dp by differences."""
    rng = np.random.default_rng(sum(layers))
    params = [(rng.uniform(-1, 1, (n, m)), rng.uniform(-1, 1, n)) for m, n in zip(layers[:-1], layers[1:])]
    x = rng.uniform(-1, 1, layers[0])
    z = rng.uniform(-1, 1, layers[-1])
    trace = engine_step(params, acts, x, z)
    h = 1e-6
    for l in range(len(layers) - 1):
        grad_w, delta = trace.grad_w(l)[0], trace.delta[l][0]
        for j in range(layers[l + 1]):
            for i in range(layers[l]):
                plus, minus = MLP(params, acts), MLP(params, acts)
                plus.W[l][j, i] += h
                minus.W[l][j, i] -= h
                fd = (_flat_loss(plus, x, z) - _flat_loss(minus, x, z)) / (2 * h)
                assert grad_w[j, i] == pytest.approx(fd, rel=1e-6, abs=1e-9), (l, j, i)
            plus, minus = MLP(params, acts), MLP(params, acts)
            plus.b[l][j] += h
            minus.b[l][j] -= h
            fd = (_flat_loss(plus, x, z) - _flat_loss(minus, x, z)) / (2 * h)
            assert delta[j] == pytest.approx(fd, rel=1e-6, abs=1e-9), (l, j)


def test_derived_quantities_equal_the_engines_next_weights():
    """w_new of step k is exactly the weights the engine used at step k + 1."""
    trace, net = record(config.load(None).replace(epochs=20))
    for l in range(2):
        assert np.array_equal(trace.w_new(l)[:-1], trace.w[l][1:])
        assert np.array_equal(trace.b_new(l)[:-1], trace.b[l][1:])
        assert np.array_equal(trace.w_new(l)[-1], net.W[l])


def test_sigmoid_is_finite_for_huge_sums():
    from tracer.core.activations import get

    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        a = get("sigmoid").f(np.array([-1e308, -800.0, 0.0, 800.0, 1e308]))
    # sigma(-800) = e^-800 / (1 + e^-800), about 1e-348: zero to within 1e-300
    assert a[0] < 1e-300 and a[1] < 1e-300 and a[2:].tolist() == [0.5, 1.0, 1.0]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_activations_write_into_out_and_agree_with_the_formula(name):
    from tracer.core.activations import get

    act = get(name)
    s = np.linspace(-30, 30, 61)
    expected = {"sigmoid": 1 / (1 + np.exp(-s)), "tanh": np.tanh(s), "relu": np.where(s > 0, s, 0.0), "linear": s}[name]
    out = np.empty_like(s)
    assert act.f(s, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)
    slope = {"sigmoid": expected * (1 - expected), "tanh": 1 - expected**2,
             "relu": (s > 0).astype(float), "linear": np.ones_like(s)}[name]
    d = np.empty_like(s)
    assert act.df(s, expected, out=d) is d
    np.testing.assert_allclose(d, slope, rtol=1e-15, atol=0)
    np.testing.assert_allclose(act.df(s, expected), slope, rtol=1e-15, atol=0)


def test_random_init_is_seeded_and_uniform():
    cfg = config.load(ROOT / "examples" / "classification" / "train.toml")
    a, b = cfg.initial_params(), cfg.initial_params()
    for (wa, ba), (wb, bb) in zip(a, b):
        assert np.array_equal(wa, wb) and np.array_equal(ba, bb)
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in a])
    assert flat.min() >= -1 and flat.max() < 1 and flat.std() > 0.4
    other = cfg.replace(seed=cfg.seed + 1).initial_params()
    assert not np.array_equal(other[0][0], a[0][0])


@pytest.mark.parametrize("spec,total,expected", [
    ("all", 5, [0, 1, 2, 3, 4]),
    ("epochs", 5, []),
    ("first:2", 5, [0, 1]),
    ("every:2", 5, [0, 2, 4]),
    ("last:2", 5, [3, 4]),
    ("first:1,last:1", 5, [0, 4]),
    ("first:10", 3, [0, 1, 2]),
])
def test_policies_keep_the_steps_they_name(spec, total, expected):
    from tracer.core.trace import parse_policy

    assert parse_policy(spec).steps(total).tolist() == expected


def test_kept_steps_carry_epoch_and_row(tmp_path):
    cfg = config.load(ROOT / "examples" / "seed" / "four-rows.toml").replace(epochs=3)
    full, _ = record(cfg, "all")
    part, _ = record(cfg, "every:5")
    assert part.kept.tolist() == [0, 5, 10]
    assert part.epoch.tolist() == [0, 1, 2] and part.row.tolist() == [0, 1, 2]
    for k, step in enumerate(part.kept):
        assert np.array_equal(part.w[1][k], full.w[1][step])
    np.testing.assert_array_equal(part.epoch_loss, full.epoch_loss)


def test_divergence_stops_with_exit_3_and_keeps_finite_weights(tmp_path, capsys):
    # A linear network with eta = 50 on unnormalised data doubles its error
    # every step until the loss overflows.
    path = write_config(
        tmp_path,
        {"inputs": 2, "hidden": [3], "outputs": 1, "activation": "linear"},
        {"learning_rate": 50.0, "epochs": 1000, "data": [[10, -20, 30], [-40, 50, -60]]},
        {"method": "none"},
        {"method": "random", "seed": 1},
    )
    out = tmp_path / "out"
    trace_file = tmp_path / "t.json"
    assert main(["train", str(path), "--out", str(out), "--trace", str(trace_file)]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "epoch" in err[0] and "row" in err[0] and "last finite weights" in err[0], err
    saved = json.loads((out / "trained-weights-biases.json").read_text())  # strict JSON: no Infinity/NaN
    flat = np.concatenate([np.ravel(v) for k in saved for v in saved[k]])
    assert np.isfinite(flat).all()
    got = json.loads(trace_file.read_text())
    assert got["stopped"].startswith("training stopped") and all(np.isfinite(s["loss"]) for s in got["steps"])


def test_loss_table_iteration_k_is_epoch_k_and_the_last_row_is_the_loss_after_training():
    """On four rows, where an epoch's mean (losses taken as the weights move) differs from a loss at fixed weights."""
    cfg = config.load(ROOT / "examples" / "seed" / "four-rows.toml").replace(epochs=12)
    trace, _ = record(cfg, "epochs")
    # the reference: the dataset normalised per column by hand, the document's weights, plain-Python SGD
    rows = [[70, 98, 91], [50, 85, 82], [65, 67, 80], [25, 95, 68]]
    cols = [reference.normalise_column(c, min(c), max(c), "zero-to-one") for c in zip(*rows)]
    xs = [list(r[:2]) for r in zip(*cols)]
    zs = [list(r[2:]) for r in zip(*cols)]
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    _, epoch_loss = reference.train(W, B, ["sigmoid"] * 2, xs, zs, 0.1, 12)
    # after training: every row through the final weights, no update (a copy, so step() updates nothing we use)
    after = sum(reference.step([[r[:] for r in w] for w in W], [b[:] for b in B], ["sigmoid"] * 2, x, z, 0.1)["loss"]
                for x, z in zip(xs, zs)) / 4
    expected = [(k, epoch_loss[k]) for k in range(11)] + [(12, after)]
    got = trace.loss_table()
    assert [k for k, _ in got] == [k for k, _ in expected]  # 0-9, the power of ten 10, then iteration 12
    np.testing.assert_allclose([v for _, v in got], [v for _, v in expected], rtol=0, atol=1e-14)
    # not vacuous: the table's last row is not epoch 11's mean
    assert abs(after - epoch_loss[11]) > 1e-4


def test_a_step_whose_update_overflows_is_written_as_null_in_strict_json(tmp_path, capsys):
    # By hand: a 1-1-1 network (sigmoid, linear) with zero weights and biases
    # sees x = 1, z = 100: a_h = 0.5, y = 0, loss 1/2 100^2 = 5000, delta_o = 1 * (0 - 100) = -100,
    # grad w_o = -100 * 0.5 = -50; with eta = 1e307 the new w_o = 5e308 and b_o = 1e309 overflow
    # to infinity.  The next step's loss is infinite, so training stops there (exit 3).
    path = write_config(
        tmp_path,
        {"inputs": 1, "hidden": [1], "outputs": 1, "activation": ["sigmoid", "linear"]},
        {"learning_rate": 1e307, "epochs": 2, "data": [[1, 100]]},
        {"method": "none"},
        {"method": "inline", "hiddenWeights": [[[0.0]]], "hiddenBias": [[0.0]], "outputWeights": [[0.0]], "outputBias": [0.0]},
    )
    out = tmp_path / "t.json"
    assert main(["train", str(path), "--trace", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "epoch 1, row 0" in err, err
    got = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in strict JSON"))
    (step,) = got["steps"]
    assert step["loss"] == 5000.0 and step["layers"][1]["delta"] == [-100.0]
    assert step["layers"][1]["grad_w"] == [[-50.0]]
    assert step["layers"][1]["w_new"] == [[None]] and step["layers"][1]["b_new"] == [None]
    from tracer.config.trace_io import load

    back = load(out)
    assert back.loss.tolist() == [5000.0] and np.isinf(back.w_new(1)[0, 0, 0])
