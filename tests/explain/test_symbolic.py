"""The symbolic layer: equations in three forms, checked against an independent step.

Expected values come from tests/reference.py (plain-Python SGD written from
the document, sharing no code with tracer) or from the document itself.
"""

from __future__ import annotations

import math
import re

import pytest

import reference
from conftest import EXAMPLES
from tracer.config import schema as config
from tracer.config.run import record
from tracer.core.numbers import fmt
from tracer.explain import model as model_mod
from tracer.explain import sections
from tracer.render.context import plain
from tracer.render.printers.latex import ROW_WIDTH, LatexPrinter, rows, width
from tracer.render.printers.unicode import UnicodePrinter


def explain(*args, **kw):
    """The explanation as the printers write it (LaTeX and unicode of every piece): what these tests read."""
    return plain(sections.explain(*args, **kw))

SEED = None  # the embedded default
DEEP = EXAMPLES / "deep" / "deep.toml"
WIDE = EXAMPLES / "wide" / "wide.toml"


def _cfg(path, activation=None):
    return config.load(path).with_activation(activation)


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name, path, act in (("sigmoid", SEED, None), ("tanh", SEED, "tanh"), ("deep", DEEP, None), ("wide", WIDE, None)):
        cfg = _cfg(path, act)
        trace, _ = record(cfg, "first:3")
        out[name] = (cfg, trace, explain(trace, config=cfg))
    return out


def _reference_step(cfg):
    """Step 0 of ``cfg`` by the independent implementation."""
    W = [w.tolist() for w, _ in cfg.initial_params()]
    B = [b.tolist() for _, b in cfg.initial_params()]
    X, Z = cfg.training_data()  # normalisation is tested in test_document_example
    return reference.step(W, B, cfg.activations, X[0].tolist(), Z[0].tolist(), cfg.learning_rate)


# --------------------------------------------------------------------------
# numbers


def test_fmt_prints_numbers_as_the_document_does():
    assert fmt(-0.5) == "-0.5"  # exact numbers keep one decimal, like the configured weights
    assert fmt(1.0) == "1.0" and fmt(0.0) == "0.0" and fmt(-0.0) == "0.0"
    assert fmt(0.4378235) == "0.4378"
    assert fmt(-0.09625236) == "-0.09625"  # below 0.1: a decimal more per leading zero
    assert fmt(-0.01184549) == "-0.01185"
    assert fmt(6.109e-05) == "0.00006109"
    assert fmt(1 / 3, 2) == "0.33"
    assert fmt(1e-30) == "0.00000000"  # at most `digits` extra decimals
    assert fmt(-1e-12) == "0.00000000" and fmt(-4e-9) == "0.00000000"  # zero has no sign
    assert fmt(-6e-9) == "-0.00000001"
    # float64 arithmetic that lands next to a short decimal prints as that decimal
    assert (1.2 - 0.5) / (3 - 0.5) != 0.28 and fmt((1.2 - 0.5) / (3 - 0.5)) == "0.28"
    assert 0.1 + 0.2 != 0.3 and fmt(0.1 + 0.2) == "0.3"
    assert (0.7 - 0.5) / 2.5 != 0.08 and fmt((0.7 - 0.5) / 2.5) == "0.08"
    assert fmt(0.28 + 1e-12) == "0.2800"  # truly not 0.28: the rounded decimals keep their zeros


# --------------------------------------------------------------------------
# values against the independent step


def _by_name(expl, key, name, layer=None):
    sec = expl.section(key, layer)
    return next(e for e in sec.equations if e.name == name)


@pytest.mark.parametrize("which", ["sigmoid", "tanh", "deep", "wide"])
def test_every_result_equals_the_reference_step(runs, which):
    cfg, trace, expl = runs[which]
    ref = _reference_step(cfg)
    L = len(ref["layers"])
    checked = 0
    for sec in expl.sections:
        l = sec.layer
        for eq in sec.equations:
            if eq.value is None or sec.key in ("normalise",):
                continue
            rl = ref["layers"][l] if l is not None else None
            idx = [int(v) for v in re.findall(r"\[(\d+)\]", eq.name)]  # e.g. w[1][0]: node 1, input 0
            j = idx[0] if idx else 0
            if sec.key.endswith("_sum"):
                want = rl["s"][j]
            elif sec.key.endswith("_activation"):
                want = rl["a"][j]
            elif sec.key == "loss":
                want = ref["loss"]
            elif sec.key.endswith("_delta"):
                if eq.name.startswith("dL/da"):
                    nxt = ref["layers"][l + 1]
                    want = sum(nxt["w"][k][j] * nxt["delta"][k] for k in range(len(nxt["delta"])))
                else:
                    want = rl["delta"][j]
            elif sec.key.endswith("_update"):
                want = rl["b_new"][j] if eq.name.startswith("b") else rl["w_new"][j][idx[1]]
            else:
                continue
            assert eq.value == pytest.approx(want, rel=1e-12, abs=1e-15), (sec.id, eq.name)
            assert eq.result.text == fmt(want, expl.digits) or abs(float(eq.result.text) - want) <= 0.5 * 10 ** -expl.digits
            checked += 1
    assert checked >= 3 * L


def test_seed_numbers_are_the_documents(runs):
    """A few of the document's own numbers, straight from the explanation."""
    _, _, sig = runs["sigmoid"]
    assert [e.result.text for e in sig.section("hidden_sum").equations] == ["-0.25", "0.5", "1.0"]
    assert [e.result.text for e in sig.section("hidden_activation").equations] == ["0.4378", "0.6225", "0.7311"]
    # The document prints a_h[2] = 0.7310; 1/(1+e^-1) = 0.731059 rounds to 0.7311.
    assert _by_name(sig, "output_delta", "delta[0]").result.text == "-0.09625"  # document: -0.096252
    _, _, tanh = runs["tanh"]
    assert [e.result.text for e in tanh.section("hidden_activation").equations] == ["-0.2449", "0.4621", "0.7616"]
    # The document prints s_o = -0.0836 and y_o = -0.0834; -0.1225 - 0.4621 + 0 + 0.5 = -0.0846.
    assert tanh.section("output_sum").equations[0].result.text == "-0.08458"
    assert tanh.section("output_activation").equations[0].result.text == "-0.08438"  # the document's -0.08438 in 5.1


# --------------------------------------------------------------------------
# the substituted form evaluates back to the result


_TEXT_FUNCS = {
    "exp": math.exp,
    "tanh": math.tanh,
    "sig": lambda s: 1 / (1 + math.exp(-s)),
    "relu": lambda s: max(0.0, s),
    "id": lambda s: s,
}
_NUM = re.compile(r"\d+\.\d+|\d+")


def _evaluate_with_tolerance(text: str) -> tuple[float, float]:
    """Evaluate a unicode substituted line; return (value, how far rounding of its numbers can move it)."""
    py = text.replace("·", "*").replace("²", "**2").replace("^", "**").replace("σ(", "sig(")
    nums, holes = [], []

    def hole(m):
        if py[max(0, m.start() - 2):m.start()] == "**":
            return m.group(0)  # an exponent is exact
        nums.append(float(m.group(0)))
        holes.append(0.5 * 10 ** -len(m.group(0).split(".")[1]) if "." in m.group(0) else 0.0)
        return f"n[{len(nums) - 1}]"

    src = _NUM.sub(hole, py)
    f = eval("lambda n: " + src, {"__builtins__": {}, **_TEXT_FUNCS})  # noqa: S307 - our own output, parsed by the test
    value = f(nums)
    tol = 0.0
    for i, h in enumerate(holes):
        if h:
            up = list(nums)
            up[i] += h
            dn = list(nums)
            dn[i] -= h
            tol += max(abs(f(up) - value), abs(f(dn) - value))
    return value, tol


@pytest.mark.parametrize("which", ["sigmoid", "tanh", "deep", "wide"])
def test_substituted_text_evaluates_to_the_result(runs, which):
    _, _, expl = runs[which]
    n = 0
    for sec in expl.sections:
        for eq in sec.equations:
            res = eq.result
            if res is None:
                continue
            shown = float(res.text)
            half = 0.5 * 10 ** -len(res.text.split(".")[1])
            for line in eq.lines:
                if line.kind not in ("substituted", "evaluated"):
                    continue
                value, tol = _evaluate_with_tolerance(line.text)
                assert abs(value - shown) <= tol * 1.01 + half + 1e-12, (sec.id, eq.name, line.text, res.text)
                n += 1
    assert n >= 10


def test_the_tolerance_catches_a_wrong_result():
    value, tol = _evaluate_with_tolerance("0.5·(-0.5) + 0.5·(-1.0) + 0.5")
    assert value == -0.25 and tol < 0.2
    assert abs(value - (-0.5)) > tol  # -0.5 would be rejected


# --------------------------------------------------------------------------
# the derivation is sympy's


def test_chain_rule_comes_from_sympys_derivatives(runs):
    _, _, sig = runs["sigmoid"]
    d = {e.name: e for e in sig.section("output_delta").derivation}
    assert d["dL/dy"].lines[-1].text == "yₒ - z"
    assert [ln.text for ln in d["dy/ds"].lines] == [
        "∂/∂sₒ (1/(1 + exp(-sₒ)))", "exp(-sₒ)/(1 + exp(-sₒ))²", "yₒ·(1 - yₒ)"]
    assert d["ds/dw"].lines[-1].text == "aₕ[0]"
    assert d["ds/db"].lines[-1].text == "1"
    assert d["dy/ds"].lines[1].latex == r"\frac{e^{- s_{o}}}{\left(1 + e^{- s_{o}}\right)^{2}}"
    _, _, tanh = runs["tanh"]
    d = {e.name: e for e in tanh.section("output_delta").derivation}
    assert [ln.text for ln in d["dy/ds"].lines][1:] == ["1 - tanh(sₒ)²", "1 - yₒ²"]
    h = {e.name: e for e in tanh.section("hidden_delta").derivation}
    assert h["ds/da"].lines[-1].text == "wₒ[0]"
    assert h["dL/da"].lines[-1].text == "δₒ·wₒ[0]"


def test_every_gradient_is_derived_the_same_way(runs):
    # delta = dL/ds, and each gradient dL/dp = dL/ds * ds/dp = delta * (ds/dp): the same three
    # steps for the output layer and every hidden one (the hidden bias once skipped to "= delta")
    _, _, deep = runs["deep"]
    for sec in [deep.section("output_delta"), *(s for s in deep.sections if s.key == "hidden_delta")]:
        d = {e.name: e for e in sec.derivation}
        s, delta = d["ds/dw"].lhs.text.split("/")[0][1:], d["delta"].lhs.text
        w, b = d["ds/dw"].lhs.text.split("∂")[-1], d["ds/db"].lhs.text.split("∂")[-1]
        assert d["delta"].lines[0].text == f"∂L/∂{s}", sec.id
        assert [ln.text for ln in d["grad w"].lines] == [f"∂L/∂{w}", f"∂L/∂{s} · ∂{s}/∂{w}",
                                                         f"{delta}·{d['ds/dw'].lines[-1].text}"], sec.id
        assert [ln.text for ln in d["grad b"].lines] == [f"∂L/∂{b}", f"∂L/∂{s} · ∂{s}/∂{b}", delta], sec.id


def test_every_nonlinear_activation_is_defined_where_it_is_first_used():
    for name, want in (("sigmoid", "1/(1 + exp(-sₕ))"), ("tanh", "(exp(sₕ) - exp(-sₕ))/(exp(sₕ) + exp(-sₕ))"),
                       ("relu", "max(0, sₕ)")):
        m = model_mod.Model([2, 3, 1], [name, name])
        (f,) = [plain(e) for e in m.general["hidden_activation.0"] if e.name == "f"]
        assert f.lines[-1].text == want, name
    assert [e.name for e in model_mod.Model([2, 3, 1], ["linear"] * 2).general["hidden_activation.0"]] == ["a"]


def test_linear_activation_derivative_is_one():
    m = model_mod.Model([2, 1], ["linear"])
    d = {e.name: plain(e) for e in m.derivation["output_delta.0"]}
    assert d["dy/ds"].lines[-1].text == "1"
    assert d["dL/dy"].lines[-1].text == "yₒ - z"


# --------------------------------------------------------------------------
# per structure, not per step


def test_no_sympy_work_per_step(runs, monkeypatch):
    cfg, trace, first = runs["deep"]

    def boom(*a, **k):
        raise AssertionError("sympy printed during a step")

    # sympy's printing of its own classes: the printers keep each formula and form they printed
    for printer in (LatexPrinter, UnicodePrinter):
        for method in ("_print_Add", "_print_Mul", "_print_Pow", "_print_Symbol", "_print_Function"):
            monkeypatch.setattr(printer, method, boom)
    again = explain(trace, step=2, config=cfg)  # same structure: the cached model, only numbers change
    a = again.section("hidden_sum", 0).equations[0]
    b = first.section("hidden_sum", 0).equations[0]
    assert a.symbolic == b.symbolic and a.substituted != b.substituted


def test_model_is_cached_per_structure():
    a = model_mod.model((2, 3, 1), ("sigmoid", "sigmoid"))
    assert model_mod.model((2, 3, 1), ("sigmoid", "sigmoid")) is a
    assert model_mod.model((2, 3, 1), ("tanh", "tanh")) is not a


# --------------------------------------------------------------------------
# layout: notation, large layers, long sums


def test_section_order_is_the_documents(runs):
    _, _, deep = runs["deep"]
    assert [s.id for s in deep.sections] == [
        "network", "minmax", "normalise",
        "hidden_sum-0", "hidden_activation-0", "hidden_sum-1", "hidden_activation-1",
        "output_sum-2", "output_activation-2", "loss", "gradient_descent",
        "output_delta-2", "hidden_delta-1", "hidden_delta-0",
        "output_update-2", "hidden_update-1", "hidden_update-0", "update", "iterations", "saved"]


def test_notation(runs):
    _, _, sig = runs["sigmoid"]
    eq = sig.section("output_update").equations[1]
    assert eq.lhs.latex == r"w_{o[1]}^{\text{new}}"
    assert eq.symbolic.latex == r"w_{o[1]} - \eta \nabla L(w_{o[1]})"
    assert eq.lines[1].latex == r"w_{o[1]} - \eta \delta_{o} a_{h[1]}"
    assert sig.section("hidden_sum").equations[0].symbolic.latex == r"x_{[0]} w_{h[0][0]} + x_{[1]} w_{h[0][1]} + b_{h[0]}"
    _, _, deep = runs["deep"]
    assert deep.section("hidden_sum", 1).equations[0].lhs.latex == r"s_{h_{2}[0]}"
    assert deep.section("loss").equations[0].symbolic.text == "((yₒ[0] - z[0])² + (yₒ[1] - z[1])²)/2"
    assert deep.section("output_delta").equations[1].lhs.latex == r"\delta_{o[1]}"


def test_large_layers_show_one_node_and_a_table(runs):
    cfg, trace, deep = runs["deep"]
    sec = deep.section("hidden_sum", 0)
    assert [e.name for e in sec.equations] == ["s[0]"]
    assert len(sec.tables[0].rows) == 5 and len(sec.matrix) == 1
    assert [str(c) for c in sec.matrix[0].result.text.strip("[]").split("; ")] == [fmt(v) for v in trace.s[0][0]]
    full = explain(trace, config=cfg, full=True)
    assert len(full.section("hidden_sum", 0).equations) == 5
    assert len(full.section("hidden_update", 0).equations) == 5 * 3 + 5


@pytest.mark.parametrize("d", range(1, 6))
def test_every_broken_row_fits_with_its_indent(d):
    # sums of terms of varied widths: a continuation row's \quad counts against its width too
    for n in range(6, 40):
        terms = [f"{0.1 * (k % 7):.{1 + (k * d) % 5}f} \\cdot ({-0.5 - 0.01 * k:.4f})" for k in range(n)]
        broken = rows(" + ".join(terms))
        assert len(broken) > 1 and all(width(r) <= ROW_WIDTH for r in broken), broken
        assert all(r.startswith("\\quad {} + ") for r in broken[1:])


def test_long_sums_break_into_rows_that_fit(runs):
    _, _, wide = runs["wide"]
    eq = wide.section("hidden_sum").equations[0]
    for line in (eq.symbolic, eq.substituted):
        assert len(line.rows) > 1
        assert all(width(r) <= ROW_WIDTH for r in line.rows)
        assert "".join(r.replace(r"\quad {} ", " ") for r in line.rows).replace("  ", " ") == line.latex
    block = eq.latex()
    assert block.startswith("\\begin{aligned}\ns_{h[0]} &= x_{[0]} w_{h[0][0]}")
    assert "\\\\\n&\\quad {} + " in block


def test_equation_text_lines():
    cfg = config.load(None)
    trace, _ = record(cfg, "first:1")
    eq = explain(trace).section("hidden_sum").equations[0]
    assert eq.text() == ("sₕ[0] = x[0]·wₕ[0][0] + x[1]·wₕ[0][1] + bₕ[0]\n"
                         "      = 0.5·(-0.5) + 0.5·(-1.0) + 0.5\n"
                         "      = -0.25 - 0.5 + 0.5\n"
                         "      = -0.25")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_output_form_of_each_derivative_is_sympys_derivative(name):
    """The derivation prints f'(s) in terms of the output (a(1-a), 1-a^2): it must be sympy's own f'."""
    import sympy as sp

    from tracer.core.activations import get

    s = sp.Symbol("s")
    act = get(name)
    f = act.form(sp, s)
    # d/ds max(0, s) is Heaviside(s); the output form's Heaviside(s, 0) only fixes relu'(0) = 0.
    mine = sp.Heaviside(s) if name == "relu" else act.output_form(sp, f, s)
    assert sp.cancel(sp.diff(f, s) - mine) == 0
