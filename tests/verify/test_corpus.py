"""Documents written the way tutorial authors write them (tests/data/docs): exactly their planted slips are flagged.

Each document says in its prose which lines hold a slip and why; the true
values are worked out here in plain Python beside each expectation, never
taken from the verifier.  Code, comments and verbatim text in them hold wrong
math that must never be read.
"""

from __future__ import annotations

import math

import pytest

from tracer import cli
from tracer.verify import verify_file

from conftest import ROOT

DOCS = ROOT / "tests" / "data" / "docs"


def sigmoid(s):
    return 1.0 / (1.0 + math.exp(-s))


def line_of(path, needle: str) -> int:
    hits = [i for i, line in enumerate(path.read_text().split("\n"), start=1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def flagged(report) -> list[int]:
    return sorted(r.line for r in report.failures)


def lines_read(report) -> set[int]:
    return {n for r in report.results for n in r.lines}


def code_lines(path, *needles) -> set[int]:
    """The lines holding deliberately wrong math inside code or comments."""
    return {line_of(path, n) for n in needles}


# --------------------------------------------------------------------------
# GitHub's math: ```math fences and $`...`$; code and comments around them


GITHUB = DOCS / "github_math.md"


def test_github_math_fences_and_backtick_dollars_are_read():
    report = verify_file(GITHUB)
    # slip A: 0.4 * 0.05 + 0.45 * 0.1 + 0.6 = 0.02 + 0.045 + 0.6 = 0.665, printed 0.6750
    # slip B: 0.25 * 0.5 = 0.125, printed 0.135;  slip C: 0.1 * 0.2 = 0.02, printed 0.03
    assert flagged(report) == [line_of(GITHUB, "= 0.6750"), line_of(GITHUB, "= 0.135"), line_of(GITHUB, "= 0.03")]
    oks = {r.line: r for r in report.results if r.verdict == "ok"}
    # 0.15 * 0.05 + 0.2 * 0.1 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775, in a ```math fence
    assert oks[line_of(GITHUB, "= 0.3775")].recomputed == pytest.approx(0.0075 + 0.02 + 0.35)
    # a ~~~math fence: sigmoid(0.3775)
    assert oks[line_of(GITHUB, "= 0.593269992")].recomputed == pytest.approx(sigmoid(0.3775))
    # $`...`$ inline: 0.593269992 * 0.4
    assert oks[line_of(GITHUB, "0.237307997`$")].recomputed == pytest.approx(0.593269992 * 0.4)
    # the $$ block's second row follows a blank line, indented: still math, not an indented code block
    assert oks[line_of(GITHUB, "&= 0.274811083")].recomputed == pytest.approx(0.5 * (0.01 - 0.75136507) ** 2)
    # "1 + 2 = 3 % = 4": the % starts a comment in math, so one step, and it is right
    assert [r.verdict for r in report.results if r.line == line_of(GITHUB, "1 + 2 = 3 % = 4")] == ["ok"]
    assert report.count("ok") == 6 and report.count("unparsed") == 0


def test_github_code_and_comments_are_never_math():
    report = verify_file(GITHUB)
    wrong = code_lines(GITHUB, "1 + 1 = 3$", "2 + 2 = 5", "3 + 3 = 7", "4 + 4 = 9", "5 + 5 = 11", "6 + 6 = 13",
                       "7 + 7 = 15")
    assert not wrong & lines_read(report)


# --------------------------------------------------------------------------
# LaTeX: alignat and align pairs, array cells with row labels, tabular, verbatim, \verb, \iffalse


TEX = DOCS / "latex_cells.tex"


def test_latex_cells_and_equation_pairs_are_their_own_expressions():
    report = verify_file(TEX)
    # slip A: the second equation of an align row, 0.6 * 0.5 = 0.30, printed 0.35
    # slip B: an array row labelled 6, 0.4 + 0.1 = 0.5, printed 0.6
    # slip C: a tabular cell, 0.2 * 2 = 0.4, printed 0.5
    assert flagged(report) == [line_of(TEX, "0.6 \\cdot 0.5 = 0.35"), line_of(TEX, "0.4 + 0.1 = 0.6"),
                               line_of(TEX, "0.2 \\cdot 2 = 0.5")]
    by_line = {}
    for r in report.results:
        by_line.setdefault(r.line, []).append(r)
    # alignat*: two chains side by side, each continued on the next row: 0.05 + 0.2 and 0.15 + 0.2
    pair = by_line[line_of(TEX, "&= 0.25")]
    assert [r.recomputed for r in pair] == pytest.approx([0.5 * 0.1 + 0.2, 0.5 * 0.3 + 0.2])
    assert [r.verdict for r in pair] == ["ok", "ok"]
    # the row label 5 is not part of the sum beside it: -0.3 + 0 + 0.2 + 0.2 = 0.1
    (row5,) = by_line[line_of(TEX, "5 & -0.3")]
    assert row5.verdict == "ok" and row5.expression == "-0.3 + 0 + 0.2 + 0.2"
    assert report.count("ok") == 9 and report.count("unparsed") == 0


def test_latex_comments_verbatim_verb_and_iffalse_are_never_math():
    report = verify_file(TEX)
    wrong = code_lines(TEX, "1 + 1 = 3", "$2 + 2 = 5$", "3 + 3 = 7", "4 + 4 = 9", "10 + 10 = 21", "11 + 11 = 23",
                       "12 + 12 = 25")
    assert not wrong & lines_read(report)
    # what follows them is read again: 0.1 + 0.2 = 0.3 after the \fi, and the text after an escaped \%
    assert {line_of(TEX, "After them all"), line_of(TEX, "50\\% of")} <= lines_read(report)


# --------------------------------------------------------------------------
# mlptrace's own reports at every precision


@pytest.mark.parametrize("digits", range(1, 9))
@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_a_report_at_any_digits_verifies_clean(digits, fmt, tmp_path):
    # the report computes from unrounded values and prints them rounded: a 0.44 it
    # uses was printed as a result (0.4378 rounded) and stands for [0.435, 0.445]
    out = tmp_path / f"r.{fmt}"
    assert cli.main(["report", "--digits", str(digits), "-o", str(out)]) == 0
    report = verify_file(out)
    assert report.failures == [] and report.count("unparsed") == 0
    assert report.count("ok") >= 100
