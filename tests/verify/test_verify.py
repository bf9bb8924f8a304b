"""mlptrace verify: the document scanner, the checks and the command (the arithmetic parser: test_arith.py).

Expected numbers come from hand calculations shown beside them, from the
math module, or from tests/reference.py (an independent implementation of
the document's training step).  Documents under tests/data/docs: slips.md
was written for these tests (the slips are planted and named in it);
seed.txt is a copy of the seed document.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracer import cli
from tracer.config.resources import default_config_path
from tracer.verify.pytest_plugin import assert_document
from tracer.verify import format_report, parse_document, verify_file, verify_text

import reference
from conftest import EXAMPLES, ROOT

DOCS = ROOT / "tests" / "data" / "docs"
SEED = DOCS / "seed.txt"
SLIPS = DOCS / "slips.md"


def sigmoid(s):
    return 1.0 / (1.0 + math.exp(-s))


def line_of(path: Path, needle: str) -> int:
    """The line number of the one line of ``path`` that contains ``needle``."""
    hits = [i for i, line in enumerate(path.read_text().split("\n"), start=1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def failing(report):
    return sorted((r.line, r.verdict) for r in report.results if r.verdict in ("slip", "mismatch"))


# --------------------------------------------------------------------------
# finding chains of equalities


def chains(text, name="doc.md"):
    return [[t.text for t in c.terms] for c in parse_document(name, text).chains]


def test_aligned_rows_continue_a_chain_and_a_new_head_starts_one():
    doc = "$$\n\\begin{aligned}\na\n&= 1 + 1 \\\\\n&= 2 \\\\\nb &= 3\n\\end{aligned}\n$$\n"
    assert chains(doc) == [["a", "1 + 1", "2"], ["b", "3"]]


def test_quad_or_quad_separates_chains_and_braces_protect_equals():
    doc = "$$\na = \\sum_{i=0}^{n} x_i \\quad or \\quad b = 2\n$$"
    assert chains(doc) == [["a", r"\sum_{i=0}^{n} x_i"], ["b", "2"]]


def test_inline_math_and_commas():
    assert chains("so $x = 3, y = 4$ and $f(x, y) = 25$.") == [["x", "3"], ["y", "4"], ["f(x, y)", "25"]]


def test_code_is_not_math_and_a_lone_dollar_is_a_dollar():
    doc = "```\n$$ 1 + 1 = 3 $$\n```\nIt costs $5 and `$1 = 2$` is code.\n"
    assert chains(doc) == []


def test_latex_environments_and_comments():
    doc = (
        "% $$ 1 + 1 = 3 $$ is a comment\n"
        "\\begin{align*}\n  y &= 0.5 \\cdot 0.5 \\\\\n    &= 0.25 % the product\n\\end{align*}\n"
        "and \\[ 2 \\times 2 = 4 \\] and \\(3 = 3\\)\n"
    )
    assert chains(doc, "doc.tex") == [["y", r"0.5 \cdot 0.5", "0.25"], [r"2 \times 2", "4"], ["3", "3"]]


def test_terms_know_their_lines():
    doc = "text\n$$\n\\begin{aligned}\ns\n&= 0.5 \\cdot 0.5 +\n0.25 \\\\\n&= 0.5\n\\end{aligned}\n$$\n"
    (c,) = parse_document("d.md", doc).chains
    assert [(t.line, t.last_line) for t in c.terms] == [(4, 4), (5, 6), (7, 7)]


def test_which_activation_a_passage_is_about():
    doc = (
        "With the sigmoid:\n$$ y = f(0.5) = 0.6225 $$\n"
        "With tanh it would be\n$$ y = f(0.5) = 0.4621 $$\n"
        "and the symbol on the chain wins over the text:\n$$ y = f(0.5) = \\sigma(0.5) = 0.6225 $$\n"
        "Either sigmoid or tanh:\n$$ y = f(0.5) = 0.5 $$\n"
    )
    doc_chains = parse_document("d.md", doc).chains
    assert [c.activation for c in doc_chains] == ["sigmoid", "tanh", "sigmoid", None]
    results = verify_text("d.md", doc).results
    assert [r.verdict for r in results] == ["ok", "ok", "ok", "ok", "unparsed"]


# --------------------------------------------------------------------------
# the document written for these tests


@pytest.fixture(scope="module")
def slips():
    return verify_file(SLIPS)


def test_finds_exactly_the_planted_slips(slips):
    expected = [
        # a value carried forward wrongly in the table: row 3 starts at 0.5500, row 2 ended at 0.5000
        (line_of(SLIPS, "| 0.5500 |"), "slip"),
        (line_of(SLIPS, r"0.5 \cdot 0.37 = 0.195"), "slip"),   # wrong product: 0.185
        (line_of(SLIPS, "= -0.51"), "slip"),                    # sign error: -0.5 + 0.01 = -0.49
        (line_of(SLIPS, r"\sigma(1.0) = 0.7131"), "slip"),      # digit typo: sigma(1) = 0.7311
        # carried forward wrongly inside a chain: 0.6225 became 0.6252, so the
        # row 0.2189 - 0.6252 + 0.5 (= 0.0937) disagrees with the row before (0.0964)
        (line_of(SLIPS, "0.2189 - 0.6252"), "slip"),
        # a wrong formula: at s = 0.37, tanh(0.37) = 0.35399, so 1 + tanh^2 = 1.1253 but tanh' = 0.8747
        (line_of(SLIPS, r"\tanh'(s) = 1 + \tanh^2(s)"), "slip"),
    ]
    assert failing(slips) == sorted(expected)


def test_two_cases_side_by_side_are_not_compared(slips):
    # y(1 - y) "for sigmoid" and (1 - y^2) "for tanh" differ, and are not meant to be equal
    assert [r for r in slips.results if r.line == line_of(SLIPS, r"\ for \ tanh")] == []


def test_the_next_step_after_a_carried_slip_is_consistent(slips):
    # 0.2189 - 0.6252 + 0.5 = 0.0937 exactly: only the carried row is flagged
    (r,) = [r for r in slips.results if r.line == line_of(SLIPS, "&= 0.0937")]
    assert r.verdict == "ok" and r.recomputed == pytest.approx(0.0937)


def test_counts_the_lines_it_cannot_parse(slips):
    unparsed = sorted(r.line for r in slips.results if r.verdict == "unparsed")
    assert unparsed == sorted([
        line_of(SLIPS, "f(0.3) = 0.5744"),  # f before any activation is named
        line_of(SLIPS, r"\binom{4}{2}"),
        line_of(SLIPS, "3! = 6"),
        line_of(SLIPS, r"\sqrt[3]{8}"),
    ])


def test_no_false_alarm_on_a_line_computed_from_unrounded_inputs(slips):
    # y = sigma(0.3) = 0.574443, printed 0.574.  At face value
    # 0.574 * 0.426 * (0.574 - 0.8) = -0.0552624, which is not -0.05514 at
    # five decimals; with the full y, y(1-y)(y-0.8) = -0.0551394 -> -0.05514.
    y = sigmoid(0.3)
    assert round(y * (1 - y) * (y - 0.8), 5) == -0.05514
    (r,) = [r for r in slips.results if r.line == line_of(SLIPS, "= -0.05514")]
    assert r.recomputed == pytest.approx(0.574 * 0.426 * -0.226)
    assert abs(r.recomputed - -0.05514) > 0.000005
    assert r.verdict == "ok"


def test_every_other_numeric_line_is_checked_and_ok(slips):
    ok_lines = {r.line for r in slips.results if r.verdict == "ok"}
    for needle in [r"\sigma'(s) &= \sigma(s)(1 - \sigma(s))", "= 0.8x", "0.5 \\cdot 0.4 + 0.1 = 0.3", "&= -0.25", "0.6225 \\\\", "= 0.7311", "= -0.2449",
                   "0.6667", "1 - -0.2^2 = 0.96", "f_{o}(0.5) = 0.4621", "| 2.0000 | 4.0000", "| 1.0000 | 2.0000",
                   "20 -> 0.333"]:
        assert line_of(SLIPS, needle) in ok_lines, needle


# --------------------------------------------------------------------------
# the seed document


@pytest.fixture(scope="module")
def seed():
    return verify_file(SEED)


def test_seed_document_real_slips(seed):
    expected = {
        # \frac{65 - 25}{70 - 25} = 40/45 = 0.888889 -> 0.8889; printed 0.8888
        # (truncated; the document's own table prints 0.889)
        218: "slip",
        # sigma(1.0) = 1/(1 + e^-1) = 0.7310586 -> 0.7311; printed 0.7310
        343: "slip",
        # tanh s_o: -0.1225 - 0.4621 + 0.0 + 0.5 = -0.0846; printed -0.0836
        # (the row before, -0.2449*0.5 + 0.4621*-1.0 + 0.5 = -0.08455, agrees with -0.0846)
        387: "slip",
        # gradient-descent table, f(x,y) = x^2 + y^2 at the new point (rows 1-7
        # agree, e.g. 2.4^2 + 3.2^2 = 16.0000):
        616: "slip",  # 0.5033^2 + 0.6711^2 = 0.25331 + 0.45038 = 0.70369; printed 0.7140
        623: "slip",  # 0.4027^2 + 0.5369^2 = 0.16217 + 0.28826 = 0.45043; printed 0.3579
        630: "slip",  # 0.3222^2 + 0.4295^2 = 0.10381 + 0.18447 = 0.28828; printed 0.2294
        # delta_h[1]: 0.6225(1 - 0.6225) * -1.0 * -0.986252 = 0.234994 * 0.986252 = 0.23176;
        # printed 0.02261.  -0.986252 is a typo for delta_o = -0.096252, and even
        # then 0.234994 * 0.096252 = 0.0226186 -> 0.02262, not 0.02261.
        949: "slip",
        # w_o[1]: -1.0 - (0.1 * -0.096252 * 0.6225) = -1.0 + 0.0059917 = -0.99401; printed -0.99938
        1019: "slip",
        # w_o[2]: 0.0 - (0.1 * -0.096252 * 0.7310) = 0.0070360 -> 0.00704; printed 0.00070
        1026: "slip",
        # w_h[1][1]: 0.5 - (0.1 * 0.02261 * 0.5) = 0.5 - 0.0011305 = 0.4988695 -> 0.4989; printed 0.4988
        1084: "slip",
    }
    assert dict(failing(seed)) == expected
    # Not slips, by the same rule:
    # 376  0.2189 - 0.6225 + 0.0 + 0.5 = 0.0964 is exact for its printed inputs
    #      (the true s_o 0.09645 -> 0.0965 differs; --config reports that).
    # 418  tanh(-0.0836) = -0.083406 -> -0.0834 (it carries the slip of line 387).
    # 776  0.524(0.476) * -0.386 = -0.0962777 at face value, but 0.524 is y_o
    #      rounded: for y in [0.5235, 0.5245] the product reaches -0.096252.
    # 785  1 - -0.08438^2 = 1 - (-0.08438)^2 = 0.99288, the substituted value squared.
    # 1105 0.5 - (0.1 * -0.01185) = 0.501185, on the edge of 0.50119's rounding.
    # 602  0.7864^2 + 1.0486^2 = 1.71798 at face value; the rounded inputs allow 1.7179.
    for line in (376, 418, 776, 785, 1105, 602):
        assert [r.verdict for r in seed.results if r.line == line] == ["ok"], line


def test_seed_document_has_nothing_it_cannot_parse(seed):
    assert [r for r in seed.results if r.verdict == "unparsed"] == []


def test_seed_document_tables_are_checked(seed):
    lines = {r.line for r in seed.results}
    assert {222, 223, 224, 225, 235, 236, 237, 238} <= lines   # both normalisation tables
    assert set(range(560, 631)) <= lines                       # every cell of the gradient-descent table
    assert {180, 181} <= lines                                 # min and max against the dataset listing
    # 65 -> 0.889 in [0, 1] and 65 -> 0.778 in [-1, 1]: (65-25)/45 = 0.8889, *2-1 = 0.7778
    (r,) = [r for r in seed.results if r.line == 237 and r.expression.startswith("i0")]
    assert r.recomputed == pytest.approx(2 * 40 / 45 - 1) and r.verdict == "ok"


def _seed_truth(activation):
    """The document's first step from tests/reference.py (x = 0.5, 0.5; z = 0.91; eta = 0.1)."""
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    rec = reference.step(W, B, [activation, activation], [0.5, 0.5], [0.91], 0.1)
    h, o = rec["layers"]
    truth = {f"s_h{j}": h["s"][j] for j in range(3)}
    truth |= {f"a_h{j}": h["a"][j] for j in range(3)}
    truth |= {f"d_h{j}": h["delta"][j] for j in range(3)}
    truth |= {"s_o": o["s"][0], "y_o": o["a"][0], "d_o": o["delta"][0], "b_o": o["b_new"][0]}
    truth |= {f"w_o{j}": o["w_new"][0][j] for j in range(3)}
    truth |= {f"w_h{j}{i}": h["w_new"][j][i] for j in range(3) for i in range(2)}
    truth |= {f"b_h{j}": h["b_new"][j] for j in range(3)}
    return truth


# (line, activation, name, printed) for every named value of the seed document
SEED_NAMED = [
    (288, "sigmoid", "s_h0", "-0.25"), (297, "sigmoid", "s_h1", "0.5"), (306, "sigmoid", "s_h2", "1.0"),
    (327, "sigmoid", "a_h0", "0.4378"), (335, "sigmoid", "a_h1", "0.6225"), (343, "sigmoid", "a_h2", "0.7310"),
    (350, "tanh", "a_h0", "-0.2449"), (352, "tanh", "a_h1", "0.4621"), (354, "tanh", "a_h2", "0.7616"),
    (376, "sigmoid", "s_o", "0.0964"), (387, "tanh", "s_o", "-0.0836"),
    (409, "sigmoid", "y_o", "0.5241"), (418, "tanh", "y_o", "-0.0834"),
    (776, "sigmoid", "d_o", "-0.096252"), (786, "tanh", "d_o", "-0.9873"),
    (941, "sigmoid", "d_h0", "-0.01185"), (949, "sigmoid", "d_h1", "0.02261"), (957, "sigmoid", "d_h2", "0.0000"),
    (966, "tanh", "d_h0", "-0.46404"), (974, "tanh", "d_h1", "0.77646"), (982, "tanh", "d_h2", "0.0000"),
    (1012, "sigmoid", "w_o0", "0.50421"), (1019, "sigmoid", "w_o1", "-0.99938"), (1026, "sigmoid", "w_o2", "0.00070"),
    (1033, "sigmoid", "b_o", "0.50963"),
    (1063, "sigmoid", "w_h00", "-0.49941"), (1070, "sigmoid", "w_h01", "-0.99941"),
    (1077, "sigmoid", "w_h10", "-0.50113"), (1084, "sigmoid", "w_h11", "0.4988"),
    (1091, "sigmoid", "w_h20", "1.0"), (1098, "sigmoid", "w_h21", "0.0"),
    (1105, "sigmoid", "b_h0", "0.50119"), (1112, "sigmoid", "b_h1", "0.49774"), (1119, "sigmoid", "b_h2", "0.5"),
]


@pytest.fixture(scope="module")
def seed_config():
    return verify_file(SEED, str(EXAMPLES / "seed" / "sigmoid.toml"))


def test_seed_document_against_its_config(seed_config):
    truth = {act: _seed_truth(act) for act in ("sigmoid", "tanh")}
    named = {r.line: r for r in seed_config.results if "(sigmoid)" in r.expression or "(tanh)" in r.expression}
    expected_bad = set()
    for line, act, name, printed in SEED_NAMED:
        r = named[line]
        assert r.printed == printed and r.expression.endswith(f"({act})"), (line, r)
        true = truth[act][name]
        assert r.recomputed == pytest.approx(true, abs=1e-12), (line, name)
        d = len(printed.partition(".")[2])
        if abs(float(printed) - true) > 0.5 * 10**-d:
            expected_bad.add(line)
    # the lines whose printed value is not the true one at its precision:
    # 343 a_h[2] 0.7310 (0.73106), 376 s_o 0.0964 (0.09645), 387 tanh s_o -0.0836 (-0.08458),
    # 418 tanh y_o -0.0834 (-0.08438), 949 delta_h[1] 0.02261 (0.022620), 1019 w_o[1] -0.99938
    # (-0.99401), 1026 w_o[2] 0.00070 (0.00704), 1084 w_h[1][1] 0.4988 (0.49887),
    # 1105 b_h[0] 0.50119 (0.501185 - the true delta_h[0] -0.0118455 gives 0.50118)
    assert expected_bad == {343, 376, 387, 418, 949, 1019, 1026, 1084, 1105}
    mismatches = {r.line for r in seed_config.results if r.verdict == "mismatch"}
    assert mismatches == expected_bad


def test_seed_loss_table_against_its_config(seed_config):
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    _, epoch_loss = reference.train(W, B, ["sigmoid", "sigmoid"], [[0.5, 0.5]], [[0.91]], 0.1, 10)
    rows = [r for r in seed_config.results if r.expression.startswith("loss at iteration")]
    assert len(rows) == 12 and all(r.verdict == "ok" for r in rows)  # 0..9, 100, 1000
    for k in range(10):
        assert rows[k].recomputed == pytest.approx(epoch_loss[k], rel=1e-9)
    assert rows[0].printed == "0.07446"


# --------------------------------------------------------------------------
# the command


def run(argv, capsys):
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_command_exit_status_and_table(capsys):
    rc, out, err = run(["verify", str(SEED)], capsys)
    assert rc == 1
    assert err.strip().splitlines() == [f"mlptrace: error: 10 numbers disagree: {SEED} (10)"]
    rows = [line.split() for line in out.splitlines()]
    assert ["1019", "-1.0", "-", "(0.1", "\\cdot", "-0.096252", "\\cdot", "0.6225)", "-0.99938", "-0.9940083", "slip"] in rows
    assert "0.5 - (0.1 \\cdot -0.096252 \\cdot 0.4378)" not in out  # ok steps only with --all
    rc, out, _ = run(["verify", "--all", str(SEED)], capsys)
    assert "0.5 - (0.1 \\cdot -0.096252 \\cdot 0.4378)" in out


def test_command_clean_document(tmp_path, capsys):
    doc = tmp_path / "ok.md"
    doc.write_text("$$ 0.1 \\cdot 0.5 = 0.05 $$\n")
    rc, out, err = run(["verify", str(doc)], capsys)
    assert (rc, err) == (0, "")
    assert "1 check on 1 line: 1 ok, 0 slips; 0 not parsed" in out


def test_json_file_and_stdout(tmp_path, capsys):
    target = tmp_path / "out.json"
    rc, out, _ = run(["verify", str(SLIPS), "--json", str(target)], capsys)
    assert rc == 1  # written all the same
    data = json.loads(target.read_text())
    assert all(set(d) == {"file", "line", "expression", "printed", "recomputed", "verdict", "note"} for d in data)
    slip = [d for d in data if d["line"] == line_of(SLIPS, r"0.5 \cdot 0.37 = 0.195")]
    assert slip == [{"file": str(SLIPS), "line": slip[0]["line"], "expression": r"0.5 \cdot 0.37",
                     "printed": "0.195", "recomputed": pytest.approx(0.185), "verdict": "slip",
                     "note": slip[0]["note"]}]
    assert sum(d["verdict"] == "unparsed" for d in data) == 4
    rc, out, _ = run(["verify", str(SLIPS), "--json", "-"], capsys)
    assert json.loads(out) == data  # only the JSON on standard output


def test_refuses_to_write_over_an_input(tmp_path, capsys):
    doc = tmp_path / "d.md"
    doc.write_text("$$ 1 + 1 = 2 $$\n")
    before = doc.read_text()
    rc, _, err = run(["verify", str(doc), "--json", str(doc)], capsys)
    assert rc == 2 and "refusing to overwrite an input file" in err
    assert doc.read_text() == before


def test_bad_input_is_one_line_and_writes_nothing(tmp_path):
    target = tmp_path / "out.json"
    for argv, words in [
        (["verify", str(tmp_path / "missing.md"), "--json", str(target)], ["missing.md", "no such file"]),
        (["verify", str(SLIPS), "--config", str(tmp_path / "nope.toml"), "--json", str(target)], ["nope.toml"]),
        (["verify", str(SLIPS), "--json", str(tmp_path / "no" / "dir.json")], ["does not exist"]),
    ]:
        p = subprocess.run([sys.executable, "-m", "tracer", *argv], capture_output=True, text=True)
        assert p.returncode == 2, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
        assert all(w in p.stderr for w in words), p.stderr
        assert not target.exists()


def test_several_documents_at_once(tmp_path, capsys):
    good = tmp_path / "good.md"
    good.write_text("$$ 2 \\times 3 = 6 $$\n")
    rc, out, err = run(["verify", str(good), str(SLIPS)], capsys)
    assert rc == 1 and str(good) in out and f"{SLIPS} (6)" in err


def test_latex_document(tmp_path, capsys):
    doc = tmp_path / "d.tex"
    doc.write_text(
        "\\documentclass{article}\\begin{document}\n"
        "% 1 + 1 = 3 in a comment is not checked: $1 + 1 = 3$\n"
        "\\begin{align*}\n"
        "  a &= \\sigma(0.5) \\\\\n"
        "    &= 0.6225 \\\\\n"
        "  b &= \\frac{1}{4} = 0.26\n"
        "\\end{align*}\n"
        "\\end{document}\n"
    )
    report = verify_file(doc)
    assert failing(report) == [(6, "slip")]  # 1/4 = 0.25
    assert [r.verdict for r in report.results] == ["ok", "slip"]


# --------------------------------------------------------------------------
# assert_document and the pytest plugin


def test_assert_document_passes_and_returns_the_report(tmp_path):
    doc = tmp_path / "ok.md"
    doc.write_text("$$ y = \\sigma(0.5) = 0.6225 $$\n")
    assert assert_document(doc).count("ok") == 1


def test_assert_document_reports_a_readable_diff():
    with pytest.raises(AssertionError) as exc:
        assert_document(SLIPS)
    text = str(exc.value)
    line = line_of(SLIPS, r"\sigma(1.0) = 0.7131")
    assert f"{SLIPS}: 6 numbers wrong" in text
    assert f"  line {line}: \\sigma(1.0)\n    - printed     0.7131\n    + recomputed  0.731059\n" in text


def test_assert_document_with_config_and_strict_parsing(tmp_path):
    with pytest.raises(AssertionError, match="0.50119"):
        assert_document(SEED, EXAMPLES / "seed" / "sigmoid.toml")
    doc = tmp_path / "d.md"
    doc.write_text("$$ 3! = 6 $$\n")
    assert_document(doc)
    with pytest.raises(AssertionError, match="cannot be parsed"):
        assert_document(doc, allow_unparsed=False)


pytest_plugins = ["pytester"]


def _plugin_args():
    from importlib.metadata import entry_points

    installed = any(ep.value == "tracer.verify.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "tracer.verify.pytest_plugin"]


def test_pytest_plugin_collects_documents_only_when_asked(pytester):
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "good.md").write_text("$$ 0.5 \\cdot 0.5 = 0.25 $$\n")
    (pytester.path / "docs" / "bad.md").write_text("Text\n$$ 0.5 \\cdot 0.37 = 0.195 $$\n")
    quiet = pytester.runpytest_subprocess(*_plugin_args(), "docs")
    assert quiet.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = pytester.runpytest_subprocess(*_plugin_args(), "--verify-docs", "docs")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bad.md: 1 number wrong*", "*line 2: 0.5 \\cdot 0.37*", "*- printed     0.195*"])


# --------------------------------------------------------------------------
# the project's own reports must verify clean


REPORT_CONFIGS = [
    None,
    EXAMPLES / "seed" / "tanh.toml",
    EXAMPLES / "seed" / "four-rows-minus-one.toml",
    EXAMPLES / "deep" / "deep.toml",        # two hidden layers, two outputs, matrices
    EXAMPLES / "wide" / "wide.toml",
    EXAMPLES / "classification" / "train.toml",
]


def _report(config, tmp_path, fmt="md") -> Path:
    if importlib.util.find_spec("tracer.render") is None:
        pytest.skip("tracer/render.py (mlptrace report, issue #3) has not landed yet")
    out = tmp_path / f"report.{fmt}"
    assert cli.main(["report", *([str(config)] if config else []), "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("fmt", ["md", "tex"])
@pytest.mark.parametrize("config", REPORT_CONFIGS, ids=lambda c: "default" if c is None else c.name)
def test_generated_reports_have_no_slip(config, fmt, tmp_path):
    out = _report(config, tmp_path, fmt)
    arithmetic = verify_file(out)
    assert arithmetic.failures == [] and arithmetic.count("unparsed") == 0, format_report(arithmetic)
    assert arithmetic.count("ok") >= 100  # it really read the report's numbers
    # and every named number is the config's own
    named = verify_file(out, str(config or default_config_path()))
    assert named.failures == [], format_report(named)
    assert sum(r.expression.startswith("loss at iteration") for r in named.results) >= 12


def test_slips_planted_in_a_generated_report_are_found(tmp_path):
    out = _report(EXAMPLES / "deep" / "deep.toml", tmp_path)
    lines = out.read_text().split("\n")
    # a matrix entry of the hidden layer's sums, a substituted sum, and a loss table entry
    m = next(i for i, l in enumerate(lines) if l.startswith("&= \\begin{bmatrix}") and "&" not in l[3:])
    first = re.search(r"bmatrix\}(-?[0-9.]+)", lines[m]).group(1)
    lines[m] = lines[m].replace(first, f"{float(first) + 0.01:.4f}", 1)
    result = next(i for i, l in enumerate(lines)
                  if re.fullmatch(r"&= -?[0-9.]+", l.strip()) and "\\cdot" in lines[i - 1])
    lines[result] = lines[result].replace("&= ", "&= -", 1).replace("--", "")  # a sign error
    table = lines.index("| iteration | loss | ")
    loss = next(i for i in range(table, len(lines)) if lines[i].startswith("| 5 | 0."))
    lines[loss] = lines[loss].replace("| 5 | 0.", "| 5 | 1.", 1)
    out.write_text("\n".join(lines))
    report = verify_file(out, str(EXAMPLES / "deep" / "deep.toml"))
    arithmetic = {(r.line, r.verdict) for r in report.failures if r.verdict == "slip"}
    assert arithmetic == {(m + 1, "slip"), (result + 1, "slip")}
    named = {r.line for r in report.failures if r.verdict == "mismatch"}
    assert named == {result + 1, loss + 1}  # the sign error is also not the config's delta


def test_the_row_fed_to_the_network_is_checked(tmp_path):
    out = _report(EXAMPLES / "deep" / "deep.toml", tmp_path)
    text = out.read_text()
    # deep.toml's first row: length 10 with min 6, max 20 -> (10 - 6) / 14 = 0.2857
    assert "| length | 10 | 6 | 20 | 0.2857 |  | " in text
    checked = [r for r in verify_file(out).results if r.expression.startswith("length: (10 - 6) / (20 - 6)")]
    assert len(checked) == 2 and all(r.verdict == "ok" for r in checked)  # the data table and the fed row
    out.write_text(text.replace("| length | 10 | 6 | 20 | 0.2857 |", "| length | 10 | 6 | 20 | 0.2957 |"))
    slips = [r for r in verify_file(out).failures if r.expression.startswith("length: (10 - 6)")]
    assert [r.printed for r in slips] == ["0.2957"]
