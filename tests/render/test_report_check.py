"""The report's appendix: every gradient of the explained step checked two more ways."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.render.notebook import report
from tracer.render.report import render

import reference
from conftest import EXAMPLES


HEADING = "## Appendix A: Checking every gradient"


def appendix_rows(md: str) -> list[list[str]]:
    part = md[md.index(HEADING):]
    rows = [ln for ln in part.splitlines() if ln.startswith("| $")]
    return [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in rows]


def value(cell: str) -> float:
    """A table cell as a number: 0.0113098, or $1.15648 \\times 10^{-15}$, or $10^{-6}$."""
    m = re.fullmatch(r"\$(?:(-?[\d.]+) \\times )?10\^\{(-?\d+)\}\$", cell)
    return float(m.group(1) or 1) * 10.0 ** int(m.group(2)) if m else float(cell)


def test_value_reads_what_the_table_prints():
    assert value("-0.00592275") == -0.00592275 and value("0") == 0.0
    assert value(r"$1.15648 \times 10^{-15}$") == 1.15648e-15 and value("$10^{-6}$") == 1e-6
    assert value(r"$-5.4 \times 10^{-6}$") == -5.4e-6


def test_appendix_of_the_document_example_matches_an_independent_backpropagation():
    md = render(report(), "md")
    rows = appendix_rows(md)
    # the reference's first step of the document's example (x = 0.5, 0.5; z = 0.91)
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    rec = reference.step(W, B, ["sigmoid", "sigmoid"], [0.5, 0.5], [0.91], 0.1)
    hidden, out = rec["layers"]
    expected = [g for row in hidden["grad_w"] for g in row] + hidden["grad_b"] + out["grad_w"][0] + out["grad_b"]
    names = [r[0] for r in rows]
    assert names[:2] == ["$w_{h[0][0]}$", "$w_{h[0][1]}$"] and names[-1] == "$b_{o}$"
    assert len(rows) == 13
    for row, g in zip(rows, expected):
        assert len(row) == 5  # no verdict column when every gradient agrees
        backprop, fd, sym, err = (value(v) for v in row[1:5])
        tol = 5e-6 * abs(g)  # printed to 6 significant digits: half a unit of the sixth
        assert abs(backprop - g) <= tol and abs(sym - g) <= tol, row
        assert abs(fd - g) <= tol + 1e-8, row  # the finite difference of a zero gradient is ~1e-15
        assert 0 <= err <= 1e-6, row
    # The zero gradients of w_h[2][*] and b_h[2] (w_o[2] = 0 cuts node 2 off): the finite
    # difference leaves ~1e-15, divided by the floor 1e-5 (the loss 0.0745 is below 1).
    zero = [r for r in rows if value(r[1]) == 0]
    assert [r[0] for r in zero] == ["$w_{h[2][0]}$", "$w_{h[2][1]}$", "$b_{h[2]}$"]
    assert all(value(r[4]) == pytest.approx(abs(value(r[2])) / 1e-5, rel=0.05) for r in zero)
    assert "All 13 gradients of this step agree within a relative error of $10^{-6}$." in md
    assert "or by a floor ($\\max(1, L) \\cdot 10^{-5}$, here $10^{-5}$)" in md
    assert "`mlptrace check`" in md and "$L(w, b)$" in md


def test_large_networks_get_one_row_per_layer():
    md = render(report(EXAMPLES / "deep" / "deep.toml"), "md")
    part = md[md.index(HEADING):]
    assert "| parameter | backpropagation | finite difference | sympy | relative error |" in part
    rows = appendix_rows(md)
    # one parameter per layer, its name saying the layer
    assert [re.match(r"\$[wb]_\{(h_\{\d\}|o)", r[0]).group(1) for r in rows] == ["h_{1}", "h_{2}", "o"]
    for r in rows:
        backprop, fd, sym, err = (value(v) for v in r[1:5])
        assert fd == pytest.approx(backprop, rel=1e-5) and sym == pytest.approx(backprop, rel=1e-5)
        assert err <= 1e-6
    assert "All 54 gradients of this step agree" in part  # 3*5+5 + 5*4+4 + 4*2+2
    assert "for each layer, the parameter whose gradient agrees least" in part


def test_a_broken_derivative_shows_in_the_appendix(monkeypatch):
    import dataclasses

    from tracer.core import activations

    good = activations.ACTIVATIONS["sigmoid"]
    broken = dataclasses.replace(good, df=lambda s, a, out=None: np.multiply(good.df(s, a, out=out), 1.01, out=out))
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", broken)
    md = render(report(), "md")
    assert "disagree beyond a relative error" in md
    verdicts = [r[-1] for r in appendix_rows(md)]
    # f' is 1% off: every gradient but the three that are zero (w_o[2] = 0 cuts hidden node 2 off)
    assert verdicts.count("DIFFERS") == 10 and verdicts.count("ok") == 3


def test_reports_render_when_the_template_cache_cannot_be_written(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    env = {"XDG_CACHE_HOME": str(blocker), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "tracer", "report", "--no-figures"], capture_output=True, text=True,
                       cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert HEADING in r.stdout
    cached = tmp_path / "cache"
    r = subprocess.run([sys.executable, "-m", "tracer", "report", "--no-figures"], capture_output=True, text=True,
                       cwd=ROOT, env={**env, "XDG_CACHE_HOME": str(cached)})
    assert r.returncode == 0 and list((cached / "mlptrace" / "jinja").iterdir())


def test_a_trace_displays_itself_in_a_notebook():
    from tracer.config.run import record

    from tracer.render.notebook import show

    trace, _ = record(config.load(None), "first:1")
    md = show(trace)._repr_markdown_()
    assert "## 4.1 The summation function for the hidden layer" in md and "0.5241" in md
    tex = show(trace)._repr_latex_()
    assert "$$" in tex and "0.4378" in tex
    empty, _ = record(config.load(None).replace(epochs=3), "epochs")
    assert "kept no step" in show(empty)._repr_markdown_()


def test_the_appendix_reads_alike_in_latex_and_html():
    expl = report()
    tex = render(expl, "tex")
    assert r"\section*{Appendix A \quad Checking every gradient}" in tex
    part = tex[tex.index("Appendix A"):]
    assert r"\texttt{mlptrace check}" in part and "$L(w, b)$" in part and "relative error of $10^{-6}$" in part
    # numbers in the table are math: a minus sign, and powers of ten, not 1.15648e-15
    assert "$-0.00592275$" in part and r"$1.15648 \times 10^{-15}$" in part and "e-15" not in part
    html = render(expl, "html")
    assert '<h2><span class="num">Appendix A</span> Checking every gradient</h2>' in html
    assert "<code>mlptrace check</code>" in html and "e-15" not in html[html.index("Appendix A"):]
