"""The explanations follow the training variant (issue 13): check's gradients, the report's equations.

Every number here comes from tests/reference.py (plain Python written from
the math, sharing no code with tracer): its forward pass, its dL/dy and the
chain rule through each activation (softmax's Jacobian written out), the
mean over a batch's rows, a shared bias's sum over its layer.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import reference as R
from tracer.cli import main
from tracer.config import schema as config
from tracer.config.run import record
from tracer.core import losses
from tracer.explain import gradcheck as check


def variant_config(layers, acts, rows=3, seed=0, softmax_targets=False, **keys):
    """A config for ``layers`` with random data and weights under the variant ``keys`` (the config's names)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(rows, layers[0]))
    z = rng.uniform(0.05, 0.95, size=(rows, layers[-1]))
    if softmax_targets:  # one-hot targets, as a classifier's
        z = np.eye(layers[-1])[rng.integers(0, layers[-1], size=rows)]
    network = {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts}
    if "bias" in keys:
        network["bias"] = keys.pop("bias")
    return config.from_mapping({
        "network": network,
        "training": {"data": np.hstack([x, z]).round(4).tolist(), "learning_rate": 0.3, "epochs": 1, **keys},
        "normalize": {"method": "none"},
        "init": {"method": "random", "seed": seed},
    }, "<test>", Path("."))


def reference_gradient(W, B, acts, xs, zs, loss, bias, update_biases):
    """dL/dp of the batch's mean loss for every parameter the variant moves, in check's order, from tests/reference.py.

    Per layer: its weights row by row, then its bias parameters (one per node,
    one for a shared layer, none when absent or frozen).
    """
    L = len(W)
    sum_gw = [[[0.0] * len(r) for r in W[l]] for l in range(L)]
    sum_gb = [[0.0] * len(B[l]) for l in range(L)]
    for x, z in zip(xs, zs):
        s_all, a_all = R.forward(W, B, acts, x, bias)
        d = [None] * L
        d[-1] = R.output_deltas(s_all[-1], a_all[-1], z, loss, acts[-1])
        for l in range(L - 2, -1, -1):
            d[l] = R.hidden_deltas(l, W[l + 1], d[l + 1], s_all[l], a_all[l], acts)
        for l in range(L):
            inp = x if l == 0 else a_all[l - 1]
            for j in range(len(W[l])):
                for i in range(len(inp)):
                    sum_gw[l][j][i] += d[l][j] * inp[i]
                sum_gb[l][j] += d[l][j]
    n = len(xs)
    out = []
    for l in range(L):
        out += [g / n for row in sum_gw[l] for g in row]
        if bias == "none" or not update_biases:
            continue
        gb = [g / n for g in sum_gb[l]]
        out += [sum(gb)] if bias == "shared" else gb  # a shared bias feeds every node: the sum of their signals
    return out


VARIANTS = [
    # id, layers, activations, keys, rows, one-hot targets
    ("sse", [2, 3, 1], "sigmoid", {"loss": "sse"}, 2, False),
    ("mean-squared", [3, 4, 3], ["tanh", "linear"], {"loss": "mean-squared"}, 2, False),
    ("cross-entropy sigmoid", [2, 3, 2], "sigmoid", {"loss": "cross-entropy"}, 2, False),
    ("cross-entropy softmax", [3, 4, 3], ["tanh", "softmax"], {"loss": "cross-entropy"}, 2, True),
    ("mse softmax", [2, 3, 3], ["sigmoid", "softmax"], {}, 2, False),
    ("shared", [2, 3, 2], "sigmoid", {"bias": "shared"}, 2, False),
    ("none", [2, 3, 2], ["relu", "sigmoid"], {"bias": "none"}, 2, False),
    ("frozen", [2, 3, 1], "tanh", {"update_biases": False}, 2, False),
    ("mazur's: shared and frozen", [2, 2, 2], "sigmoid", {"bias": "shared", "update_biases": False}, 1, False),
    ("batches of 3 of 5", [2, 3, 1], "sigmoid", {"batch_size": 3}, 5, False),
    ("all rows", [3, 2], "sigmoid", {"batch_size": "all", "loss": "cross-entropy"}, 4, False),
    ("momentum", [2, 3, 2], "sigmoid", {"batch_size": 2, "momentum": 0.9, "bias": "shared"}, 4, False),
    ("two hidden, softmax, batches, momentum", [3, 4, 3, 4], ["tanh", "sigmoid", "softmax"],
     {"loss": "cross-entropy", "batch_size": 4, "momentum": 0.9}, 8, True),
]


@pytest.mark.parametrize("layers,acts,keys,rows,onehot", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
@pytest.mark.parametrize("symbolic", ["full", "layered"])
def test_check_compares_the_gradient_of_the_loss_the_variant_trains_on(layers, acts, keys, rows, onehot, symbolic):
    cfg = variant_config(layers, acts, rows=rows, seed=len(layers) + rows, softmax_targets=onehot, **keys)
    steps = 3
    res = check.gradient_check(cfg, steps=steps, symbolic=symbolic)
    assert res.ok, res.summary()
    trace, _ = record(cfg.replace(epochs=steps), f"first:{steps}")
    v = cfg.variant
    moved = v.update_biases and v.bias != "none"
    per_layer_biases = [(n if v.bias == "per-node" else 1) if moved else 0 for n in layers[1:]]
    n_params = sum(m * n for m, n in zip(layers[:-1], layers[1:])) + sum(per_layer_biases)
    assert [sum(r.step == k for r in res.rows) for k in range(steps)] == [n_params] * steps
    for k in range(steps):
        W = [trace.w[l][k].tolist() for l in range(len(layers) - 1)]
        B = [trace.b[l][k].tolist() for l in range(len(layers) - 1)]
        r = trace.rows_in(k)
        xs = trace.x[k][:r].tolist() if trace.rows_per_step > 1 else [trace.x[k].tolist()]
        zs = trace.z[k][:r].tolist() if trace.rows_per_step > 1 else [trace.z[k].tolist()]
        want = reference_gradient(W, B, acts if isinstance(acts, list) else [acts] * (len(layers) - 1),
                                  xs, zs, v.loss, v.bias, v.update_biases)
        got = [row for row in res.rows if row.step == k]
        for row, g in zip(got, want, strict=True):
            assert row.engine == pytest.approx(g, rel=1e-10, abs=1e-14), row.name
            assert row.sympy == pytest.approx(g, rel=1e-8, abs=1e-12), row.name
            assert row.fd == pytest.approx(g, rel=1e-6, abs=1e-9), row.name
    assert max(abs(row.engine) for row in res.rows) > 1e-3  # not a vacuous pass


def test_a_shared_bias_is_one_parameter_named_for_its_layer():
    cfg = variant_config([2, 3, 2], "sigmoid", bias="shared")
    names = [r.name for r in check.gradient_check(cfg).rows]
    assert names == ["wₕ[0][0]", "wₕ[0][1]", "wₕ[1][0]", "wₕ[1][1]", "wₕ[2][0]", "wₕ[2][1]", "bₕ",
                     "wₒ[0][0]", "wₒ[0][1]", "wₒ[0][2]", "wₒ[1][0]", "wₒ[1][1]", "wₒ[1][2]", "bₒ"]


def test_mazurs_gradients(capsys):
    """The post's dE/dw5 = 0.082167041 and dE/dw1 = 0.000438568, through the command on examples/mazur."""
    examples = Path(__file__).resolve().parents[2] / "examples" / "mazur" / "mazur.toml"
    assert main(["check", str(examples)]) == 0
    out = capsys.readouterr().out
    assert "All 8 gradients agree" in out
    rows = {r.name: r for r in check.gradient_check(config.load(examples)).rows}
    assert round(rows["wₒ[0][0]"].sympy, 9) == 0.082167041  # the post's w5
    assert round(rows["wₕ[0][0]"].sympy, 9) == 0.000438568  # the post's w1


def test_a_broken_cross_entropy_signal_is_caught(monkeypatch):
    """check is not vacuous on a variant: an output error signal off by 1e-4 fails it."""
    good = losses.output_delta

    def off(loss, act, s, y, z, err, out=None):
        d = good(loss, act, s, y, z, err, out=out)
        d *= 1 + 1e-4
        return d

    monkeypatch.setattr(losses, "output_delta", off)
    res = check.gradient_check(variant_config([2, 3, 3], ["sigmoid", "softmax"], softmax_targets=True,
                                              loss="cross-entropy", batch_size=2))
    assert not res.ok
    assert all(not r.ok for r in res.rows if r.layer == 1 and abs(r.sympy) > 1e-3)
    assert 5e-5 < res.worst.error < 2e-4


def test_check_refuses_hidden_signals_through_the_updated_weights(tmp_path, capsys):
    cfg = variant_config([2, 3, 1], "sigmoid", hidden_deltas="updated-weights")
    with pytest.raises(config.InputError, match="check does not explain hidden_deltas"):
        config.check_explainable(cfg, "check")
    trace, _ = record(cfg, "first:1")
    with pytest.raises(config.InputError, match="not the gradient of the loss"):
        check.gradient_check(trace)


def test_the_cross_entropy_reference_is_the_definition():
    # a hand check of reference.output_deltas for softmax + cross-entropy: y - z when the targets sum to 1
    s, z = [0.2, -0.4, 1.1], [0.0, 1.0, 0.0]
    y = R.softmax(s)
    d = R.output_deltas(s, y, z, "cross-entropy", "softmax")
    assert d == pytest.approx([y[0], y[1] - 1, y[2]], rel=1e-12)
    assert math.isclose(sum(y), 1.0)


# ---------------------------------------------------------------------------
# the report follows the variant: every value it shows, against tests/reference.py

REPORTED = [
    # id, layers, activations, keys (per-row variants the report explains)
    ("sse", [2, 3, 1], "sigmoid", {"loss": "sse"}),
    ("mean-squared", [3, 2, 3], ["tanh", "sigmoid"], {"loss": "mean-squared"}),
    ("cross-entropy", [2, 3, 2], "sigmoid", {"loss": "cross-entropy"}),
    ("shared", [2, 4, 2], ["tanh", "sigmoid"], {"bias": "shared"}),
    ("none", [3, 2, 2, 1], ["sigmoid", "tanh", "linear"], {"bias": "none"}),
    ("frozen", [2, 3, 1], "sigmoid", {"update_biases": False}),
    ("shared and frozen, cross-entropy", [2, 2, 2], "sigmoid",
     {"bias": "shared", "update_biases": False, "loss": "cross-entropy"}),
    ("no hidden layer, shared, sse", [3, 2], "sigmoid", {"bias": "shared", "loss": "sse"}),
    ("softmax", [2, 3, 3], ["sigmoid", "softmax"], {"loss": "cross-entropy", "onehot": True}),
    ("updated weights", [2, 3, 2], "sigmoid", {"hidden_deltas": "updated-weights"}),
    ("updated weights, two hidden, shared", [2, 3, 2, 2], ["tanh", "sigmoid", "sigmoid"],
     {"hidden_deltas": "updated-weights", "bias": "shared", "loss": "sse"}),
    ("softmax, soft targets, shared", [3, 2, 4], ["tanh", "softmax"], {"loss": "cross-entropy", "bias": "shared"}),
]


def reference_step(W, B, acts, x, z, lr, loss, bias, update_biases, hidden="old-weights"):
    """Everything the report shows of one step, by tests/reference.py: sums, activations, loss, deltas, new values."""
    s_all, a_all = R.forward(W, B, acts, x, bias)
    L = len(W)
    W_new, B_new = [[r[:] for r in w] for w in W], [b[:] for b in B]
    R.variant_train(W_new, B_new, acts, [x], [z], lr, 1, loss=loss, bias=bias, update_biases=update_biases,
                    hidden=hidden)
    through = W_new if hidden == "updated-weights" else W  # a hidden signal through the next layer's new weights
    d = [None] * L
    d[-1] = R.output_deltas(s_all[-1], a_all[-1], z, loss, acts[-1])
    for l in range(L - 2, -1, -1):
        d[l] = R.hidden_deltas(l, through[l + 1], d[l + 1], s_all[l], a_all[l], acts)
    return {"s": s_all, "a": a_all, "delta": d, "loss": R.loss_of(a_all[-1], z, loss, acts[-1]),
            "w_new": W_new, "b_new": B_new}


def _index(name: str) -> list[int]:
    return [int(v) for v in name[name.index("[") + 1:-1].split("][")] if "[" in name else []


@pytest.mark.parametrize("layers,acts,keys", [v[1:] for v in REPORTED], ids=[v[0] for v in REPORTED])
def test_every_value_the_report_shows_is_the_variants(layers, acts, keys):
    from tracer.explain.sections import explain

    keys = dict(keys)
    cfg = variant_config(layers, acts, rows=2, seed=7, softmax_targets=keys.pop("onehot", False), **keys)
    trace, _ = record(cfg.replace(epochs=1), "first:2")
    acts = acts if isinstance(acts, list) else [acts] * (len(layers) - 1)
    v = cfg.variant
    for k in range(2):
        W = [trace.w[l][k].tolist() for l in range(len(layers) - 1)]
        B = [trace.b[l][k].tolist() for l in range(len(layers) - 1)]
        ref = reference_step(W, B, acts, trace.x[k].tolist(), trace.z[k].tolist(), cfg.learning_rate,
                             v.loss, v.bias, v.update_biases, v.hidden_deltas)
        through = ref["w_new"] if v.hidden_deltas == "updated-weights" else W
        expl = explain(trace, k, config=cfg, full=True)
        seen = set()
        for sec in expl.sections:
            for eq in sec.equations:
                if eq.value is None or sec.key in ("normalise",):
                    continue
                l, idx = sec.layer, _index(eq.name)
                want = {
                    "s": lambda: ref["s"][l][idx[0]],
                    "a": lambda: ref["a"][l][idx[0]],
                    "L": lambda: ref["loss"],
                    "delta": lambda: ref["delta"][l][idx[0]],
                    "dL/da": lambda: sum(through[l + 1][m][idx[0]] * ref["delta"][l + 1][m] for m in range(len(W[l + 1]))),
                    "w": lambda: ref["w_new"][l][idx[0]][idx[1]],
                    "b": lambda: ref["b_new"][l][idx[0]],
                    "sum delta": lambda: sum(ref["delta"][l]),
                    "sum exp": lambda: sum(math.exp(v) for v in ref["s"][l]),
                }[eq.name.split("[")[0]]()
                assert eq.value == pytest.approx(want, rel=1e-12, abs=1e-15), (sec.id, eq.name)
                seen.add(eq.name.split("[")[0])
        expected = {"s", "a", "L", "delta", "w"} | ({"b"} if v.bias != "none" else set())
        expected |= {"sum delta"} if v.bias == "shared" and v.update_biases else set()
        expected |= {"dL/da"} if any(n > 1 for n in layers[2:]) and len(layers) > 2 else set()
        assert expected <= seen, seen
        bias_updates = [(sec.layer, eq) for sec in expl.sections if sec.key.endswith("_update")
                        for eq in sec.equations if eq.name.startswith("b[")]
        per_layer = {"per-node": layers[1:], "shared": [1] * (len(layers) - 1), "none": [0] * (len(layers) - 1)}
        assert len(bias_updates) == sum(per_layer[v.bias])
        for l, eq in bias_updates:
            if v.update_biases and not (acts[l] == "softmax" and v.bias == "shared"):
                assert eq.value != B[l][_index(eq.name)[0]]
            elif v.update_biases:  # softmax ignores a shift of every sum: a shared bias's gradient sums to 0
                assert eq.value == pytest.approx(B[l][0], abs=1e-12)
            else:  # frozen: b_new = b, the bias before the step, and no gradient step written
                assert eq.value == B[l][_index(eq.name)[0]] and [ln.kind for ln in eq.lines] == ["symbolic", "result"]


def _report(cfg_path, fmt="md"):
    from tracer.config.run import record as rec
    from tracer.explain.sections import explain
    from tracer.render.report import render

    cfg = config.load(cfg_path)
    trace, _ = rec(cfg.replace(epochs=1), "first:1")
    return render(explain(trace, 0, config=cfg), fmt)


MAZUR = Path(__file__).resolve().parents[2] / "examples" / "mazur" / "mazur.toml"


def test_the_mazur_report_is_the_posts_worked_example(tmp_path):
    """The post's values (tests/test_mazur.py names where each comes from): forward pass, E_total, new weights."""
    from tracer.explain.sections import explain

    cfg = config.load(MAZUR)
    trace, _ = record(cfg.replace(epochs=1), "first:1")
    expl = explain(trace, 0, config=cfg, digits=9)
    values = {(sec.key, sec.layer, eq.name): eq.value for sec in expl.sections for eq in sec.equations}
    post = {  # Mazur's figures, as the post prints them
        ("hidden_sum", 0, "s[0]"): 0.3775, ("hidden_activation", 0, "a[0]"): 0.593269992,
        ("hidden_activation", 0, "a[1]"): 0.596884378, ("output_sum", 1, "s[0]"): 1.105905967,
        ("output_activation", 1, "a[0]"): 0.75136507, ("output_activation", 1, "a[1]"): 0.772928465,
        ("loss", None, "L"): 0.298371109,
        ("output_update", 1, "w[0][0]"): 0.35891648, ("output_update", 1, "w[0][1]"): 0.408666186,
        ("output_update", 1, "w[1][0]"): 0.511301270, ("output_update", 1, "w[1][1]"): 0.561370121,
        ("hidden_update", 0, "w[0][0]"): 0.149780716, ("hidden_update", 0, "w[0][1]"): 0.19956143,
        ("hidden_update", 0, "w[1][0]"): 0.24975114, ("hidden_update", 0, "w[1][1]"): 0.29950229,
        # frozen shared biases: one per layer, unchanged
        ("output_update", 1, "b[0]"): 0.60, ("hidden_update", 0, "b[0]"): 0.35,
    }
    for key, want in post.items():  # to the digits the post prints
        assert round(values[key], len(repr(want).split(".")[1])) == want, key
    assert ("output_update", 1, "b[1]") not in values  # one bias per layer, not per node
    md = _report(MAZUR)
    assert "The biases are frozen" in md and "one bias per layer, shared by all its nodes" in md
    assert "\\nabla L(b_" not in md  # a frozen bias takes no gradient step
    assert "b_{o}^{\\text{new}} &= b_{o}" in md
    out = tmp_path / "m.md"
    out.write_text(md)
    assert main(["verify", str(out)]) == 0


def test_cross_entropy_shows_why_its_error_signal_is_y_minus_z(tmp_path):
    cfg = tmp_path / "ce.toml"
    cfg.write_text(MAZUR.read_text().replace('bias = "shared"', "").replace("update_biases = false", "")
                   .replace('loss = "mse"', 'loss = "cross-entropy"').replace('"init-weights-biases.json"',
                                                                           f'"{MAZUR.parent / "init-weights-biases.json"}"')
                   .replace('"dataset.csv"', f'"{MAZUR.parent / "dataset.csv"}"'))
    md = _report(cfg)
    # sympy's dL/dy, times the sigmoid's y(1 - y), simplified to y - z; the text says the two cancel
    assert "\\frac{1 - z_{[0]}}{1 - y_{o[0]}} - \\frac{z_{[0]}}{y_{o[0]}}" in md
    assert "&= y_{o[0]} - z_{[0]}\n\\end{aligned}" in md
    assert "the two cancel" in md
    # delta_o[0] = y - z = 0.75136507 - 0.01 (the post's forward values) = 0.7414
    assert "&= 0.7514 - 0.01 \\\\\n&= 0.7414" in md
    out = tmp_path / "ce.md"
    out.write_text(md)
    assert main(["verify", str(out)]) == 0


def test_without_biases_no_bias_is_written(tmp_path):
    from tracer.explain.sections import explain

    cfg = variant_config([2, 3, 2], "sigmoid", bias="none")
    trace, _ = record(cfg, "first:1")
    from tracer.render.report import render

    md = render(explain(trace, 0, config=cfg), "md")
    body = md[:md.index("Save the min-max")]  # the saved weights file lists its zero biases
    assert "b_{" not in body and "b_h" not in body and "adds a bias" not in body
    assert "this network has no biases" in md


@pytest.mark.parametrize("fmt", ["tex", "html"])
def test_the_mazur_report_in_latex_and_html_verifies(tmp_path, fmt):
    text = _report(MAZUR, fmt)
    assert "frozen" in text and "0.3589" in text and "0.1498" in text  # w5+ and w1+, to 4 decimals
    out = tmp_path / f"m.{fmt}"
    out.write_text(text)
    assert main(["verify", str(out)]) == 0


def test_the_walk_follows_the_variant(capsys):
    assert main(["walk", str(MAZUR), "--no-pause"]) == 0
    out = capsys.readouterr().out
    assert "The biases are frozen" in out and "one bias per layer, shared by all its nodes" in out
    assert "∇L(bₒ)" not in out and "bₒⁿᵉʷ = bₒ" in out


def test_softmax_with_cross_entropy_derives_y_minus_z(tmp_path):
    cfg = variant_config([2, 3, 3], ["sigmoid", "softmax"], softmax_targets=True, loss="cross-entropy")
    from tracer.explain.sections import explain
    from tracer.render.report import render

    trace, _ = record(cfg, "first:1")
    md = render(explain(trace, 0, config=cfg), "md")
    # sympy's derivatives of the softmax, held to y_0 (1 - y_0) and -y_1 y_0, summed to y_0 sum z - z_0
    assert "&= y_{o[0]} \\left(1 - y_{o[0]}\\right)\n" in md and "&= - y_{o[1]} y_{o[0]}\n" in md
    assert "&= y_{o[0]} \\left(z_{[0]} + z_{[1]} + z_{[2]}\\right) - z_{[0]}\n" in md
    assert "(as this row's do)" in md and "\\text{softmax}(s_{o})" in md
    out = tmp_path / "sm.md"
    out.write_text(md)
    assert main(["verify", str(out)]) == 0


def test_report_refuses_softmax_with_a_squared_loss():
    cfg = variant_config([2, 3, 3], ["sigmoid", "softmax"], loss="sse")
    with pytest.raises(config.InputError, match='softmax output layer with loss = "cross-entropy" only'):
        config.check_explainable(cfg, "report")
    config.check_explainable(cfg, "check")  # check compares any loss's gradient


def test_updated_weights_update_each_layer_before_the_signals_it_sends_back():
    from tracer.explain.sections import explain
    from tracer.render.report import render

    cfg = variant_config([2, 3, 2], "sigmoid", hidden_deltas="updated-weights")
    trace, _ = record(cfg, "first:1")
    expl = explain(trace, 0, config=cfg)
    assert [s.key for s in expl.sections if s.number.startswith("5.")] == \
        ["output_delta", "output_update", "hidden_delta", "hidden_update"]
    md = render(expl, "md")
    # dL/da_h[0] through the output layer's new weights, named so
    assert "\\frac{\\partial L}{\\partial a_{h[0]}} &= w_{o[0][0]}^{\\text{new}} \\delta_{o[0]}" in md
    assert "not exactly, the gradient of the loss" in md


def test_the_report_of_updated_weights_says_why_its_appendix_checks_nothing(tmp_path):
    cfg = tmp_path / "uw.toml"
    cfg.write_text(MAZUR.read_text().replace('bias = "shared"', "").replace("update_biases = false", "")
                   .replace('loss = "mse"', 'hidden_deltas = "updated-weights"')
                   .replace('"init-weights-biases.json"', f'"{MAZUR.parent / "init-weights-biases.json"}"')
                   .replace('"dataset.csv"', f'"{MAZUR.parent / "dataset.csv"}"'))
    out = tmp_path / "uw.md"
    assert main(["report", str(cfg), "-o", str(out)]) == 0
    md = out.read_text()
    appendix = md[md.index("Appendix A"):]
    assert "not the gradient of the loss" in appendix and "relative error" not in appendix
    # dL/da_h[0] = w5+ delta_o1 + w7+ delta_o2 with the post's new weights 0.35891648 and 0.51130127
    assert "&= 0.3589 \\cdot 0.1385 + 0.5113 \\cdot (-0.03810) \\\\" in md
    assert main(["verify", str(out)]) == 0


@pytest.mark.parametrize("keys", [{"momentum": 0.9}, {"momentum": 0.5, "bias": "shared", "loss": "cross-entropy"},
                                  {"momentum": 0.9, "update_biases": False}], ids=["per-node", "shared", "frozen"])
def test_momentum_shows_each_velocity_and_the_step_by_it(keys):
    """v_new = mu v + grad and p_new = p - eta v_new, the gradient from tests/reference.py's chain rule."""
    from tracer.explain.sections import explain

    cfg = variant_config([2, 3, 2], "sigmoid", rows=2, seed=3, **keys)
    trace, _ = record(cfg.replace(epochs=2), "first:4")
    v, mu, eta = cfg.variant, cfg.variant.momentum, cfg.learning_rate
    for k in range(4):
        W = [trace.w[l][k].tolist() for l in range(2)]
        B = [trace.b[l][k].tolist() for l in range(2)]
        grads = reference_gradient(W, B, ["sigmoid"] * 2, [trace.x[k].tolist()], [trace.z[k].tolist()],
                                   v.loss, v.bias, v.update_biases)
        want_v, want_p = {}, {}
        pos = 0
        for l in range(2):
            for j, row in enumerate(W[l]):
                for i, w in enumerate(row):
                    g = grads[pos]
                    pos += 1
                    want_v[(l, f"v[{j}][{i}]")] = mu * trace.v_w[l][k][j][i] + g
                    want_p[(l, f"w[{j}][{i}]")] = w - eta * want_v[(l, f"v[{j}][{i}]")]
            for j in range(len(B[l]) if v.bias == "per-node" else 1):
                if not v.update_biases:
                    want_p[(l, f"b[{j}]")] = B[l][j]
                    continue
                g = grads[pos]
                pos += 1
                want_v[(l, f"vb[{j}]")] = mu * trace.v_b[l][k][j] + g
                want_p[(l, f"b[{j}]")] = B[l][j] - eta * want_v[(l, f"vb[{j}]")]
        expl = explain(trace, k, config=cfg)
        got = {(sec.layer, eq.name): eq.value for sec in expl.sections if sec.key.endswith("_update")
               for eq in sec.equations if eq.name != "sum delta"}  # (a shared bias's gradient, tested above)
        assert set(got) == set(want_v) | set(want_p)
        for key, want in {**want_v, **want_p}.items():
            assert got[key] == pytest.approx(want, rel=1e-12, abs=1e-15), (k, key)
        if k < 3:  # the velocity shown after this step is the one the next step starts from
            assert got[(1, "v[0][0]")] == trace.v_w[1][k + 1][0][0]
    assert any(abs(trace.v_w[1][3]).ravel() > 1e-3)  # the velocities really built up
