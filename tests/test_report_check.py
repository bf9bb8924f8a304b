"""The report's appendix: every gradient of the explained step checked two more ways."""

from __future__ import annotations

import re

import numpy as np

from tracer import config
from tracer.render import render, report

import reference
from conftest import EXAMPLES


def appendix_rows(md: str) -> list[list[str]]:
    part = md[md.index("Appendix: checking every gradient"):]
    rows = [ln for ln in part.splitlines() if ln.startswith("| $")]
    return [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in rows]


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
        backprop, fd, sym = (float(v) for v in row[1:4])
        assert abs(backprop - g) <= 1e-9 * max(1, abs(g)), row  # printed to 8 significant digits
        assert abs(fd - g) <= 1e-8 and abs(sym - g) <= 1e-9, row
        assert row[-1] == "ok"
    assert "All 13 gradients of this step agree" in md


def test_large_networks_get_one_row_per_layer():
    md = render(report(EXAMPLES / "deep" / "deep.toml"), "md")
    part = md[md.index("Appendix: checking every gradient"):]
    assert "| layer | worst | backpropagation |" in part
    assert [ln.split("|")[1].strip() for ln in part.splitlines() if ln.startswith("| ") and "$" in ln] == [
        "hidden layer 1", "hidden layer 2", "the output layer"]
    assert "All 54 gradients of this step agree" in part  # 3*5+5 + 5*4+4 + 4*2+2


def test_a_broken_derivative_shows_in_the_appendix(monkeypatch):
    import dataclasses

    from tracer import activations

    good = activations.ACTIVATIONS["sigmoid"]
    broken = dataclasses.replace(good, df=lambda s, a, out=None: np.multiply(good.df(s, a, out=out), 1.01, out=out))
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", broken)
    md = render(report(), "md")
    assert "disagree beyond a relative error" in md
    assert "DIFFERS" in md


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
    assert "## A Appendix: checking every gradient" in r.stdout
    cached = tmp_path / "cache"
    r = subprocess.run([sys.executable, "-m", "tracer", "report", "--no-figures"], capture_output=True, text=True,
                       cwd=ROOT, env={**env, "XDG_CACHE_HOME": str(cached)})
    assert r.returncode == 0 and list((cached / "mlptrace" / "jinja").iterdir())


def test_a_trace_displays_itself_in_a_notebook():
    from tracer.run import record

    trace, _ = record(config.load(None), "first:1")
    md = trace._repr_markdown_()
    assert "## 4.1 The summation function for the hidden layer" in md and "0.5241" in md
    assert "$$" in trace._repr_latex_() and "0.4378" in trace._repr_latex_()
    empty, _ = record(config.load(None).replace(epochs=3), "epochs")
    assert "kept no step" in empty._repr_markdown_()
