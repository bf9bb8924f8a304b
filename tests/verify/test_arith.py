"""The LaTeX arithmetic verify reads: the parser, the interval evaluator, derivatives.

Expected numbers come from hand calculations shown beside them or from the
math module.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.verify import verify_text
from tracer.verify.arith import Evaluator, Interval, ParseError, classify, diff, make_num, parse


def sigmoid(s):
    return 1.0 / (1.0 + math.exp(-s))


def value(text, activation=None):
    kind, tree = classify(text)
    assert kind == "numeric", (text, kind, tree)
    return Evaluator(activation)(tree)


# --------------------------------------------------------------------------
# the parser and evaluator


@pytest.mark.parametrize("text, expected", [
    (r"0.524(1 - 0.524)", 0.524 * 0.476),  # implicit product
    (r"0.524(0.476) \cdot -0.386", 0.524 * 0.476 * -0.386),  # unary minus after an operator
    (r"\frac{65 - 25}{70 - 25}", 40 / 45),
    (r"0.1 \cdot -0.096252", -0.0096252),
    # a signed literal squared: 1 - (-0.08438)^2 = 1 - 0.0071199844
    (r"1 - -0.08438^2", 0.9928800156),
    # ... but a minus before a function is an ordinary negation: -(sigma(0)^2) = -(0.5^2)
    (r"-\sigma(0)^2", -0.25),
    (r"\left( 0.5 + 0.5 \right)^2 \times 3", 3.0),
    (r"2^{10} - 24", 1000.0),
    (r"3(0.8)", 2.4),
    (r"(2)(3) \div 4", 1.5),
    (r"e^{-0.25}", math.exp(-0.25)),
    (r"\frac{1}{1 + e^{-0.5}}", sigmoid(0.5)),
    (r"\sigma(0.5)", sigmoid(0.5)),
    (r"\sigma_{h[1]}(0.5)", sigmoid(0.5)),
    (r"\tanh_{o}(-0.0836)", math.tanh(-0.0836)),
    (r"\tanh^2(0.5)", math.tanh(0.5) ** 2),
    (r"\sigma'(0)", 0.25),  # sigma(0)(1 - sigma(0)) = 0.5 * 0.5
    (r"\tanh_{h[0]}'(0.5)", 1 - math.tanh(0.5) ** 2),
    (r"\sqrt{2.25} + \exp(0) + \ln(1)", 2.5),
    (r"\operatorname{relu}(-0.3) + 0.2", 0.2),
    ("0.5 \u00b7 4 \u2212 1", 1.0),  # middle dot and the Unicode minus
    (r"\left(0.4378 \cdot 0.5 + 0.6225 \cdot -1.0 + 0.7310 \cdot 0.0 + 0.5\right)", 0.0964),
    (r"0.2 \ for \ sigmoid", 0.2),  # words after "\ " are the writer's, not math
    (r"\frac{2}{3} \quad \text{(rounded)}", 2 / 3),
])
def test_values(text, expected):
    assert value(text).mid == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_matrices():
    # [[1, 2], [3, 4]] [0.5, 1]^T + [1, 1]^T = [0.5 + 2 + 1, 1.5 + 4 + 1] = [3.5, 6.5]
    text = r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix} \begin{bmatrix}0.5 \\ 1\end{bmatrix} + \begin{bmatrix}1 \\ 1\end{bmatrix}"
    v = value(text)
    assert [[x.mid for x in row] for row in v] == [[3.5], [6.5]]
    # tanh of each entry
    assert [[x.mid for x in row] for row in value(r"\tanh(\begin{bmatrix}0.5 & -1\end{bmatrix})")] == [
        [math.tanh(0.5), math.tanh(-1)]]
    doc = "$$\n\\mathbf{s} = " + text + " \\\\\n&= \\begin{bmatrix}3.5 \\\\ 6.6\\end{bmatrix}\n$$\n"
    (r,) = verify_text("m.md", doc).results
    assert (r.line, r.verdict, r.printed) == (3, "slip", "[3.5; 6.6]") and "entry (2, 1)" in r.note


def test_f_is_the_activation_in_use():
    assert value(r"f_{o}(0.0964)", "sigmoid").mid == pytest.approx(sigmoid(0.0964))
    assert value(r"f_{o}(0.0964)", "tanh").mid == pytest.approx(math.tanh(0.0964))
    kind, tree = classify(r"f_{o}(0.0964)")
    with pytest.raises(Exception, match="activation in use"):
        Evaluator(None)(tree)


@pytest.mark.parametrize("text, kind", [
    (r"x_0 w_0 + x_1 w_1 + \cdots + x_n w_n + b", "symbolic"),
    (r"\sum_{i=0}^{n} x_i w_i + b_{h}", "symbolic"),
    (r"\frac{\partial L}{\partial w_{i}}", "symbolic"),
    (r"y_{0} \left(1 - y_{0}\right) \cdot \left(y_{0} - z\right) \ for \ sigmoid", "symbolic"),
    (r"x(1 - 2 \cdot 0.1)", "symbolic"),
    (r"\sigma_{h[0]}'(s_{h[0]}) \cdot w_{o[0]} \delta_{o}", "symbolic"),
    (r"\binom{4}{2}", "unparsed"),
    (r"3!", "unparsed"),
    (r"2 3", "unparsed"),  # LaTeX prints "23": refuse to guess
    (r"\sqrt[3]{8}", "unparsed"),
    (r"|-0.5|", "unparsed"),
    (r"0.5 \cdot 0.5", "numeric"),
])
def test_classify(text, kind):
    assert classify(text)[0] == kind


def test_parse_errors_say_what():
    with pytest.raises(ParseError, match="unknown command"):
        parse(r"\binom{4}{2}")
    with pytest.raises(ParseError, match="expected"):
        parse(r"\frac{1}{2")


@pytest.mark.parametrize("text, half", [
    ("0.524", 0.0005),      # three significant digits: a rounded value
    ("0.6225", 0.00005),
    ("0.096252", 0.0000005),
    ("2.4000", 0.00005),
    ("0.5", 0.0),           # given data: weights, targets, a learning rate
    ("1.0", 0.0),
    ("0.91", 0.0),
    ("0.0", 0.0),
    ("70", 0.0),
])
def test_which_printed_inputs_are_rounded(text, half):
    assert make_num(text).half == pytest.approx(half)


digits = st.integers(min_value=3, max_value=6)
unit = st.floats(min_value=0.1, max_value=0.9)


@settings(max_examples=200, deadline=None)
@given(a=unit, b=unit, d=digits)
def test_the_interval_holds_the_value_the_rounded_inputs_came_from(a, b, d):
    # Print a and b rounded to d decimals (as a document does), evaluate the
    # printed expression as an interval: the exact value of the unrounded
    # inputs must lie inside it, so a correct line is never called a slip.
    ra, rb = f"{a:.{d}f}", f"{b:.{d}f}"
    cases = [
        (rf"{ra}(1 - {ra}) \cdot \left({rb} - 0.91\right)", a * (1 - a) * (b - 0.91)),
        (rf"\frac{{{ra}}}{{{rb}}} - {ra}^2", a / b - a * a),
        (rf"\sigma({ra}) \cdot -{rb} + \tanh({rb})", sigmoid(a) * -b + math.tanh(b)),
        (rf"(1 - -{ra}^2) \cdot e^{{-{rb}}}", (1 - a * a) * math.exp(-b)),
        (rf"\sigma'({ra}) - \tanh'(-{rb})", sigmoid(a) * (1 - sigmoid(a)) - (1 - math.tanh(b) ** 2)),
    ]
    for text, exact in cases:
        assert exact in value(text), (text, exact, value(text))


def test_derivative_of_a_parsed_function():
    f = parse("x^2 + y^2")
    at = {"x": Interval.of(3.0), "y": Interval.of(4.0)}
    assert Evaluator(env=at)(diff(f, "x")).mid == 6.0  # 2x
    assert Evaluator(env=at)(diff(f, "y")).mid == 8.0  # 2y
    g = parse(r"\sigma(2x) \cdot x")
    x = 0.3  # d/dx sigma(2x) x = 2 sigma'(2x) x + sigma(2x)
    expected = 2 * sigmoid(2 * x) * (1 - sigmoid(2 * x)) * x + sigmoid(2 * x)
    assert Evaluator(env={"x": Interval.of(x)})(diff(g, "x")).mid == pytest.approx(expected)
