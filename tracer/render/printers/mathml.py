"""The MathML printer, for the HTML report: MathML Core elements written straight from the tree.

Browsers lay MathML out natively (no scripts, no web fonts).  This printer
writes the elements the explanation's nodes and sympy's trees stand for:
sympy's own decisions (term order, signs, fractions, brackets: its
LatexPrinter's) made on the tree, never on printed text, and each node
written as the LaTeX printer writes it, so the HTML shows what the PDF
shows.  Every formula keeps its LaTeX, the LaTeX printer's very output, as
the ``<annotation encoding="application/x-tex">`` of its ``<semantics>``
(copy and paste; ``mlptrace verify report.html`` reads the numbers there).

Inside the printer a row of math is a string of *items* joined by ``SEP``
(each item one element: a container such as ``<msub>`` takes exactly one,
so a row of several is wrapped in ``<mrow>`` there and nowhere else), and a
``+`` or ``-`` at the row's top level is preceded by ``CUT``: an equation's
long line is broken into the LaTeX printer's rows at those.  ``doprint``
returns plain MathML; :meth:`MathMLPrinter.math` and
:meth:`MathMLPrinter.equation` the whole ``<math>`` element.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from sympy import Mul, Number, Pow, S
from sympy.printing.precedence import PRECEDENCE, precedence_traditional
from sympy.printing.printer import Printer
from sympy.simplify import fraction

from tracer.explain import nodes as n
from tracer.explain.pieces import Equation
from tracer.render.printers.forms import FormPrinting
from tracer.render.printers.latex import LatexPrinter, aligned, row_sizes
from tracer.render.xml import escape

__all__ = ["MathMLPrinter", "SEP", "CUT", "math_element"]

SEP = "\x04"  # between the items of a row
CUT = "\x03"  # before a top-level + or -, where a long line may be broken
_HOLE = re.compile("\x01(\\d+)([\x02\x06])")  # a Form's slot: \x02 in a row, \x06 alone in a container
_TALL = ("<mfrac", "<mtable", "<munder", "<mover", "<msqrt", "<mroot")  # what a bracket grows around

GREEK = {"delta": "δ", "eta": "η", "theta": "θ", "sigma": "σ", "Sigma": "Σ", "alpha": "α", "beta": "β",
         "gamma": "γ", "lambda": "λ", "mu": "μ", "pi": "π", "phi": "ϕ", "epsilon": "ϵ", "omega": "ω"}
# activations by their names (tracer.core.activations): σ and tanh in italic-free math, the rest upright words
FUNCTIONS = {"sigmoid": "<mi>σ</mi>", "tanh": "<mi>tanh</mi>"}
# how each style of a product of chosen factors separates them (see tracer.explain.nodes.Factors)
FACTOR_SEPARATORS = {"dot": "<mo>⋅</mo>", "tight": "<mo>⋅</mo>", "close": "", "thin": '<mspace width="0.1667em"></mspace>'}
SIGN = {"-": '<mo lspace="0" rspace="0">−</mo>', "+": '<mo lspace="0" rspace="0">+</mo>'}
BINARY = {"-": "<mo>−</mo>", "+": "<mo>+</mo>"}
_LAST_DIGIT = re.compile(r"[0-9]</mn>(?:</m[a-z]+>)*$")  # sympy's "between two numbers", on items
_NUMBER = re.compile(r"(\()?(-)?([0-9.]+(?:e[-+]?[0-9]+)?|inf|nan)(\))?")
_TOKEN = re.compile(r"([A-Za-z])|([0-9]+\.?[0-9]*)|(.)", re.S)


def _x(s: str) -> str:
    return escape(s, quote=False)


def items(row: str) -> list[str]:
    """The items of a printed row (cut marks dropped)."""
    return [i for i in row.replace(CUT, "").split(SEP) if i]


def one(row: str, force: bool = False) -> str:
    """A row as one item: itself when it is one, else an ``<mrow>`` (a lone slot marked as such)."""
    parts = items(row)
    if len(parts) == 1 and not force:
        return _HOLE.sub("\x01\\1\x06", parts[0]) if _HOLE.fullmatch(parts[0]) else parts[0]
    return "<mrow>" + "".join(parts) + "</mrow>"


def join(*rows: str) -> str:
    return SEP.join(r for r in rows if r)


def fenced(row: str, open_: str = "(", close: str = ")") -> str:
    """``row`` in brackets as LaTeX's \\left( \\right): they stretch only around something tall."""
    parts = items(row)
    stretch = "" if any(t in p for p in parts for t in _TALL) else ' stretchy="false"'
    return f"<mrow><mo{stretch}>{open_}</mo>{''.join(parts)}<mo{stretch}>{close}</mo></mrow>"


def plain(text: str) -> str:
    """Text of the LaTeX printer's plain subscripts and limits (``0``, ``i``, ``new``, ``n-1``): each
    letter one identifier, each run of digits one number, as TeX sets them."""
    out = []
    for m in _TOKEN.finditer(text):
        letter, digits, other = m.groups()
        if letter:
            out.append(f"<mi>{letter}</mi>")
        elif digits:
            out.append(f"<mn>{digits}</mn>")
        elif not other.isspace():
            out.append(BINARY.get(other, f"<mo>{_x(other)}</mo>"))
    return SEP.join(out)


def math_element(body: str, tex: str, display: bool = False) -> str:
    """One ``<math>`` element: the MathML ``body`` and, as its annotation, the LaTeX ``tex``."""
    attrs = ' display="block"' if display else ""
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attrs}><semantics>{body}'
            f'<annotation encoding="application/x-tex">{_x(tex.strip())}</annotation></semantics></math>')


class MathMLPrinter(FormPrinting, Printer):
    """MathML Core; ``dot``: products of sympy expressions written with ⋅ (else side by side)."""

    printmethod = "_mathml_core"
    _default_settings = {"order": "none", "dot": False}

    def __init__(self, dot: bool = False, latex: LatexPrinter | None = None):
        super().__init__({"order": "none", "dot": dot})
        self.dot = dot
        self.latex = latex or LatexPrinter()
        self._other: MathMLPrinter | None = None
        self._init_forms()

    def doprint(self, expr: Any) -> str:
        return "".join(items(super().doprint(expr)))

    def row(self, node: Any) -> str:
        """``node`` printed as a row (items and cut marks kept)."""
        return self._print(node)

    # ------------------------------------------------------------ whole elements
    def body(self, node: Any) -> str:
        """``node`` as the one ``<mrow>`` a ``<math>`` element holds (see :func:`math_element`)."""
        return one(self.row(node), force=True)

    def math(self, node: Any, display: bool = False) -> str:
        """``node`` as a ``<math>`` element, its LaTeX kept as the annotation."""
        return math_element(self.body(node), self.latex.doprint(node), display)

    def equation(self, eq: Equation, lhs: str | None = None, tex_rows: Sequence[Sequence[str]] | None = None) -> str:
        """An equation as a block ``<math>``: the lhs, then one table row per line (long lines broken where
        the LaTeX printer breaks them), its LaTeX ``aligned`` block the annotation.  ``lhs`` and
        ``tex_rows``: the LaTeX printer's lhs and rows of each line, when the caller has them already."""
        if tex_rows is None:
            lhs = self.latex.doprint(eq.lhs) if eq.lhs is not None else None
            tex_rows = [self.latex.rows(ln.math) for ln in eq.lines]
        table = []
        for k, (ln, tex) in enumerate(zip(eq.lines, tex_rows)):
            for r, cells in enumerate(self._line_rows(ln.math, tex)):
                left = self.row(eq.lhs) if k == 0 and r == 0 and eq.lhs is not None else ""
                lead = ("<mo>=</mo>" if lhs is not None or k else "") if r == 0 else '<mspace width="1em"></mspace>'
                table.append((left, join(lead, cells)))
        return math_element(aligned_table(table), aligned(lhs, tex_rows), display=True)

    def _line_rows(self, node: Any, tex_rows: Sequence[str]) -> list[str]:
        """``node`` in as many rows as the LaTeX printer made, each with the same terms."""
        printed = self.row(node)
        if len(tex_rows) == 1:
            return [printed]
        terms = printed.split(CUT)
        sizes = row_sizes(tex_rows)
        if len(terms) != sum(sizes):  # the two printers disagree on where terms are: keep the line whole
            return [printed]
        out, at = [], 0
        for r, size in enumerate(sizes):
            # a continuation row starts with its operator; "<mrow></mrow>" is TeX's {} before it
            out.append(join("<mrow></mrow>" if r else "", *terms[at:at + size]))
            at += size
        return out

    # ------------------------------------------------------------ sympy's trees
    def print_formula(self, f: n.Formula) -> str:
        printer = self if f.dot == self.dot else self._twin()
        return FormPrinting.print_formula(printer, f)

    def _twin(self) -> "MathMLPrinter":
        if self._other is None:
            self._other = MathMLPrinter(not self.dot, self.latex)
            self._other._other = self
        return self._other

    def emptyPrinter(self, expr: Any) -> str:
        raise TypeError(f"the MathML printer has no way to write a {type(expr).__name__}")

    def _print_Symbol(self, expr: Any) -> str:
        node = self._names.get(expr)
        if node is not None:
            return self._print(node)
        base, _, sub = expr.name.partition("_")
        name = f"<mi>{_x(GREEK.get(base, base))}</mi>"
        if not sub and re.fullmatch(r"[A-Za-z]+[0-9]+", base):  # x1 is x with subscript 1, as sympy writes it
            letters = re.match(r"[A-Za-z]+", base).group()
            name, sub = f"<mi>{_x(GREEK.get(letters, letters))}</mi>", base[len(letters):]
        return f"<msub>{name}{one(plain(sub))}</msub>" if sub else name

    def _print_Integer(self, expr: Any) -> str:
        return join(SIGN["-"], f"<mn>{-expr.p}</mn>") if expr.p < 0 else f"<mn>{expr.p}</mn>"

    def _print_Rational(self, expr: Any) -> str:
        if expr.q == 1:
            return self._print_Integer(expr)
        frac = f"<mfrac><mn>{abs(expr.p)}</mn><mn>{expr.q}</mn></mfrac>"
        return join(SIGN["-"], frac) if expr.p < 0 else frac

    def _print_Float(self, expr: Any) -> str:
        return self._print(n.Sci(self.latex._print_Float(expr).replace(r" \cdot 10^{", "e").rstrip("}")))

    def _print_Exp1(self, expr: Any) -> str:
        return "<mi>e</mi>"

    def _print_Pi(self, expr: Any) -> str:
        return "<mi>π</mi>"

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        out = []
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            if i and term.could_extract_minus_sign():
                out.append(CUT + BINARY["-"])
                term = -term
            elif i:
                out.append(CUT + BINARY["+"])
            printed = self._print(term)
            out.append(fenced(printed) if term.is_Add else printed)
        return join(*out)

    def _needs_mul_brackets(self, expr: Any, first: bool = False) -> bool:
        if expr.is_Mul:
            return not first and expr.could_extract_minus_sign()
        return precedence_traditional(expr) < PRECEDENCE["Mul"] or bool(expr.is_Relational or expr.is_Piecewise)

    def _factors(self, args: Sequence[Any]) -> str:
        """sympy LaTeX's convert_args: factors side by side (or ⋅), a ⋅ between two numbers."""
        out, last = [], ""
        for i, term in enumerate(args):
            printed = self._print(term)
            if self._needs_mul_brackets(term, first=i == 0):
                printed = fenced(printed)
            first = items(printed)[:1]
            if out and _LAST_DIGIT.search(last) and first and first[0].startswith(("<mn>", "<mfrac><mn>")):
                out.append("<mo>⋅</mo>")
            elif out and self.dot:
                out.append("<mo>⋅</mo>")
            out.append(printed)
            last = items(printed)[-1] if items(printed) else ""
        return join(*out)

    def _convert(self, expr: Any) -> str:
        if not expr.is_Mul:
            return self._print(expr)
        return self._factors(expr.args if self.order in ("old", "none") else expr.as_ordered_factors())

    def _print_Mul(self, expr: Any) -> str:
        if isinstance(expr, Mul) and (expr.args[0] is S.One or any(isinstance(a, Number) for a in expr.args[1:])):
            return self._factors(expr.args)  # an unevaluated product: every factor as given
        sign = ""
        if expr.could_extract_minus_sign():
            expr, sign = -expr, SIGN["-"]
        numer, denom = fraction(expr, exact=True)
        if denom is S.One and Pow(1, -1, evaluate=False) not in expr.args:
            body = self._convert(expr)
        else:
            body = f"<mfrac>{one(self._convert(numer))}{one(self._convert(denom))}</mfrac>"
        if sign and expr.is_Add:
            body = join('<mo stretchy="false">(</mo>', body, '<mo stretchy="false">)</mo>')
        return join(sign, body)

    def _print_Pow(self, expr: Any) -> str:
        base, exp = expr.base, expr.exp
        if exp.is_Rational and abs(exp.p) == 1 and exp.q != 1:
            root = (f"<msqrt>{''.join(items(self._print(base)))}</msqrt>" if exp.q == 2 else
                    f"<mroot>{one(self._print(base))}<mn>{exp.q}</mn></mroot>")
            return f"<mfrac><mn>1</mn>{root}</mfrac>" if exp.is_negative else root
        if exp.is_Rational and exp.is_negative and base.is_commutative and base != 1:
            return self._print_Mul(expr)
        if base.is_Function:
            return self._print(base, exp=one(self._print(exp)))
        printed = self._print(base)
        if precedence_traditional(base) <= PRECEDENCE["Pow"]:
            printed = fenced(printed)
        printed, power = one(printed), one(self._print(exp))
        if printed.startswith("<msub>") and printed.endswith("</msub>"):  # y_o^2, as TeX sets it: 2 above o
            return f"<msubsup>{printed[6:-7]}{power}</msubsup>"
        return f"<msup>{printed}{power}</msup>"

    def _function(self, name: str, args: Sequence[Any], exp: str | None = None, upright: bool = False) -> str:
        """``name(args)`` as sympy writes a function: the name (raised to ``exp``), the arguments in brackets."""
        head = f'<mi mathvariant="normal">{_x(name)}</mi>' if upright else f"<mi>{_x(name)}</mi>"
        if exp is not None:
            head = f"<msup>{head}{exp}</msup>"
        return join(head, fenced(self._arguments(args)))

    def _arguments(self, args: Sequence[Any]) -> str:
        out = []
        for i, a in enumerate(args):
            out += (["<mo>,</mo>"] if i else []) + [self._print(a).replace(CUT, "")]
        return join(*out)

    def _print_Function(self, expr: Any, exp: str | None = None) -> str:
        name = type(expr).__name__
        return self._function(name, expr.args, exp, upright=len(name) > 1 and name not in _KNOWN)

    def _print_exp(self, expr: Any, exp: str | None = None) -> str:
        power = f"<msup><mi>e</mi>{one(self._print(expr.args[0]))}</msup>"
        return power if exp is None else f"<msup>{fenced(power)}{exp}</msup>"

    def _print_Max(self, expr: Any, exp: str | None = None) -> str:
        return self._function("max", expr.args, exp)

    def _print_Min(self, expr: Any, exp: str | None = None) -> str:
        return self._function("min", expr.args, exp)

    def _print_Heaviside(self, expr: Any, exp: str | None = None) -> str:
        return self._function("θ", expr.pargs, exp)

    def _print_Abs(self, expr: Any, exp: str | None = None) -> str:
        bars = fenced(self._print(expr.args[0]), "|", "|")
        return bars if exp is None else f"<msup>{bars}{exp}</msup>"

    # ------------------------------------------------------------ names
    def _print_Name(self, name: n.Name) -> str:
        letter = GREEK.get(name.letter, name.letter)
        if name.bold:
            base = (f'<mi style="font-weight:bold;font-style:italic">{letter}</mi>' if name.letter in GREEK else
                    f'<mi mathvariant="normal" style="font-weight:bold">{_x(letter)}</mi>')
        else:
            base = f"<mi>{_x(letter)}</mi>"
        sub = join(*(plain(p) if isinstance(p, str) else self._print(p) for p in name.sub))
        sup = self._print(name.sup) if name.sup is not None else ""
        if sub and sup:
            return f"<msubsup>{base}{one(sub)}{one(sup)}</msubsup>"
        if sub:
            return f"<msub>{base}{one(sub)}</msub>"
        return f"<msup>{base}{one(sup)}</msup>" if sup else base

    def _print_Tag(self, tag: n.Tag) -> str:
        return f"<mi>{tag.letter}</mi>" if tag.number is None else f"<msub><mi>{tag.letter}</mi><mn>{tag.number}</mn></msub>"

    def _print_Index(self, index: n.Index) -> str:
        return join('<mo stretchy="false">[</mo>', plain(str(index.value)), '<mo stretchy="false">]</mo>')

    def _print_Text(self, text: n.Text) -> str:
        return f"<mtext>{_x(text.words)}</mtext>"

    def _print_Word(self, word: n.Word) -> str:
        if len(word.letters) == 1:
            return f"<mi>{_x(word.letters)}</mi>"
        return f'<mi style="font-style:italic">{_x(word.letters)}</mi>'

    def _print_Dots(self, _: n.Dots) -> str:
        return "<mi>⋯</mi>"

    # ------------------------------------------------------------ numbers
    def _print_Num(self, num: n.Num) -> str:
        m = _NUMBER.fullmatch(num.digits)
        if m is None:
            return f"<mn>{_x(num.digits)}</mn>"
        opened, minus, digits, closed = m.groups()
        return join('<mo stretchy="false">(</mo>' if opened else "", SIGN["-"] if minus else "",
                    f"<mn>{digits}</mn>", '<mo stretchy="false">)</mo>' if closed else "")

    def _print_Sci(self, num: n.Sci) -> str:
        mant, _, exp = num.digits.partition("e")
        if not exp:
            return self._print_Num(n.Num(num.digits))
        power = f"<msup><mn>10</mn>{one(self._print_Num(n.Num(str(int(exp)))))}</msup>"
        return power if mant == "1" else join(self._print_Num(n.Num(mant)), "<mo>×</mo>", power)

    def _print_Matrix(self, m: n.Matrix) -> str:
        body = "".join("<mtr>" + "".join(f'<mtd style="text-align:center">{one(self._print(c))}</mtd>' for c in row)
                       + "</mtr>" for row in m.rows)
        return f"<mrow><mo>[</mo><mtable>{body}</mtable><mo>]</mo></mrow>"

    def _print_Hole(self, hole: n.Hole) -> str:
        return f"\x01{hole.i}\x02"

    def _print_Filled(self, filled: n.Filled) -> str:
        parts = _HOLE.split(self.template(filled.form))
        numbers = filled.numbers
        out = []
        for i in range(0, len(parts), 3):
            out.append(parts[i])
            if i + 1 < len(parts):
                digits = numbers[int(parts[i + 1])]
                # a negative number in parentheses where a symbol stood, unless it opens the row
                opens = i == 0 and parts[0] == ""
                row = self._print_Num(n.Num(f"({digits})" if digits.startswith("-") and not opens else digits))
                out.append(one(row) if parts[i + 2] == "\x06" else row)
        return "".join(out)

    def template(self, form: n.Form) -> str:  # type: ignore[override]
        """``form`` printed once with its slots marked (kept per Form, as every printer keeps it)."""
        printed = self._forms.get(form)
        if printed is None:
            printed = self._forms[form] = self.print_formula(n.Formula(form.expr, {**form.names, **form.holes},
                                                                       dot=True))
        return printed

    # ------------------------------------------------------------ composites
    def _print_Operator(self, op: n.Operator) -> str:
        return f"<mi>{_x(op.name)}</mi>"

    def _print_Activation(self, f: n.Activation) -> str:
        return FUNCTIONS.get(f.name) or f'<mi mathvariant="normal">{_x(f.name if f.name != "linear" else "id")}</mi>'

    def _print_Call(self, call: n.Call) -> str:
        fn = self._print(call.function)
        if call.prime:
            fn = f'<mrow>{one(fn)}<mo lspace="0" rspace="0">′</mo></mrow>'
        # f(x): plain brackets, as TeX's ( ), which never stretch
        return join(fn, '<mo stretchy="false">(</mo>', self._arguments(call.args), '<mo stretchy="false">)</mo>')

    def _print_Nabla(self, g: n.Nabla) -> str:
        return join('<mi mathvariant="normal">∇</mi>', self._print(g.of))

    def _print_Partial(self, d: n.Partial) -> str:
        return (f"<mfrac>{one(join('<mi>∂</mi>', self._print(d.top)))}"
                f"{one(join('<mi>∂</mi>', self._print(d.var)))}</mfrac>")

    def _print_PartialOf(self, d: n.PartialOf) -> str:
        return join(f"<mfrac><mi>∂</mi>{one(join('<mi>∂</mi>', self._print(d.var)))}</mfrac>",
                    fenced(self._print(d.body)))

    def _print_Paren(self, p: n.Paren) -> str:
        return fenced(self._print(p.body))

    def _print_Factors(self, f: n.Factors) -> str:
        sep = FACTOR_SEPARATORS[f.style]
        out = []
        for i, x in enumerate(f.factors):
            out += ([sep] if i and sep else []) + [self._print(x)]
        return join(*out)

    def _print_Infix(self, e: n.Infix) -> str:
        out = [self._print(e.terms[0])]
        for op, term in zip(e.ops, e.terms[1:]):
            out += [(CUT + BINARY[op]) if op in BINARY else f"<mo>{_x(op)}</mo>", self._print(term)]
        return join(*out)

    def _print_SumOver(self, s: n.SumOver) -> str:
        lo = one(join(plain(s.var), "<mo>=</mo>", plain(s.lo)))
        return join(f"<munderover><mo>∑</mo>{lo}{one(plain(s.hi))}</munderover>", self._print(s.body))


_KNOWN = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "ln", "sec", "csc", "cot", "coth", "arcsin",
          "arccos", "arctan", "arg"}


def aligned_table(rows: Sequence[tuple[str, str]]) -> str:
    """Rows of (left, right) as TeX's ``aligned``: the left cell right-aligned, the right one left-aligned."""
    body = "".join(f'<mtr><mtd style="text-align:right;padding-right:0">{one(left, force=len(items(left)) != 1)}</mtd>'
                   f'<mtd style="text-align:left;padding-left:0">{one(right, force=len(items(right)) != 1)}</mtd></mtr>'
                   for left, right in rows)
    return f'<mrow><mtable class="aligned" style="math-style:normal">{body}</mtable></mrow>'

