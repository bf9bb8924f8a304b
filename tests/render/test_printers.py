"""One printer per format: each node class of tracer.explain.nodes, and sympy's trees, in LaTeX and in unicode.

Every expected string is written out by hand from the math and the
document's notation (s_{h[1]} is hidden node 1's sum, w_{h[1][0]} its weight
from input 0, a negative number put where a symbol stood gets parentheses).
"""

from __future__ import annotations

import re

import sympy as sp

from tracer.explain import nodes as n
from tracer.explain.notation import Names
from tracer.explain.pieces import Equation, Line
from tracer.render.printers import LatexPrinter, UnicodePrinter, latex, latex_equation, unicode, unicode_equation
from tracer.render.printers.latex import ROW_WIDTH, rows, width

NAMES = Names([2, 3, 1])  # the document's 2-3-1 network: one hidden layer (h), a lone output (o)
x0, w10, b1 = sp.symbols("x0 w10 b1")
SUM_NAMES = {x0: NAMES.x(0), w10: NAMES.w(0, 1, 0), b1: NAMES.b(0, 1)}
SUM = sp.Add(sp.Mul(x0, w10, evaluate=False), b1, evaluate=False)  # s_h[1] = x[0] w_h[1][0] + b_h[1]


def both(node):
    return latex(node), unicode(node)


# --------------------------------------------------------------------------
# names


def test_names_of_the_notation():
    assert both(NAMES.w(0, 1, 0)) == ("w_{h[1][0]}", "wₕ[1][0]")
    assert both(NAMES.s(1, 0)) == ("s_{o}", "sₒ")  # a lone output node has no index
    assert both(NAMES.d(1, 0)) == (r"\delta_{o}", "δₒ")
    assert both(NAMES.a(0, 2)) == ("a_{h[2]}", "aₕ[2]")
    assert both(NAMES.x(1)) == ("x_{[1]}", "x[1]")
    assert both(NAMES.z(0)) == ("z", "z")
    deep = Names([3, 5, 4, 2])  # two hidden layers are numbered, several outputs indexed
    assert both(deep.s(1, 0)) == ("s_{h_{2}[0]}", "sₕ₂[0]")
    assert both(deep.w(2, 1, 3)) == ("w_{o[1][3]}", "wₒ[1][3]")
    assert both(deep.z(1)) == ("z_{[1]}", "z[1]")


def test_vectors_superscripts_and_plain_subscripts():
    assert both(NAMES.vec("x", 0)) == (r"\mathbf{x}", "x")
    assert both(NAMES.vec("delta", 0)) == (r"\boldsymbol{\delta}_{h}", "δₕ")
    assert both(NAMES.vec("a", 1)) == (r"\mathbf{y}_{o}", "yₒ")  # the output layer's activations are y
    new = n.Name("w", (n.Tag("o"), n.Index(1)), sup=n.Text("new"))
    assert both(new) == (r"w_{o[1]}^{\text{new}}", "wₒ[1]ⁿᵉʷ")
    assert both(n.Name("x", ("0",), braced=False)) == ("x_0", "x₀")
    assert both(n.Name("x", ("i",))) == ("x_{i}", "xᵢ")
    assert both(n.Name("x", ("new",))) == ("x_{new}", "x_new")  # unicode has no subscript w
    assert both(n.Name("theta", (n.Text("new"),))) == (r"\theta_{\text{new}}", "θⁿᵉʷ")
    assert both(n.Word("data")) == (r"\mathit{data}", "data")
    assert both(n.Dots()) == (r"\cdots", "⋯")


# --------------------------------------------------------------------------
# sympy's trees in the document's names


def test_a_sum_in_names():
    assert both(n.Formula(SUM, SUM_NAMES)) == ("x_{[0]} w_{h[1][0]} + b_{h[1]}", "x[0]·wₕ[1][0] + bₕ[1]")
    assert latex(n.Formula(SUM, SUM_NAMES, dot=True)) == r"x_{[0]} \cdot w_{h[1][0]} + b_{h[1]}"


def test_unicode_products_powers_and_quotients():
    y, z, s = sp.symbols("y z s")
    half_square = sp.Mul(sp.Rational(1, 2), sp.Pow(sp.Add(y, -z, evaluate=False), 2, evaluate=False), evaluate=False)
    assert unicode(half_square) == "(y - z)²/2"
    assert unicode(1 / (1 + sp.exp(-s))) == "1/(1 + exp(-s))"  # terms in the order sympy holds them
    assert unicode(sp.diff(1 / (1 + sp.exp(-s)), s)) == "exp(-s)/(1 + exp(-s))²"
    assert unicode(sp.Mul(y, sp.Add(1, -y, evaluate=False), evaluate=False)) == "y·(1 - y)"
    assert unicode(y ** 3) == "y^3" and unicode(y ** -2) == "y^(-2)" and unicode(1 / y) == "1/y"
    assert unicode(-2 * y * z) == "-2·y·z"
    assert unicode(sp.Mul(y, 2, evaluate=False)) == "y·2"  # unevaluated: every factor as given


# --------------------------------------------------------------------------
# numbers in the slots


def test_a_form_filled_with_known_numbers():
    refs = {x0: ("x", None, 0), w10: ("w", 0, 1, 0), b1: ("b", 0, 1)}
    form = n.Form(SUM, refs, SUM_NAMES)
    assert form.refs == [refs[b1], refs[w10], refs[x0]]  # slots in the symbols' name order
    # x[0] = 0.5, w = -1.0, b = 0.5: 0.5 * (-1.0) + 0.5 = -0.5
    filled = form.fill([0.5, -1.0, 0.5], 4)
    assert both(filled) == (r"0.5 \cdot (-1.0) + 0.5", "0.5·(-1.0) + 0.5")
    # a negative number opening the expression needs no parentheses
    assert both(form.fill([0.25, 2.0, -0.5], 4)) == (r"-0.5 \cdot 2.0 + 0.25", "-0.5·2.0 + 0.25")
    # ... unless it is raised to a power: (-0.5)^2, not -0.5^2
    y = sp.Symbol("y")
    square = n.Form(sp.Pow(y, 2, evaluate=False), {y: ("a", 1, 0)}, {y: NAMES.a(1, 0)})
    assert both(square.fill([-0.5], 4)) == ("(-0.5)^{2}", "(-0.5)²")


def test_each_printer_prints_a_form_once(monkeypatch):
    form = n.Form(SUM, {x0: ("x",), w10: ("w",), b1: ("b",)}, SUM_NAMES)
    for printer in (LatexPrinter(), UnicodePrinter()):
        calls = []
        original = type(printer).print_formula
        monkeypatch.setattr(type(printer), "print_formula", lambda self, f: calls.append(f) or original(self, f))
        first = printer.doprint(form.fill([1.0, 2.0, 3.0], 4))
        second = printer.doprint(form.fill([4.0, 5.0, 6.0], 4))
        assert len(calls) == 1 and first != second
        monkeypatch.undo()


def test_numbers_and_matrices():
    assert both(n.Num("-0.09625")) == ("-0.09625", "-0.09625")
    assert both(n.Sci("1.8e-13")) == (r"1.8 \times 10^{-13}", "1.8e-13")
    assert both(n.Sci("1e-06")) == ("10^{-6}", "1e-06")  # a mantissa of 1 is left out
    assert both(n.Sci("0.0113098")) == ("0.0113098", "0.0113098")
    m = n.Matrix(((n.Num("1.0"), n.Num("-2.0")), (n.Num("0.5"), n.Num("3.0"))))
    assert both(m) == (r"\begin{bmatrix}1.0 & -2.0 \\ 0.5 & 3.0\end{bmatrix}", "[1.0 -2.0; 0.5 3.0]")
    vector = n.Matrix(((n.Num("0.5"),), (n.Num("1.0"),)))
    assert both(vector) == (r"\begin{bmatrix}0.5 \\ 1.0\end{bmatrix}", "[0.5; 1.0]")


# --------------------------------------------------------------------------
# the composites


def test_functions_derivatives_and_products():
    s, y = NAMES.s(0, 0), NAMES.a(1, 0)
    assert both(n.Call(n.Activation("sigmoid"), (s,))) == (r"\sigma(s_{h[0]})", "σ(sₕ[0])")
    assert both(n.Call(n.Activation("tanh"), (s,), prime=True)) == (r"\tanh'(s_{h[0]})", "tanh'(sₕ[0])")
    assert both(n.Call(n.Operator("max"), (n.Num("0"), s))) == (r"\max(0, s_{h[0]})", "max(0, sₕ[0])")
    f_xy = n.Call(n.Name("f"), (n.Name("x"), n.Name("y")), compact=True)
    assert both(f_xy) == ("f(x, y)", "f(x,y)")
    assert both(n.Call(n.Nabla(n.Name("L")), (y,))) == (r"\nabla L(y_{o})", "∇L(yₒ)")
    assert both(n.Partial(n.Name("L"), y)) == (r"\frac{\partial L}{\partial y_{o}}", "∂L/∂yₒ")
    assert both(n.PartialOf(s, n.Num("1"))) == (r"\frac{\partial}{\partial s_{h[0]}} \left(1\right)", "∂/∂sₕ[0] (1)")
    assert both(n.Paren(n.infix("-", y, n.Name("z")))) == (r"\left(y_{o} - z\right)", "(yₒ - z)")
    a, b = n.Name("a"), n.Name("b")
    styles = {style: both(n.Factors((a, b), style)) for style in n.FACTOR_STYLES}
    assert styles == {"dot": (r"a \cdot b", "a · b"), "tight": (r"a \cdot b", "a·b"), "close": ("a b", "a·b"),
                      "thin": (r"a \, b", "a·b")}
    assert both(n.Infix((a, b, n.Num("1")), ("+", "-"))) == ("a + b - 1", "a + b - 1")
    body = n.Factors((n.Name("x", ("i",), braced=False), n.Name("w", ("i",), braced=False)), "close")
    assert both(n.SumOver("i", "0", "n", body)) == (r"\sum_{i=0}^{n} x_i w_i", "Σᵢ xᵢ·wᵢ")


# --------------------------------------------------------------------------
# equations


def test_an_equation_in_each_format():
    refs = {x0: ("x",), w10: ("w",), b1: ("b",)}
    form = n.Form(SUM, refs, SUM_NAMES)
    eq = Equation("s[1]", NAMES.s(0, 1), [Line("symbolic", n.Formula(SUM, SUM_NAMES)),
                                          Line("substituted", form.fill([0.5, -1.0, 0.5], 4)),
                                          Line("result", n.Num("-0.5"))])
    assert latex_equation(eq) == ("\\begin{aligned}\n"
                                  "s_{h[1]} &= x_{[0]} w_{h[1][0]} + b_{h[1]} \\\\\n"
                                  "&= 0.5 \\cdot (-1.0) + 0.5 \\\\\n"
                                  "&= -0.5\n"
                                  "\\end{aligned}")
    assert unicode_equation(eq) == ("sₕ[1] = x[0]·wₕ[1][0] + bₕ[1]\n"
                                    "      = 0.5·(-1.0) + 0.5\n"
                                    "      = -0.5")


def test_long_lines_break_but_a_matrix_stays_whole():
    terms = [n.Factors((n.Num(f"0.{k}123"), n.Num(f"(-0.{k}456)")), "tight") for k in range(1, 10)]
    long_sum = n.infix("+", *terms)
    printer = LatexPrinter()
    broken = printer.rows(long_sum)
    assert len(broken) > 1 and all(width(r) <= ROW_WIDTH for r in broken)
    assert all(r.startswith("\\quad {} + ") for r in broken[1:])
    assert rows(latex(long_sum)) == broken
    wide = n.Matrix((tuple(n.Num("-0.123456") for _ in range(12)),))
    assert width(latex(wide)) > ROW_WIDTH and printer.rows(n.infix("+", wide, wide)) == (latex(n.infix("+", wide, wide)),)


# --------------------------------------------------------------------------
# MathML: each node class written out by hand (MathML Core: <mi> a letter, <mn> a number, <mo> an operator;
# a container holds one element, so a row of several is an <mrow>; brackets of a plain ( ) never stretch)

from tracer.render.printers import MathMLPrinter, mathml, mathml_equation  # noqa: E402

MATHML = MathMLPrinter()
OPEN, CLOSE = '<mo stretchy="false">(</mo>', '<mo stretchy="false">)</mo>'
LB, RB = '<mo stretchy="false">[</mo>', '<mo stretchy="false">]</mo>'
MINUS_SIGN = '<mo lspace="0" rspace="0">−</mo>'  # a sign, set tight; a binary minus is <mo>−</mo>
W_H10 = f"<msub><mi>w</mi><mrow><mi>h</mi>{LB}<mn>1</mn>{RB}{LB}<mn>0</mn>{RB}</mrow></msub>"
X_0 = f"<msub><mi>x</mi><mrow>{LB}<mn>0</mn>{RB}</mrow></msub>"
B_H1 = f"<msub><mi>b</mi><mrow><mi>h</mi>{LB}<mn>1</mn>{RB}</mrow></msub>"


def ml(node):
    return MATHML.doprint(node)


def test_mathml_names():
    assert ml(NAMES.w(0, 1, 0)) == W_H10
    assert ml(NAMES.s(1, 0)) == "<msub><mi>s</mi><mi>o</mi></msub>"
    assert ml(NAMES.d(1, 0)) == "<msub><mi>δ</mi><mi>o</mi></msub>"
    assert ml(Names([3, 5, 4, 2]).s(1, 0)) == \
        f"<msub><mi>s</mi><mrow><msub><mi>h</mi><mn>2</mn></msub>{LB}<mn>0</mn>{RB}</mrow></msub>"
    assert ml(NAMES.vec("x", 0)) == '<mi mathvariant="normal" style="font-weight:bold">x</mi>'
    assert ml(NAMES.vec("delta", 0)) == '<msub><mi style="font-weight:bold;font-style:italic">δ</mi><mi>h</mi></msub>'
    new = n.Name("w", (n.Tag("o"), n.Index(1)), sup=n.Text("new"))
    assert ml(new) == f"<msubsup><mi>w</mi><mrow><mi>o</mi>{LB}<mn>1</mn>{RB}</mrow><mtext>new</mtext></msubsup>"
    assert ml(n.Name("x", ("new",))) == "<msub><mi>x</mi><mrow><mi>n</mi><mi>e</mi><mi>w</mi></mrow></msub>"
    assert ml(n.Word("data")) == '<mi style="font-style:italic">data</mi>'
    assert ml(n.Dots()) == "<mi>⋯</mi>"


def test_mathml_numbers_and_matrices():
    assert ml(n.Num("0.4378")) == "<mn>0.4378</mn>"
    assert ml(n.Num("-0.09625")) == MINUS_SIGN + "<mn>0.09625</mn>"
    assert ml(n.Num("(-0.5)")) == OPEN + MINUS_SIGN + "<mn>0.5</mn>" + CLOSE
    assert ml(n.Sci("1.8e-13")) == f"<mn>1.8</mn><mo>×</mo><msup><mn>10</mn><mrow>{MINUS_SIGN}<mn>13</mn></mrow></msup>"
    assert ml(n.Sci("1e-06")) == f"<msup><mn>10</mn><mrow>{MINUS_SIGN}<mn>6</mn></mrow></msup>"
    m = n.Matrix(((n.Num("1.0"), n.Num("-2.0")),))
    cell = '<mtd style="text-align:center">'
    assert ml(m) == (f"<mrow><mo>[</mo><mtable><mtr>{cell}<mn>1.0</mn></mtd>{cell}<mrow>{MINUS_SIGN}<mn>2.0</mn></mrow>"
                     "</mtd></mtr></mtable><mo>]</mo></mrow>")


def test_mathml_of_sympys_trees():
    assert ml(n.Formula(SUM, SUM_NAMES)) == X_0 + W_H10 + "<mo>+</mo>" + B_H1
    assert ml(n.Formula(SUM, SUM_NAMES, dot=True)) == X_0 + "<mo>⋅</mo>" + W_H10 + "<mo>+</mo>" + B_H1
    s, y = sp.symbols("s y")
    # 1/(1 + e^-s): a fraction, the exponent's minus a sign
    assert ml(1 / (1 + sp.exp(-s))) == \
        f"<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow>{MINUS_SIGN}<mi>s</mi></mrow></msup></mrow></mfrac>"
    assert ml(sp.tanh(s)) == f"<mi>tanh</mi><mrow>{OPEN}<mi>s</mi>{CLOSE}</mrow>"
    assert ml(sp.Rational(1, 2) * y ** 2) == "<mfrac><msup><mi>y</mi><mn>2</mn></msup><mn>2</mn></mfrac>"
    assert ml(y * (1 - y)) == f"<mi>y</mi><mrow>{OPEN}<mn>1</mn><mo>−</mo><mi>y</mi>{CLOSE}</mrow>"
    # a name with a subscript, squared: one <msubsup>, as TeX sets y_o^2
    assert ml(n.Formula(y ** 2, {y: NAMES.a(1, 0)})) == "<msubsup><mi>y</mi><mi>o</mi><mn>2</mn></msubsup>"


def test_mathml_of_a_filled_form():
    form = n.Form(SUM, {x0: ("x",), w10: ("w",), b1: ("b",)}, SUM_NAMES)
    # 0.5 * (-1.0) + 0.5: the negative number where a symbol stood in brackets
    assert ml(form.fill([0.5, -1.0, 0.5], 4)) == \
        f"<mn>0.5</mn><mo>⋅</mo>{OPEN}{MINUS_SIGN}<mn>1.0</mn>{CLOSE}<mo>+</mo><mn>0.5</mn>"
    # ... but not where it opens the row
    assert ml(form.fill([0.25, 2.0, -0.5], 4)) == f"{MINUS_SIGN}<mn>0.5</mn><mo>⋅</mo><mn>2.0</mn><mo>+</mo><mn>0.25</mn>"
    # (-0.5)^2: the bracketed number is the power's base, one <mrow>
    y = sp.Symbol("y")
    square = n.Form(sp.Pow(y, 2, evaluate=False), {y: ("a", 1, 0)}, {y: NAMES.a(1, 0)})
    assert ml(square.fill([-0.5], 4)) == f"<msup><mrow>{OPEN}{MINUS_SIGN}<mn>0.5</mn>{CLOSE}</mrow><mn>2</mn></msup>"
    assert ml(square.fill([0.5], 4)) == "<msup><mn>0.5</mn><mn>2</mn></msup>"


def test_mathml_composites():
    s, y = NAMES.s(0, 0), NAMES.a(1, 0)
    S_H0 = f"<msub><mi>s</mi><mrow><mi>h</mi>{LB}<mn>0</mn>{RB}</mrow></msub>"
    Y_O = "<msub><mi>y</mi><mi>o</mi></msub>"
    assert ml(n.Call(n.Activation("sigmoid"), (s,))) == f"<mi>σ</mi>{OPEN}{S_H0}{CLOSE}"
    assert ml(n.Call(n.Activation("tanh"), (s,), prime=True)) == \
        f'<mrow><mi>tanh</mi><mo lspace="0" rspace="0">′</mo></mrow>{OPEN}{S_H0}{CLOSE}'
    assert ml(n.Call(n.Activation("relu"), (s,))) == f'<mi mathvariant="normal">relu</mi>{OPEN}{S_H0}{CLOSE}'
    assert ml(n.Call(n.Operator("max"), (n.Num("0"), s))) == f"<mi>max</mi>{OPEN}<mn>0</mn><mo>,</mo>{S_H0}{CLOSE}"
    assert ml(n.Call(n.Nabla(n.Name("L")), (y,))) == f'<mi mathvariant="normal">∇</mi><mi>L</mi>{OPEN}{Y_O}{CLOSE}'
    assert ml(n.Partial(n.Name("L"), y)) == f"<mfrac><mrow><mi>∂</mi><mi>L</mi></mrow><mrow><mi>∂</mi>{Y_O}</mrow></mfrac>"
    # brackets that grow: around a fraction they stretch, around a number they do not
    assert ml(n.PartialOf(s, n.Num("1"))) == \
        f"<mfrac><mi>∂</mi><mrow><mi>∂</mi>{S_H0}</mrow></mfrac><mrow>{OPEN}<mn>1</mn>{CLOSE}</mrow>"
    assert ml(n.Paren(n.Partial(n.Name("L"), n.Name("y")))) == \
        "<mrow><mo>(</mo><mfrac><mrow><mi>∂</mi><mi>L</mi></mrow><mrow><mi>∂</mi><mi>y</mi></mrow></mfrac><mo>)</mo></mrow>"
    a, b = n.Name("a"), n.Name("b")
    styles = {style: ml(n.Factors((a, b), style)) for style in n.FACTOR_STYLES}
    assert styles == {"dot": "<mi>a</mi><mo>⋅</mo><mi>b</mi>", "tight": "<mi>a</mi><mo>⋅</mo><mi>b</mi>",
                      "close": "<mi>a</mi><mi>b</mi>", "thin": '<mi>a</mi><mspace width="0.1667em"></mspace><mi>b</mi>'}
    assert ml(n.Infix((a, b, n.Num("1")), ("+", "-"))) == "<mi>a</mi><mo>+</mo><mi>b</mi><mo>−</mo><mn>1</mn>"
    body = n.Factors((n.Name("x", ("i",), braced=False), n.Name("w", ("i",), braced=False)), "close")
    assert ml(n.SumOver("i", "0", "n", body)) == ("<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>0</mn></mrow>"
                                                 "<mi>n</mi></munderover><msub><mi>x</mi><mi>i</mi></msub>"
                                                 "<msub><mi>w</mi><mi>i</mi></msub>")
    assert ml(n.Text("a < b & c")) == "<mtext>a &lt; b &amp; c</mtext>"  # the one XML escape


def test_mathml_keeps_the_latex_printers_text_as_its_annotation():
    element = mathml(NAMES.w(0, 1, 0))
    assert element == ('<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow>' + W_H10 + "</mrow>"
                       '<annotation encoding="application/x-tex">w_{h[1][0]}</annotation></semantics></math>')
    eq = Equation("s[1]", NAMES.s(0, 1), [Line("symbolic", n.Formula(SUM, SUM_NAMES)),
                                          Line("result", n.Num("-0.5"))])
    block = mathml_equation(eq)
    tex = latex_equation(eq).replace("&", "&amp;")
    assert block.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert block.endswith(f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math>')
    # TeX's aligned: the left cells right-aligned, the right ones left-aligned, "=" opening each line
    left, right = ('<mtd style="text-align:right;padding-right:0">', '<mtd style="text-align:left;padding-left:0">')
    S_H1 = f"<msub><mi>s</mi><mrow><mi>h</mi>{LB}<mn>1</mn>{RB}</mrow></msub>"
    assert f"<mtr>{left}{S_H1}</mtd>{right}<mrow><mo>=</mo>{X_0}{W_H10}<mo>+</mo>{B_H1}</mrow></mtd></mtr>" in block
    assert f"<mtr>{left}<mrow></mrow></mtd>{right}<mrow><mo>=</mo>{MINUS_SIGN}<mn>0.5</mn></mrow></mtd></mtr>" in block


def test_mathml_breaks_a_long_line_where_latex_does():
    terms = [n.Factors((n.Num(f"0.{k}123"), n.Num(f"(-0.{k}456)")), "tight") for k in range(1, 10)]
    eq = Equation("long", n.Name("s"), [Line("substituted", n.infix("+", *terms))])
    tex_rows = LatexPrinter().rows(eq.lines[0].math)
    block = mathml_equation(eq)
    assert block.count("<mtr>") == len(tex_rows) > 1
    # each continuation row: TeX's \quad {} +, then the same terms as the LaTeX row
    assert block.count('<mspace width="1em"></mspace><mrow></mrow><mo>+</mo>') == len(tex_rows) - 1
    # and each row holds the numbers of its LaTeX row, in order
    shown = [re.findall(r"<mn>([\d.]+)</mn>", r) for r in re.findall(r"<mtr>.*?</mtr>", block)]
    assert shown == [re.findall(r"[\d.]+", r) for r in tex_rows]
