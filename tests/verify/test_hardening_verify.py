"""Catalogue (issue 11, classes 2 and 3): ``mlptrace verify`` on hostile documents.

The promise: verify never raises a traceback, whatever the document holds.
A span it cannot read is counted as "not parsed"; exit status 0 or 1 as for
any document; ``--json`` is strict JSON (no NaN, no Infinity).  Every
scanning step is linear in the document's size, so each hostile document
below is checked within a generous time limit: sized so that the code before
these fixes ran far past it (exponential backtracking, a regex or loop that
rescans the rest of the document per line, span or table).

Each case runs the real command in a subprocess (``badinput.run``) with a
timeout, so a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from badinput import assert_no_raw_control, run
from conftest import ROOT

from tracer.verify import verify_text

HANG_LIMIT = 20  # seconds per case; the fixed code needs well under 2 on each


def _strict(text: str):
    """Parse JSON as a strict reader would: NaN and Infinity are not JSON."""
    def refuse(name):
        raise AssertionError(f"{name} in verify's JSON output")
    return json.loads(text, parse_constant=refuse)


def verify(folder: Path, text: str, *args: str, name: str = "d.md", timeout: float = HANG_LIMIT):
    """Run ``mlptrace verify`` on ``text``; check the promise; return (status, checks as parsed JSON, report)."""
    doc = folder / name
    doc.write_text(text, encoding="utf-8", errors="surrogateescape")
    r = run(folder, ["verify", name, "--json", "-", *args], timeout=timeout)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode in (0, 1, 5), (r.returncode, r.stderr[-3000:])  # 5: nothing to check
    assert_no_raw_control(r.stdout, r.stderr)
    checks = _strict(r.stdout)
    # the same run with the human-readable report: also no traceback, same status
    r2 = run(folder, ["verify", name, *args], timeout=timeout)
    assert "Traceback" not in r2.stderr, r2.stderr[-3000:]
    assert r2.returncode == r.returncode
    return r.returncode, checks, r2.stdout


def verdicts(checks) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in checks:
        out[c["verdict"]] = out.get(c["verdict"], 0) + 1
    return out


# --------------------------------------------------------------------------
# class 2: recursion


def test_a_sum_of_350_terms_is_checked(tmp_path):
    status, checks, out = verify(tmp_path, "$$ " + " + ".join(["1"] * 350) + " = 350 $$\n")
    assert status == 0 and verdicts(checks) == {"ok": 1}
    assert "1 check on 1 line: 1 ok, 0 slips; 0 not parsed" in out


def test_a_long_sum_with_a_slip_is_a_slip(tmp_path):
    status, checks, _ = verify(tmp_path, "$$ " + " + ".join(["1"] * 5000) + " = 4999 $$\n")
    assert status == 1 and verdicts(checks) == {"slip": 1}
    assert checks[0]["recomputed"] == 5000


def test_long_products_powers_and_negations(tmp_path):
    doc = ("$$ " + r" \cdot ".join(["1"] * 3000) + " = 1 $$\n"
           "$$ " + "^".join(["1"] * 3000) + " = 1 $$\n"
           "$$ " + " - ".join(["1"] * 3000) + " = -2998 $$\n")
    status, checks, _ = verify(tmp_path, doc)
    assert status == 0 and verdicts(checks) == {"ok": 3}


@pytest.mark.parametrize("depth", [170, 5000])
def test_deeply_nested_parentheses_are_not_parsed(tmp_path, depth):
    status, checks, out = verify(tmp_path, "$$ " + "(" * depth + "1" + ")" * depth + " = 1 $$\n")
    assert status == 5 and verdicts(checks) == {"unparsed": 1}
    assert "nested" in checks[0]["note"]
    assert "0 checks on 0 lines: 0 ok, 0 slips; 1 not parsed" in out


def test_nesting_a_real_document_uses_is_parsed(tmp_path):
    depth = 20  # far more than any worked example nests
    status, checks, _ = verify(tmp_path, "$$ " + r"\frac{" * depth + "1" + "}{1}" * depth + " = 1 $$\n"
                               "$$ " + "-(" * depth + "1" + ")" * depth + " = 1 $$\n")
    assert status == 0 and verdicts(checks) == {"ok": 2}


@pytest.mark.parametrize("body", ["-" * 5000 + "1", r"\sigma(" * 3000 + "0" + ")" * 3000,
                                  r"\frac{1}{" * 3000 + "1" + "}" * 3000, "2^{" * 3000 + "1" + "}" * 3000,
                                  r"\begin{bmatrix}" * 3000 + "1" + r"\end{bmatrix}" * 3000])
def test_other_deep_nests_are_not_parsed(tmp_path, body):
    status, checks, _ = verify(tmp_path, f"$$ {body} = 1 $$\n")
    assert status == 5 and verdicts(checks) == {"unparsed": 1}


def test_a_long_formula_in_many_variables(tmp_path):
    terms = " + ".join(f"a_{{{i}}}" for i in range(3000))
    status, checks, _ = verify(tmp_path, f"$$ {terms} = {terms} $$\n")
    assert status == 0 and verdicts(checks) == {"ok": 1}


def test_a_long_gradient_descent_formula(tmp_path):
    # f(x) = x * x * ... * x (600 factors): its derivative is evaluated once per row
    f = r" \cdot ".join(["x"] * 600)
    doc = f"$$ f(x) = {f} $$\n\n$$ \\eta = 0.1 $$\n\n| x | \\nabla f(x) | x_{{new}} |\n|---|---|---|\n| 1 | 600 | -59 |\n"
    status, checks, _ = verify(tmp_path, doc)
    assert status == 0
    assert {c["expression"]: c["verdict"] for c in checks} == {"\\nabla f(x) at (1)": "ok", "1 - 0.1 \\cdot 600": "ok"}


def test_the_report_of_a_400_input_network_verifies(tmp_path):
    rng = random.Random(1)
    row = ", ".join(str(rng.randint(0, 9)) for _ in range(401))
    (tmp_path / "c.toml").write_text(
        "[network]\ninputs = 400\nhidden = [2]\noutputs = 1\nactivation = \"sigmoid\"\n"
        f"[training]\nepochs = 2\ndata = [[{row}]]\n[normalize]\nmethod = \"none\"\n"
        "[init]\nmethod = \"random\"\nseed = 3\n")
    r = run(tmp_path, ["report", "c.toml", "-o", "r.md"], timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    r = run(tmp_path, ["verify", "r.md", "--json", "-"], timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-3000:]
    found = verdicts(_strict(r.stdout))
    assert found.get("slip", 0) == 0 and found["ok"] > 10, found
    # the 401-term sums are evaluated, not given up on
    r = run(tmp_path, ["verify", "r.md", "--all"], timeout=120)
    assert " ok" in r.stdout and "Traceback" not in r.stderr


# --------------------------------------------------------------------------
# class 2: numbers out of float64's range


@pytest.mark.parametrize("printed", ["1.23e400", "1.23e" + "9" * 5000, "1.000e-400", "1.23e-" + "9" * 5000,
                                     "1" * 400, "0." + "0" * 400 + "1", "1e99999999999999999999"])
def test_a_number_float64_cannot_hold_is_not_parsed(tmp_path, printed):
    status, checks, out = verify(tmp_path, f"$1 + 1 = {printed}$\n\n$$ 2 \\cdot {printed} = 1 $$\n")
    assert status == 5 and verdicts(checks) == {"unparsed": 2}, checks
    assert all("range" in c["note"] for c in checks), checks


@pytest.mark.parametrize("printed", ["1.000e-400", "1.23e400", "1e" + "9" * 5000])
def test_an_out_of_range_named_value_with_config(tmp_path, printed):
    seed = ROOT / "examples" / "seed"
    for p in seed.iterdir():
        if p.is_file():
            (tmp_path / p.name).write_bytes(p.read_bytes())
    doc = f"$$ s_{{o}} = {printed} $$\n\n| node | s_{{h}} | a_{{h}} |\n|---|---|---|\n| 0 | {printed} | {printed} |\n"
    status, checks, _ = verify(tmp_path, doc, "--config", "sigmoid.toml", timeout=60)
    assert status == 5 and verdicts(checks) == {"unparsed": 1}, checks


@pytest.mark.parametrize("doc", [
    "$$ 1e308 \\cdot 10 = 1 $$\n",  # inf
    "$$ 1e308 \\cdot 10 - 1e308 \\cdot 10 = 1 $$\n",  # inf - inf: NaN
    "$$ \\frac{1}{1e-300} \\cdot \\frac{1}{1e-300} = 1 $$\n",
    "$$ \\begin{bmatrix} 1e308 \\end{bmatrix} \\begin{bmatrix} 10 \\end{bmatrix} = \\begin{bmatrix} 1 \\end{bmatrix} $$\n",
    "$$ e^{800} = 1 $$\n$$ 10^{400} = 1 $$\n$$ \\sqrt{1e308 \\cdot 1e308} = 1 $$\n",
])
def test_an_overflowing_computation_is_not_parsed(tmp_path, doc):
    status, checks, _ = verify(tmp_path, doc)
    assert status == 5 and set(verdicts(checks)) == {"unparsed"}, checks


@pytest.mark.parametrize("doc", [
    "1e308 -> 1.0\n-1e308 -> 0.0\n",  # (v - min) / (max - min): max - min overflows
    "| v | normalised |\n|---|---|\n| 1e308 | 1.0 |\n| -1e308 | 0.0 |\n",
    "| value | min | max | fed in |\n|---|---|---|---|\n| 1e308 | -1e308 | 1e308 | 0.5 |\n",
    "a, b\n1e400, 1\n-1e400, 2\n\na -> Min: -1e400, Max: 1e400\n",
    "$$ f(x) = x^2 $$\n\n| x | \\nabla f(x) | x_{new} |\n|---|---|---|\n| 1e400 | 1e400 | 1 |\n",
    "| v | normalised |\n|---|---|\n| a | b |\n",  # no number in the column
    "A linear activation.\n\n| node | s_{h} | a_{h} |\n|---|---|---|\n| 0 | 0 | 0.5 |\n",  # linear: no f to read
    # a start row whose x is no number
    "$$ f(x) = x^2 $$\n\n| x | \\nabla f(x) | x_{new} |\n|---|---|---|\n| abc |  |  |\n| 1 | 2 | 0.8 |\n",
    "$$ f(x) = x \\cdot 1e308 $$\n$$ \\eta = 1e308 $$\n\n| x | \\nabla f(x) | x_{new} | f(x) |\n|---|---|---|---|\n"
    "| 1e308 | 1e308 | 1 | 1 |\n",
])
def test_tables_with_huge_numbers_give_strict_json(tmp_path, doc):
    verify(tmp_path, doc)  # the promise: no traceback, strict JSON


def test_verify_text_never_raises_on_numbers(tmp_path):
    for printed in ["1e400", "1e-400", "1e" + "1" * 5000, "9" * 330, ".5e-330"]:
        for doc in (f"$1 = {printed}$", f"| a | b |\n|---|---|\n| {printed} | 1 |\n", f"{printed} -> 1\n",
                    f"$$ {printed}^{{2}} = 1 $$"):
            report = verify_text("d.md", doc)
            json.dumps([r.to_json("d.md") for r in report.results], allow_nan=False)


@pytest.mark.parametrize("doc, found", [
    ("$$ \\pi = 3.14 $$\n$$ -\\pi = -3.142 $$\n", {"ok": 2}),  # a number with no digits printed
    ("$$ 1 - - -0.0836 = 0.9164 $$\n$$ - -0.0836 = 0.0836 $$\n", {"ok": 2}),  # a negated signed number
    ("$$ 1 + 2_\\\n = 3 $$\n", {"unparsed": 1}),  # a subscript on a lone backslash
])
def test_terms_that_raised(tmp_path, doc, found):
    status, checks, _ = verify(tmp_path, doc)
    assert status == (0 if 'ok' in found else 5) and verdicts(checks) == found, checks


def test_unicode_digits_are_not_a_traceback(tmp_path):
    status, checks, _ = verify(tmp_path, "$x\u00b2 = 1$\n\n$$ 2\u00b3 = 8 $$\n\n$$ \u0663 + 1 = 4 $$\n")
    assert status == 5  # neither is a number this parser reads: nothing checked


# --------------------------------------------------------------------------
# class 3: hangs


HANGS = {
    # exponential backtracking: a number may give up digits to the next one
    "arrow row": lambda: "1->" + "111->" * 40 + "1x\n",
    "arrow rows": lambda: ("1->" + "111->" * 30 + "1x\n") * 200,
    # a heading test with three ambiguous quantifiers
    "capitals before a table": lambda: "A" * 6000 + "a\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    # each table's caption searched back to the top
    "30,000 tiny tables": lambda: "| a | b |\n|---|---|\n| 1 | 2 |\n\n" * 30000,
    # each opener searches the rest of the document for its closer
    "200,000 unclosed \\[": lambda: "\\[ 1 " * 200000,
    "unclosed \\(": lambda: "\\( 1 " * 200000,
    "unclosed $$ and environments": lambda: "$$ 1 = 1 $$ " + ("\\begin{equation} 1 $$ " * 100000),
    # the rest of the span copied per backslash
    "1 MB of \\,": lambda: "$$ 1 + " + "\\," * 500000 + " 0 = 1 $$\n",
    "1 MB of \\left(": lambda: "$$ 1 " + "\\left." * 170000 + " = 1 $$\n",
    # "two cases side by side?" searched from every "\ " of a run to its end
    "\\ runs": lambda: "$$ 1 = 1 " + "\\ " * 100000 + "xy $$\n",
    "\\ runs between steps": lambda: "$$ 1 " + "\\ " * 60000 + "+ 0 = 1 " + "\\ " * 60000 + "xy $$\n",
    # the document copied once per math span
    "many math spans": lambda: "$1 = 1$ " * 100000,
    "many code spans": lambda: "`a` " * 200000,
    "many fenced blocks": lambda: "```\ncode\n```\n" * 100000,
    "an unclosed long fence": lambda: "`" * 50000 + "\n" + "x\n" * 200000 + "`" * 40000,
    # the structure readers (issue 14): Markdown's blocks, GitHub's math, comments; LaTeX's verbatim kinds
    "many math fences": lambda: "```math\n1 = 1\n```\n" * 30000,
    "backtick dollars": lambda: "$`" * 100000 + "\n" + "$`1 = 1`$ " * 50000,
    "unclosed HTML comments": lambda: "<!--\n" * 100000 + "<!-- " * 100000,
    "a 100,000-row table without outer bars": lambda: "a | b\n--|--\n" + "1 | 2\n" * 100000,
    "deeply nested lists": lambda: "".join("  " * i + "- a\n" for i in range(1500)) + "$1 = 1$\n",
    "cells of one row": lambda: "$$ " + " & ".join(["1 = 1"] * 50000) + " $$\n",
    "code spans of falling length": lambda: "".join("`" * k + "a" for k in range(2000, 0, -1)) + "\n",
    # each line of numbers re-read by every line after it
    "100,000 lines of numbers": lambda: "1\n" * 100000,
    "a table's rule line": lambda: "| a |\n" + " " * 10000 + "-x\n",
    "trailing punctuation": lambda: "$$ 1 = 1" + "," * 200000 + "x $$\n",
    "unclosed matrices in a term": lambda: "$$ 1 = " + "\\begin{bmatrix} 1 " * 20000 + " $$\n",
    # per table: every chain, or the whole text before it
    "node tables": lambda: ("$$ a_{h[0]} = \\sigma(0) = 0.5 $$\n" * 5000
                            + "| node | s_{h} | a_{h} |\n|---|---|---|\n| 0 | 0 | 0.5 |\n\n" * 5000),
    "gradient-descent tables": lambda: ("$$ f(x) = x^2 $$\n" * 3000
                                        + "| x | \\nabla f(x) | x_{new} |\n|---|---|---|\n| 1 | 2 | 0.8 |\n\n" * 3000),
    "normalisation tables": lambda: "[0, 1]\n" + "| v | normalised |\n|---|---|\n| 1 | 0.0 |\n| 2 | 1.0 |\n\n" * 8000,
    "min-max lines": lambda: "a, b\n1, 2\n" * 20000 + "a -> Min: 1, Max: 1\n" * 20000,
    # a label search tried at every letter of a long word before an arrow table
    "a long word over a normalisation table": lambda: "a" * 200000 + "\n70 -> 1.0\n25 -> 0.0\n",
    # a term broken over rows, joined (and its end searched) once per row
    "a term continued over 20,000 rows": lambda: ("$$\\begin{aligned} a &= 1 \\\\\n" + "&\\quad {} + 1 \\\\\n" * 20000
                                                 + "&= 20001 \\end{aligned}$$\n"),
    # an outer product: n entries in, n * n out
    "a matrix product": lambda: ("$$ \\begin{bmatrix} " + " \\\\ ".join(["1"] * 3000) + " \\end{bmatrix}"
                                 " \\begin{bmatrix} " + " & ".join(["1"] * 3000) + " \\end{bmatrix} = 1 $$\n"),
}


LATEX_HANGS = {
    "\\verb without its closing": lambda: "\\verb|" * 100000,
    "nested \\iffalse": lambda: "\\iffalse " * 50000 + "\\fi " * 50000 + "$1 = 1$\n",
    "an \\iffalse never closed": lambda: "\\iffalse" + "\\ifx " * 100000,
    "unclosed verbatim environments": lambda: "\\begin{verbatim}" * 100000,
    "escaped percents": lambda: "\\%" * 200000 + "$1 = 1$\n",
}


@pytest.mark.parametrize("name", list(LATEX_HANGS))
def test_no_hang_in_latex(tmp_path, name):
    verify(tmp_path, LATEX_HANGS[name](), name="d.tex")


@pytest.mark.parametrize("name", list(HANGS))
def test_no_hang(tmp_path, name):
    verify(tmp_path, HANGS[name]())  # within HANG_LIMIT seconds, no traceback, strict JSON


def test_no_hang_keeps_the_checks(tmp_path):
    # the sizes above are checked, not skipped: the long span and the tables still count
    status, checks, _ = verify(tmp_path, HANGS["1 MB of \\,"]())
    assert status == 0 and verdicts(checks) == {"ok": 1}
    status, checks, _ = verify(tmp_path, HANGS["\\ runs between steps"]())
    assert status == 0 and verdicts(checks) == {"ok": 1}
    status, checks, _ = verify(tmp_path, HANGS["many math spans"]())
    assert status == 0 and verdicts(checks) == {"ok": 100000}
    status, checks, _ = verify(tmp_path, HANGS["node tables"]())
    assert status == 0 and verdicts(checks) == {"ok": 10000}
    status, checks, _ = verify(tmp_path, HANGS["normalisation tables"]())
    assert status == 0 and verdicts(checks) == {"ok": 16000}
    status, checks, _ = verify(tmp_path, HANGS["a term continued over 20,000 rows"]())
    assert status == 0 and verdicts(checks) == {"ok": 1}
    status, checks, _ = verify(tmp_path, HANGS["a matrix product"]())
    assert status == 5 and verdicts(checks) == {"unparsed": 1}
    assert "too large" in checks[0]["note"]
