"""mlptrace report: the document's numbers in its order, equations that evaluate back, the command.

The expected numbers are the document's own lines, quoted here and read with
the same number pattern as the report; where the document slipped the
quote is corrected, the comment names the slip, and ``test_the_slips``
checks each correction with an independent calculation.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT
from tracer import cli
from tracer.config import schema as config
from tracer.render.notebook import report
from tracer.render.report import escape_md, escape_tex, render

DEEP = EXAMPLES / "deep" / "deep.toml"
WIDE = EXAMPLES / "wide" / "wide.toml"

# --------------------------------------------------------------------------
# the document, quoted (sigmoid first, then what differs for tanh)

INIT = [
    "hiddenWeight {-0.5 -1.0} hiddenBias {0.5}",
    "hiddenWeight {-0.5 0.5} hiddenBias {0.5}",  # the document prints "-0.5. .5"
    "hiddenWeight {1.0 0.0} hiddenBias {0.5}",
    "outputWeight {0.5 -1.0 0.0} outputBias {0.5}",
]
MINMAX = ["i0 -> Min: 25, Max: 70", "i1 -> Min: 67, Max: 98", "For z[0], 68 is the minimum value and 91 is the maximum value."]
NORMALISE = [
    # The document prints 0.8888; 40/45 = 0.88889 rounds to 0.8889.
    r"\frac{65 - 25}{70 - 25} = 0.8889",
    "70 -> 1.0 98 -> 1.0 91 -> 1.0",
    "50 -> 0.556 85 -> 0.581 82 -> 0.609",
    "65 -> 0.889 67 -> 0.0 80 -> 0.522",
    "25 -> 0.0 95 -> 0.903 68 -> 0.0",
]
SUMS = [
    r"&= \left((0.5 \cdot -0.5) + (0.5 \cdot -1.0) + 0.5\right) \\ &= \left(-0.25 - 0.5 + 0.5\right) \\ &= \left(-0.25\right)",
    r"&= \left((0.5 \cdot -0.5) + (0.5 \cdot 0.5) + 0.5\right) \\ &= \left(-0.25 + 0.25 + 0.5\right) \\ &= \left(0.5\right)",
    r"&= \left((0.5 \cdot 1.0) + (0.5 \cdot 0.0) + 0.5\right) \\ &= \left(0.5 + 0.0 + 0.5\right) \\ &= \left(1.0\right)",
]
SIGMOID_FORWARD = [
    r"&= \sigma_{h[0]}(-0.25) \\ &= 0.4378",
    r"&= \sigma_{h[1]}(0.5) \\ &= 0.6225",
    r"&= \sigma_{h[2]}(1.0) \\ &= 0.7311",  # the document prints 0.7310
    # s_o: the document's a_h[2] slip again, and 0.0964 where 0.0964524 rounds to 0.0965.
    r"&= \left(0.4378 \cdot 0.5 + 0.6225 \cdot -1.0 + 0.7311 \cdot 0.0 + 0.5\right) \\"
    r"&= \left(0.2189 - 0.6225 + 0.0 + 0.5\right) \\ &= \left(0.0965\right)",
    r"&= f_{o}(0.0965) \\ &= 0.5241",
]
SIGMOID_BACKWARD = [
    r"&= 0.524(1 - 0.524) \cdot \left(0.524 - 0.91\right) \\ &= 0.524(0.476) \cdot -0.386 \\ &= -0.096252",
    r"&= 0.4378(1 - 0.4378) \cdot 0.5 \cdot -0.096252 \\ &= -0.01185",
    # The document's delta_h[1] line uses -0.986252 for delta_o (it is -0.096252)
    # and prints 0.02261; 0.6225 * 0.3775 * 0.096252 = 0.022620.
    r"&= 0.6225(1 - 0.6225) \cdot -1.0 \cdot -0.096252 \\ &= 0.02262",
    r"&= 0.7311(1 - 0.7311) \cdot 0.0 \cdot -0.096252 \\ &= 0.0000",  # 0.7310 in the document
    r"w_{o[0]} &= 0.5 - (0.1 \cdot -0.096252 \cdot 0.4378) \\ &= 0.50421",
    # The document prints -0.99938; -1 + 0.1 * 0.096252 * 0.6225 = -0.99401.
    r"w_{o[1]} &= -1.0 - (0.1 \cdot -0.096252 \cdot 0.6225) \\ &= -0.99401",
    # The document prints 0.00070; 0.1 * 0.096252 * 0.7311 = 0.00704.
    r"w_{o[2]} &= 0.0 - (0.1 \cdot -0.096252 \cdot 0.7311) \\ &= 0.00704",
    r"b_{o} &= 0.5 - (0.1 \cdot -0.096252) \\ &= 0.50963",
    r"w_{h[0][0]} &= -0.5 - (0.1 \cdot -0.01185 \cdot 0.5) \\ &= -0.49941",
    r"w_{h[0][1]} &= -1.0 - (0.1 \cdot -0.01185 \cdot 0.5) \\ &= -0.99941",
    r"w_{h[1][0]} &= -0.5 - (0.1 \cdot 0.02262 \cdot 0.5) \\ &= -0.50113",  # 0.02261 in the document
    # The document prints 0.4988; 0.5 - 0.05 * 0.02262 = 0.49887.
    r"w_{h[1][1]} &= 0.5 - (0.1 \cdot 0.02262 \cdot 0.5) \\ &= 0.49887",
    r"w_{h[2][0]} &= 1.0 - (0.1 \cdot 0.0 \cdot 0.5) \\ &= 1.0",
    r"w_{h[2][1]} &= 0.0 - (0.1 \cdot 0.0 \cdot 0.5) \\ &= 0.0",
    r"b_{h[0]} &= 0.5 - (0.1 \cdot -0.01185) \\ &= 0.50119",
    r"b_{h[1]} &= 0.5 - (0.1 \cdot 0.02262) \\ &= 0.49774",  # 0.02261 in the document
    r"b_{h[2]} &= 0.5 - (0.1 \cdot 0.0) \\ &= 0.5",
]
# The paraboloid's first rows (tests/test_gd.py checks the whole table and its slips).
PARABOLOID = [
    "3.0000 4.0000 25.0000",
    "3.0000 6.0000 2.4000 4.0000 8.0000 3.2000 16.0000",
    "2.4000 4.8000 1.9200 3.2000 6.4000 2.5600 10.2400",
    "1.9200 3.8400 1.5360 2.5600 5.1200 2.0480 6.5536",
]
LOSS_TABLE = ["0 0.07446 1 0.07242 2 0.07044 3 0.06852 4 0.06666 5 0.06486 6 0.06312 7 0.06143 8 0.05979 9 0.05820",
              "100 0.00985", "1000 0.00006"]
TANH_FORWARD = [
    r"a_{h[0]} &= -0.2449 \\ a_{h[1]} &= 0.4621 \\ a_{h[2]} &= 0.7616",
    # The document prints s_o = -0.0836 and y_o = -0.0834: -0.1225 - 0.4621 + 0.5 = -0.0846, tanh(-0.0846) = -0.0844.
    r"&= \left(-0.2449 \cdot 0.5 + 0.4621 \cdot -1.0 + 0.7616 \cdot 0.0 + 0.5\right) \\"
    r"&= \left(-0.1225 - 0.4621 + 0.0 + 0.5\right) \\ &= \left(-0.0846\right)",
    r"&= f_{o}(-0.0846) \\ &= -0.0844",
]
TANH_BACKWARD = [
    r"&= (1 - -0.08438^2) \cdot \left(-0.08438 - 0.91\right) \\ &= (0.99288) \cdot -0.99438 \\ &= -0.9873",
    # The document squares 0.2449 where a_h[0] is -0.2449 (the same square).
    r"&= (1 - -0.2449^2) \cdot 0.5 \cdot -0.9873 \\ &= -0.46404",
    r"&= (1 - 0.4621^2) \cdot -1.0 \cdot -0.9873 \\ &= 0.77646",
    r"&= (1 - 0.7616^2) \cdot 0.0 \cdot -0.9873 \\ &= 0.0000",
]

# A number as both the document and the report write it: a minus sign
# touching the digits belongs to the number ("-0.5", "(-0.5)"); "a - 0.5" is an operator.
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def numbers(text: str) -> list[str]:
    text = re.sub(r"_\{[^{}]*(\{[^{}]*\}[^{}]*)*\}", " ", text)  # subscripts: indices, not numbers
    text = re.sub(r"\[\d+\]|\^\{?\d\}?|[a-z]\d", " ", text)  # [0], squares, i0, z0 ...
    return NUMBER.findall(text)


def _close(doc: str, mine: str) -> bool:
    def half(s: str) -> float:
        return 0.5 * 10 ** -len(s.split(".")[1]) if "." in s else 0.5
    return abs(float(doc) - float(mine)) <= half(doc) + half(mine) + 1e-12


def assert_in_order(report_text: str, quoted: list[str]) -> None:
    """Every number of ``quoted``, in order, appears in the report in that order."""
    mine = numbers(report_text)
    want = [n for q in quoted for n in numbers(q)]
    assert len(want) > 20
    pos = 0
    for i, n in enumerate(want):
        while pos < len(mine) and not _close(n, mine[pos]):
            pos += 1
        assert pos < len(mine), f"document number #{i} {n} not found in order (after {want[max(0, i - 5):i]})"
        pos += 1


@pytest.fixture(scope="module")
def seed_md():
    return {a: render(report(None, activation=a), "md") for a in ("sigmoid", "tanh")}


def test_sigmoid_report_has_every_number_of_the_document_in_order(seed_md):
    assert_in_order(seed_md["sigmoid"], INIT + MINMAX + NORMALISE + SUMS + SIGMOID_FORWARD + PARABOLOID
                    + SIGMOID_BACKWARD + LOSS_TABLE)


def test_tanh_report_has_every_number_of_the_document_in_order(seed_md):
    assert_in_order(seed_md["tanh"], INIT + MINMAX + NORMALISE + SUMS + TANH_FORWARD + PARABOLOID + TANH_BACKWARD)


def test_order_check_fails_when_numbers_are_out_of_order(seed_md):
    with pytest.raises(AssertionError):
        assert_in_order(seed_md["sigmoid"], SIGMOID_BACKWARD + INIT + MINMAX + NORMALISE + SUMS)


def test_the_slips():
    """Each corrected number above, computed independently."""
    sig = lambda s: 1 / (1 + math.exp(-s))  # noqa: E731
    assert round(40 / 45, 4) == 0.8889  # not 0.8888
    a = [sig(-0.25), sig(0.5), sig(1.0)]
    assert round(a[2], 4) == 0.7311  # not 0.7310
    s_o = 0.5 * a[0] - 1.0 * a[1] + 0.0 * a[2] + 0.5
    assert round(s_o, 4) == 0.0965  # not 0.0964
    y = sig(s_o)
    d_o = y * (1 - y) * (y - 0.91)
    assert round(d_o, 6) == -0.096252
    d_h1 = a[1] * (1 - a[1]) * -1.0 * d_o
    assert round(d_h1, 5) == 0.02262  # not 0.02261 (and not with -0.986252)
    assert round(-1.0 - 0.1 * d_o * a[1], 5) == -0.99401  # not -0.99938
    assert round(0.0 - 0.1 * d_o * a[2], 5) == 0.00704  # not 0.00070
    assert round(0.5 - 0.1 * d_h1 * 0.5, 5) == 0.49887  # not 0.4988
    t = [math.tanh(v) for v in (-0.25, 0.5, 1.0)]
    t_so = 0.5 * t[0] - 1.0 * t[1] + 0.0 * t[2] + 0.5
    assert round(t_so, 4) == -0.0846  # not -0.0836
    assert round(math.tanh(t_so), 4) == -0.0844  # not -0.0834


# --------------------------------------------------------------------------
# larger networks: every equation's numbers, parsed, give its result


def _latex_to_python(tex: str) -> str:
    """The LaTeX the report writes for numbers and operators, as Python."""
    s = tex.replace(r"\left", "").replace(r"\right", "").replace(r"\cdot", "*").replace(r"\quad {}", "")
    s = re.sub(r"e\^\{([^{}]*)\}", r"exp(\1)", s)
    s = re.sub(r"\^\{(\d+)\}", r"**\1", s)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
    s = s.replace(r"\tanh", "tanh").replace(r"\sigma", "sig").replace("{", "(").replace("}", ")")
    return s


def _blocks(md: str) -> list[list[str]]:
    """Each $$ block's aligned rows, joined back into its ``= ...`` lines."""
    out = []
    for block in re.findall(r"\$\$\n(.*?)\n\$\$", md, flags=re.S):
        body = block.replace("\\begin{aligned}\n", "").replace("\n\\end{aligned}", "")
        lines: list[str] = []
        for row in body.split(" \\\\\n"):
            if row.startswith(r"&\quad"):
                lines[-1] += " " + row[len(r"&\quad {} "):]
            else:
                lines.append(row.split("&= ", 1)[-1].lstrip("&"))
        out.append(lines)
    return out


def _check_evaluates(md: str) -> int:
    env = {"exp": math.exp, "tanh": math.tanh, "sig": lambda s: 1 / (1 + math.exp(-s)), "__builtins__": {}}
    checked = 0
    for lines in _blocks(md):
        result = lines[-1].strip()
        if "bmatrix" in result:
            checked += sum(_check_matrix(line, result) for line in lines[:-1] if "bmatrix" in line)
            continue
        if not re.fullmatch(r"-?\d+\.\d+", result):
            continue
        for line in lines[:-1]:
            if re.search(r"[a-zA-Z]", line.replace(r"\cdot", "").replace(r"\left", "").replace(r"\right", "")
                         .replace(r"\frac", "").replace(r"\quad", "").replace(r"\tanh", "").replace("e^", "")):
                continue  # a line with symbols
            py = _latex_to_python(line)
            value = eval(py, env)  # noqa: S307 - the test's own translation of numbers and operators
            # How far the rounding of the shown numbers can move the value: each
            # number nudged by half a unit of its last decimal, the effects added.
            parts = re.split(r"(\d+\.\d+)", py)
            tol = 0.0
            for k in range(1, len(parts), 2):
                h = 0.5 * 10 ** -len(parts[k].split(".")[1])
                moved = [eval("".join(parts[:k] + [repr(float(parts[k]) + d)] + parts[k + 1:]), env)  # noqa: S307
                         for d in (h, -h)]
                tol += max(abs(m - value) for m in moved)
            half = 0.5 * 10 ** -len(result.split(".")[1])
            assert abs(value - float(result)) <= tol * 1.01 + half + 1e-12, (line, result)
            checked += 1
    return checked


def _matrices(tex: str) -> list[list[list[str]]]:
    return [[row.split(" & ") for row in m.split(r" \\ ")]
            for m in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex)]


def _check_matrix(line: str, result: str) -> bool:
    """W x + b, as printed, equals the printed s within the rounding of every entry."""
    W, x, b = _matrices(line)
    (s,) = _matrices(result)

    def half(v: str) -> float:
        return 0.5 * 10 ** -len(v.split(".")[1])

    for j, row in enumerate(W):
        value = sum(float(w) * float(xi[0]) for w, xi in zip(row, x)) + float(b[j][0])
        tol = sum(abs(float(xi[0])) * half(w) + abs(float(w)) * half(xi[0]) + half(w) * half(xi[0])
                  for w, xi in zip(row, x)) + half(b[j][0]) + half(s[j][0])
        assert abs(value - float(s[j][0])) <= tol + 1e-12, (j, row, s[j])
    return True


@pytest.mark.parametrize("path", [DEEP, WIDE], ids=["3-5-4-2-tanh", "10-input-sigmoid"])
def test_every_substituted_equation_evaluates_to_its_result(path):
    cfg = config.load(path)
    assert (cfg.layers, cfg.activations[0], cfg.method) in (
        ([3, 5, 4, 2], "tanh", "zero-to-one"), ([10, 6, 1], "sigmoid", "zero-to-one"))
    expl = report(path)
    # every substituted and worked-out line of every equation with a numeric result
    expected = sum(1 for sec in expl.sections for eq in sec.all_equations() if eq.result
                   for line in eq.lines if line.kind in ("substituted", "evaluated"))
    assert expected >= 25
    assert _check_evaluates(render(expl, "md")) == expected


def _tiny(layers, act="sigmoid"):
    """A network of any depth from a dict, as a TOML file would give it."""
    data = [[0.1 * (i + r) for i in range(layers[0] + layers[-1])] for r in range(3)]
    return config.from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": act},
        "training": {"data": data, "learning_rate": 0.1, "epochs": 2},
        "normalize": {"method": "zero-to-one"}, "init": {"method": "random", "seed": 1},
    }, "<test>", ROOT)


def _expected_numbers(hidden: int) -> list[str]:
    """Sections 4 and 5 as the document numbers them, counting on per extra (or missing) hidden layer.

    Forward: a sum and an activation per layer, then the loss and gradient
    descent; backward: an error signal per layer, then new weights per layer.
    """
    layers = hidden + 1
    forward = [f"4.{n}" for n in range(1, 2 * layers + 3)]
    backward = [f"5.{n}" for n in range(1, 2 * layers + 1)]
    return ["1", "2", "3", *forward, *backward, "6", "7", "8", "A"]


@pytest.mark.parametrize("layers", [[2, 1], [2, 3, 1], [2, 3, 2, 3, 2]], ids=["no-hidden", "one-hidden", "three-hidden"])
def test_every_section_has_its_own_number_and_they_rise(layers):
    expl = report(_tiny(layers))
    numbers = [s.number for s in expl.sections]
    assert numbers == _expected_numbers(len(layers) - 2)
    if len(layers) == 3:  # the document's own numbering
        assert numbers[3:13] == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "5.1", "5.2", "5.3", "5.4"]


def test_a_big_layers_activations_point_at_its_own_sums_table():
    md = render(report(DEEP), "md")
    # the 3-5-4-2 network: hidden layer 1's sums are 4.1, hidden layer 2's are 4.3
    for sums, acts in (("4.1", "4.2"), ("4.3", "4.4")):
        body = md.split(f"\n## {acts} ", 1)[1].split("\n## ", 1)[0]
        assert f"Every node's activation is in the table of section {sums}." in body
        assert md.split(f"\n## {sums} ", 1)[1].split("\n## ", 1)[0].count("| node | $\\mathbf{s}_") == 1


def test_the_prose_names_the_first_layers_weights():
    def prose(layers):
        md = render(report(_tiny(layers)), "md")
        return " ".join(md.split("Weights are indexed", 1)[1].split("\n\n", 1)[0].split())

    assert prose([2, 3, 1]) == "[node][input]: $w_{h[j][i]}$ is the weight from input $i$ into hidden node $j$."
    assert prose([2, 3, 3, 1]).startswith("[node][input]: $w_{h_{1}[j][i]}$ is the weight from input $i$ into node $j$ "
                                          "of hidden layer 1")
    assert prose([2, 1]) == "[node][input]: $w_{o[i]}$ is the weight from input $i$ into the output node."
    assert prose([2, 2]) == "[node][input]: $w_{o[j][i]}$ is the weight from input $i$ into output node $j$."


def test_the_output_layer_of_a_network_without_hidden_layers_sums_the_inputs():
    md = render(report(_tiny([2, 1])), "md")
    out = md.split("\n## 4.1 ", 1)[1].split("\n## ", 1)[0]
    assert out.startswith("The summation function for the output layer")
    assert "activations of the layer before it" not in out and "Forward propagation" in out
    deep = render(report(DEEP), "md")
    assert "Hidden layer 2 sums its inputs" in deep.split("\n## 4.3 ", 1)[1].split("\n## ", 1)[0]
    assert deep.count("Forward propagation moves the inputs") == 1


def test_a_wrong_result_is_caught():
    # 0.4378 * (-0.5123) + 0.5012 = 0.27692
    md = "$$\n\\begin{aligned}\ns &= 0.4378 \\cdot (-0.5123) + 0.5012 \\\\\n&= 0.2780\n\\end{aligned}\n$$\n"
    with pytest.raises(AssertionError):
        _check_evaluates(md)
    ok = md.replace("0.2780", "0.2769")
    assert _check_evaluates(ok) == 1


# --------------------------------------------------------------------------
# escaping, the command, notebooks


def test_escape_tex_spells_out_the_ten_specials():
    assert escape_tex(r"a&b%c$d#e_f{g}h~i^j\k") == (
        r"a\&b\%c\ensuremath{\$}d\#e\_f\{g\}h\~{}i\^{}j\textbackslash{}k")
    assert escape_md("a_b*c|d<e>&$") == r"a\_b\*c\|d\<e\>\&\$"


def test_labels_are_escaped_in_markdown():
    md = render(report(WIDE), "md")
    assert r"parking \& storage" in md and r"\$ tax" in md and r"garden %" in md
    assert "| parking & storage |" not in md


def _run(*argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "tracer", *argv], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_report_command_writes_stdout_and_files(tmp_path, capsys):
    assert cli.main(["report", "--digits", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# The math behind training an MLP")
    assert "&= 0.438" in out  # three decimals
    target = tmp_path / "r.tex"
    assert cli.main(["report", str(DEEP), "-o", str(target)]) == 0
    tex = target.read_text()
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "s_{h_{1}[0]}" in tex


def test_report_full_shows_every_node(capsys):
    assert cli.main(["report", str(DEEP), "--full"]) == 0
    out = capsys.readouterr().out
    assert "s_{h_{1}[4]} &=" in out
    assert cli.main(["report", str(DEEP)]) == 0
    assert "s_{h_{1}[4]} &=" not in capsys.readouterr().out


@pytest.mark.parametrize("argv, where", [
    (["report", "--format", "pdf"], "a PDF needs a file"),
    (["report", "-o", "/nonexistent-dir/r.html"], "does not exist"),
    (["report", "--activation", "softmax"], "softmax"),
    (["report", "--template", "/nonexistent-dir"], "must be a directory"),
])
def test_bad_report_arguments_are_one_line(argv, where, tmp_path):
    r = _run(*argv, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("mlptrace: error: ") and where in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_refuses_to_overwrite_its_input(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text((EXAMPLES / "seed" / "sigmoid.toml").read_text().replace('"dataset.csv"', f'"{EXAMPLES}/seed/dataset.csv"')
                   .replace('"minmax-output-0-100.json"', f'"{EXAMPLES}/seed/minmax-output-0-100.json"')
                   .replace('"init-weights-biases.json"', f'"{EXAMPLES}/seed/init-weights-biases.json"')
                   .replace('"four-rows.csv"', f'"{EXAMPLES}/seed/four-rows.csv"'))
    before = cfg.read_text()
    r = _run("report", str(cfg), "-o", str(cfg))
    assert r.returncode == 2 and "overwrite" in r.stderr and cfg.read_text() == before


def test_pdf_without_pdflatex_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tracer", "report", "-o", str(tmp_path / "r.pdf")],
                       capture_output=True, text=True, env={**os.environ, "PATH": "/nonexistent", "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2 and "pdflatex was not found" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "r.pdf").exists()


def test_user_templates_are_sandboxed_and_fall_back_to_the_builtins(tmp_path, capsys):
    (tmp_path / "report.md.j2").write_text(
        '{% import "macros.md.j2" as m with context %}MINE {{ facts.layers|join("-") }}\n'
        '{% for s in sections if s.key == "loss" %}{% include "loss.j2" %}{% endfor %}')
    assert cli.main(["report", "--template", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MINE 2-3-1") and "## 4.5 The loss function" in out
    (tmp_path / "report.md.j2").write_text("{{ r.__class__.__mro__ }}")
    r = _run("report", "--template", str(tmp_path))
    assert r.returncode == 2 and r.stderr.startswith("mlptrace: error: ") and r.stderr.count("\n") == 1
    (tmp_path / "report.md.j2").write_text("{{ no_such_value }}")
    r = _run("report", "--template", str(tmp_path))
    assert r.returncode == 2 and "no_such_value" in r.stderr and "line 1" in r.stderr


def test_explanation_displays_itself_in_a_notebook():
    expl = report(None)
    md = expl._repr_markdown_()
    assert md.startswith("# The math behind training an MLP")
    tex = expl._repr_latex_()
    assert tex.startswith("$$") and r"s_{h[0]} &=" in tex and "\\section" not in tex


def test_numbers_are_right_aligned_and_words_left():
    expl = report()
    md, tex = render(expl, "md"), render(expl, "tex")
    # layer | nodes | activation: a name, a count, a word
    assert "| layer | nodes | activation | \n|:---|---:|:---|" in md
    assert "\\begin{tabular}{lrl}" in tex
    # the row fed to the network: column, value, min, max, fed, then the note in words
    assert "| column | value | min | max | fed in | note | \n|:---|---:|---:|---:|---:|:---|" in md
    assert "\\begin{tabular}{lrrrrl}" in tex
