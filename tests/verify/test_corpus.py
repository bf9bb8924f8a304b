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
@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_a_report_at_any_digits_verifies_clean(digits, fmt, tmp_path):
    # the report computes from unrounded values and prints them rounded: a 0.44 it
    # uses was printed as a result (0.4378 rounded) and stands for [0.435, 0.445]
    out = tmp_path / f"r.{fmt}"
    assert cli.main(["report", "--digits", str(digits), "-o", str(out)]) == 0
    report = verify_file(out)
    assert report.failures == [] and report.count("unparsed") == 0
    # HTML is read through its MathML's TeX annotations: its math, not its tables
    assert report.count("ok") >= (40 if fmt == "html" else 100)


@pytest.mark.parametrize("digits", [1, 2])
@pytest.mark.parametrize("example", ["deep/deep.toml", "wide/wide.toml", "classification/train.toml"])
def test_reports_of_other_networks_at_few_digits_verify_clean(example, digits, tmp_path):
    # random initial weights printed as 0.25 are rounded too: most of such a report's results are rounded,
    # and a short input with their decimals or significant digits is read as they are
    out = tmp_path / "r.md"
    assert cli.main(["report", str(ROOT / "examples" / example), "--digits", str(digits), "-o", str(out)]) == 0
    report = verify_file(out)
    assert report.failures == [] and report.count("ok") >= 100


def test_html_is_read_through_its_tex_annotations(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        "<html><body>\n<p>Inline <math><semantics><mi>x</mi>"
        '<annotation encoding="application/x-tex">0.5 \\cdot 0.4 = 0.2</annotation></semantics></math></p>\n'
        '<math display="block"><semantics><mi>y</mi><annotation encoding="application/x-tex">\\begin{aligned}\n'
        "a &amp;= 1 + 2 \\\\\n&amp;= 4\n\\end{aligned}</annotation></semantics></math>\n"
        "<p>Prose is no math: 1 + 1 = 3, and neither is <code>$2 + 2 = 5$</code>.</p></body></html>\n")
    report = verify_file(page)
    # 0.5 * 0.4 = 0.2 (line 2); 1 + 2 = 3, printed 4 on line 5: the &amp; is the aligned &, read in place
    assert [(r.line, r.verdict) for r in report.results] == [(2, "ok"), (5, "slip")]


# --------------------------------------------------------------------------
# plain headers: | node | s | a |, net/out without outer bars, | step | x | y | f(x,y) |; a value printed more precisely


PLAIN = DOCS / "plain_tables.md"


def test_plain_header_tables_are_read_by_their_columns():
    report = verify_file(PLAIN)
    # slip A: sigmoid(0.5) = 0.622459, printed 0.6300;  slip B: 1.92^2 + 2.56^2 = 3.6864 + 6.5536 = 10.24, printed 10.3;
    # slip C: the same sum inline, after x and y were printed as 1.9200 and 2.5600
    assert flagged(report) == [line_of(PLAIN, "| h3 |"), line_of(PLAIN, "| 2 | 1.92 |"), line_of(PLAIN, "is slip C")]
    by_line = {r.line: r for r in report.results}
    assert by_line[line_of(PLAIN, "| h1 |")].recomputed == pytest.approx(sigmoid(0.3775))
    assert by_line[line_of(PLAIN, "o1 | 1.105905967")].recomputed == pytest.approx(sigmoid(1.105905967))
    assert by_line[line_of(PLAIN, "| 3 | 1.536 |")].recomputed == pytest.approx(1.536 ** 2 + 2.048 ** 2)
    assert by_line[line_of(PLAIN, "| 3 | 1.536 |")].verdict == "ok"


def test_a_value_printed_with_more_digits_is_read_at_that_precision():
    text = PLAIN.read_text()
    # without the four-decimal prints, 1.92 and 2.56 stand for +-0.005: 1.915^2 + 2.555^2 = 10.195 up to
    # 1.925^2 + 2.565^2 = 10.285, which overlaps 10.3's band [10.25, 10.35]: no slip can be claimed
    alone = text[: text.index("but the update table")]
    from tracer.verify import verify_text

    # only slip A (the node table) is left: 10.3 in row 2 passes
    assert [r.line for r in verify_text("alone.md", alone).failures] == [line_of(PLAIN, "| h3 |")]
    assert line_of(PLAIN, "| 2 | 1.92 |") in flagged(verify_file(PLAIN))


# --------------------------------------------------------------------------
# --config with a tutorial's own names: Mazur's post, and a map of his symbols


MAZUR, MAZUR_CONFIG, MAZUR_NAMES = DOCS / "mazur_style.md", DOCS / "mazur.toml", DOCS / "mazur_names.toml"


def mazur_step():
    """Mazur's network by hand (his values: net_h1 0.3775, out_o1 0.75136507, E_total 0.298371109)."""
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    h1 = sigmoid(0.15 * i1 + 0.20 * i2 + 0.35)
    h2 = sigmoid(0.25 * i1 + 0.30 * i2 + 0.35)
    o1 = sigmoid(0.40 * h1 + 0.45 * h2 + 0.60)
    o2 = sigmoid(0.50 * h1 + 0.55 * h2 + 0.60)
    delta_o1 = (o1 - t1) * o1 * (1 - o1)
    delta_o2 = (o2 - t2) * o2 * (1 - o2)
    delta_h1 = (0.40 * delta_o1 + 0.50 * delta_o2) * h1 * (1 - h1)
    return {"net_h2": 0.25 * i1 + 0.30 * i2 + 0.35, "E_total": 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2,
            "Err_o1": -delta_o1, "w5+": 0.40 - 0.5 * delta_o1 * h1, "w1+": 0.15 - 0.5 * delta_h1 * i1}


def test_a_names_map_compares_a_tutorials_symbols_with_the_config():
    report = verify_file(MAZUR, str(MAZUR_CONFIG), MAZUR_NAMES)
    true = mazur_step()
    # mismatch A: net_h2 = 0.0125 + 0.03 + 0.35 = 0.3925, printed 0.3952;
    # slip B: 0.74136507 * 0.186815602 * 0.596884378 = 0.0826676, printed 0.0862676
    assert sorted((r.line, r.verdict) for r in report.failures) == [
        (line_of(MAZUR, "net_{h2} = 0.3952"), "mismatch"), (line_of(MAZUR, "= 0.0862676"), "slip")]
    named = {r.expression.split(" ")[0]: r for r in report.results if "(sigmoid)" in r.expression}
    assert named["net_{h2}"].recomputed == pytest.approx(true["net_h2"])
    assert named["E_{total}"].verdict == "ok" and named["E_{total}"].recomputed == pytest.approx(true["E_total"])
    assert named["Err_{o1}"].verdict == "ok" and named["Err_{o1}"].recomputed == pytest.approx(true["Err_o1"])
    assert named["w_5^+"].verdict == "ok" and named["w_5^+"].recomputed == pytest.approx(true["w5+"])
    assert named["w_1^+"].verdict == "ok" and named["w_1^+"].recomputed == pytest.approx(true["w1+"])
    assert report.count("mismatch") == 1 and report.count("ok") == 23


def test_a_name_that_cannot_be_mapped_is_counted_never_flagged():
    # without the map only the arithmetic slip is flagged: s_{h1} (node h1, not hidden layer 1) and
    # out_{h1} are not compared, and never a mismatch
    report = verify_file(MAZUR, str(MAZUR_CONFIG))
    assert [(r.line, r.verdict) for r in report.failures] == [(line_of(MAZUR, "= 0.0862676"), "slip")]
    (h1,) = [r for r in report.results if r.line == line_of(MAZUR, "$s_{h1} = 0.3775$")]
    assert h1.verdict == "unparsed" and "not compared" in h1.note


def test_the_command_takes_a_names_map(tmp_path, capsys):
    rc = cli.main(["verify", str(MAZUR), "--config", str(MAZUR_CONFIG), "--names", str(MAZUR_NAMES)])
    out = capsys.readouterr().out
    assert rc == 1 and "1 mismatch with the config" in out


@pytest.mark.parametrize("text, argv, words", [
    ('"out_{h1}" = "activation of h1"\n', ["--config", "c.toml"], ["m.toml", "out_{h1}", "expected a quantity"]),
    ('"out_{h1}" = 3\n', ["--config", "c.toml"], ["m.toml", "out_{h1}"]),
    ('"out_{h1}" = \n', ["--config", "c.toml"], ["m.toml"]),
    ('"out_{h1}" = "a_h[0]"\n', [], ["--names", "--config"]),
])
def test_a_bad_names_map_is_one_line_of_bad_input(tmp_path, text, argv, words):
    from badinput import run_bad_input

    files = {"d.md": "$$ 1 + 1 = 2 $$\n", "m.toml": text, "c.toml": MAZUR_CONFIG.read_text()}
    run_bad_input(tmp_path, files, ["verify", "d.md", "--names", "m.toml", *argv], words)


# --------------------------------------------------------------------------
# nothing checked is no pass


def test_nothing_to_check_exits_5(tmp_path, capsys):
    doc = tmp_path / "prose.md"
    doc.write_text("# Notes\n\nNo numbers here, and `1 + 1 = 3` is code.\n")
    assert cli.main(["verify", str(doc)]) == 5
    captured = capsys.readouterr()
    assert "0 checks" in captured.out and "nothing to check" in captured.err
    # one document with checks makes the run a real one
    good = tmp_path / "good.md"
    good.write_text("$$ 0.5 \\cdot 0.5 = 0.25 $$\n")
    assert cli.main(["verify", str(doc), str(good)]) == 0
    assert "prose.md: 0 checked" in capsys.readouterr().out


pytest_plugins = ["pytester"]


def test_the_pytest_plugin_skips_a_document_with_nothing_to_check(pytester):
    from importlib.metadata import entry_points

    installed = any(ep.value == "tracer.verify.pytest_plugin" for ep in entry_points(group="pytest11"))
    pytester.makefile(".md", empty="# Nothing\n\nprose only\n", numbers="$$ 0.5 + 0.25 = 0.75 $$\n")
    result = pytester.runpytest_subprocess(*([] if installed else ["-p", "tracer.verify.pytest_plugin"]),
                                           "--verify-docs", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*nothing to check*empty.md*"])


# --------------------------------------------------------------------------
# made for CI


def test_github_format_annotates_each_failing_line(capsys):
    assert cli.main(["verify", "--format", "github", str(GITHUB)]) == 1
    out = capsys.readouterr().out.splitlines()
    errors = [line for line in out if line.startswith("::error ")]
    assert [e.split(",")[1] for e in errors] == [f"line={line_of(GITHUB, n)}" for n in ("= 0.6750", "= 0.135", "= 0.03")]
    assert errors[1].startswith(f"::error file={GITHUB},line=") and "printed 0.135, recomputed 0.12500" in errors[1]
    assert out[-1] == f"{GITHUB}: 9 checks on 9 lines: 6 ok, 3 slips; 0 not parsed"


def test_github_format_escapes_what_would_end_the_command():
    from tracer.cli.verify import github_annotation
    from tracer.verify import Result

    line = github_annotation("a,b:c.md", Result(3, "50% of 1\n2", "1", 2.0, "slip", "why"))
    assert line == "::error file=a%2Cb%3Ac.md,line=3,title=mlptrace verify::slip: 50%25 of 1%0A2: printed 1, recomputed 2.00 (why)"  # two digits more than printed


# --------------------------------------------------------------------------
# which training variant a document follows


VARIANT_NAMES = '''
"w_5^+" = "w_o[0][0]^new"
"w_1^+" = "w_h[0][0]^new"
"b_1^+" = "b_h[0]^new"
"b_2^+" = "b_o[0]^new"
'''


def mazur_after_one_step(**variant):
    """Mazur's network after one step of ``variant``, by tests/reference.py (not by mlptrace's engine)."""
    import reference

    W = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
    B = [[0.35, 0.35], [0.60, 0.60]]
    reference.variant_train(W, B, ["sigmoid", "sigmoid"], [[0.05, 0.10]], [[0.01, 0.99]], 0.5, 1, **variant)
    return {"w_5^+": W[1][0][0], "w_1^+": W[0][0][0], "b_1^+": B[0][0], "b_2^+": B[1][0]}


@pytest.mark.parametrize("variant, described", [
    ({}, "the document's rule"),
    ({"loss": "sse"}, 'loss = "sse"'),
    ({"loss": "cross-entropy"}, 'loss = "cross-entropy"'),
    ({"hidden": "updated-weights"}, 'hidden_deltas = "updated-weights"'),
    ({"update_biases": False}, "update_biases = false"),
    ({"bias": "shared"}, 'bias = "shared"'),
])
def test_which_variant_names_the_rule_a_document_was_made_with(tmp_path, variant, described):
    values = mazur_after_one_step(**variant)
    doc = tmp_path / "after.md"
    doc.write_text("After one step:\n\n" + "".join(f"$$ {k} = {v:.9f} $$\n\n" for k, v in values.items()))
    (tmp_path / "names.toml").write_text(VARIANT_NAMES)
    from tracer.config import schema
    from tracer.verify.pipeline import which_variant_text
    from tracer.verify.names import read_names
    from tracer.verify.variants import describe

    verdicts, slips = which_variant_text(str(doc), doc.read_text(), schema.load(MAZUR_CONFIG),
                                         read_names(str(tmp_path / "names.toml")))
    from tracer.core.variant import Variant

    good = {describe(v.variant) for v in verdicts if v.reproduces}
    # Rules this network cannot tell apart: the mean over Mazur's two outputs of (y - z)^2 is 1/2
    # their sum (mse); and frozen biases, equal in each layer, are one per node or one per layer alike
    fields = {"hidden_deltas" if k == "hidden" else k: v for k, v in variant.items()}
    losses = ["mse", "mean-squared"] if "loss" not in variant else [variant["loss"]]
    biases = ["per-node", "shared"] if variant.get("update_biases") is False else [fields.get("bias", "per-node")]
    twins = {describe(Variant(**{**fields, "loss": loss, "bias": bias})) for loss in losses for bias in biases}
    assert described in twins and good == twins
    assert slips == [] and all(v.compared == 4 for v in verdicts)
    # every other rule is named with the first of the four values it does not reproduce
    assert all(v.first_difference is not None for v in verdicts if not v.reproduces)


def test_which_variant_sets_the_documents_slips_apart(capsys):
    rc = cli.main(["verify", str(MAZUR), "--config", str(MAZUR_CONFIG), "--names", str(MAZUR_NAMES), "--which-variant"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "  8 of 32 variants reproduce its named values:\n    the document's rule (12 values)\n" in out
    assert f"no variant reproduces line {line_of(MAZUR, 'net_{h2} = 0.3952')}, net_{{h2}} printed 0.3952" in out


def test_which_variant_needs_a_config(tmp_path):
    from badinput import run_bad_input

    run_bad_input(tmp_path, {"d.md": "$$ 1 + 1 = 2 $$\n"}, ["verify", "d.md", "--which-variant"],
                  ["--which-variant", "--config"])


def test_the_pre_commit_hook_fails_on_a_slip_and_passes_nothing_to_check(tmp_path):
    import re
    import shlex
    import subprocess
    import sys

    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"^\s*entry: (.+)$", hooks, re.M).group(1)
    assert re.search(r"^\s*types_or: \[markdown, tex\]$", hooks, re.M)
    (tmp_path / "bin").mkdir()
    shim = tmp_path / "bin" / "mlptrace"  # the hook's command, as pre-commit's environment installs it
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tracer \"$@\"\n")
    shim.chmod(0o755)
    (tmp_path / "prose.md").write_text("# Notes\n")
    (tmp_path / "slip.md").write_text("$$ 0.5 \\cdot 0.37 = 0.195 $$\n")
    (tmp_path / "good.tex").write_text("\\[ 0.5 \\cdot 0.37 = 0.185 \\]\n")
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}

    def hook(*files):
        return subprocess.run([*shlex.split(entry), *files], cwd=tmp_path, env=env, capture_output=True).returncode

    assert (hook("prose.md"), hook("good.tex", "prose.md"), hook("slip.md", "good.tex")) == (0, 0, 1)


def test_slip_notes_show_two_digits_more_than_the_printed_value():
    from tracer.verify.arith import Interval
    from tracer.verify.printed import slip_note

    # 0.8888 stands for [0.88875, 0.88885]; 40/45 = 0.888889 to six places
    assert slip_note(Interval.of(40 / 45), Interval.of(0.8888, 0.00005)) == (
        "0.888889 is outside the printed value's rounding, 0.888750..0.888850")
    # a range narrower than six places is one value: 0.74136507 * 0.186815602 * 0.596884378 = 0.08266763
    x = 0.74136507 * 0.186815602 * 0.596884378
    assert slip_note(Interval(x - 1e-12, x, x + 1e-12), Interval.of(0.0862, 0.00005)) == (
        "the inputs as printed give 0.082668")
