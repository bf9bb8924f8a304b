"""The unicode printer, for the terminal and the figures: sympy's StrPrinter with · for products and ² for squares.

sympy's str printer writes Python (``x**2*y``); this one writes what a
reader expects on a terminal (``x²·y``) from the same tree: its own
``_print_Mul`` and ``_print_Pow``, no string replacing afterwards.  Names
are spelled by the notation's plain labels (:func:`tracer.explain.notation.label`):
subscript letters where unicode has them (ₕ, ₒ, ₂, ᵢ), indices in brackets (wₕ[0][1]).
"""

from __future__ import annotations

from typing import Any, Sequence

from sympy import Mul, Number, Pow, Rational, S
from sympy.core.mul import _keep_coeff
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter
from sympy.utilities.iterables import sift

from tracer.explain import nodes as n
from tracer.explain.notation import label
from tracer.explain.pieces import Equation
from tracer.render.printers.forms import FormPrinting

__all__ = ["UnicodePrinter", "FUNCTIONS", "stacked"]

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id"}  # activations by their names
TIMES = "·"
# how each style of a product of chosen factors separates them (see tracer.explain.nodes.Factors)
FACTOR_SEPARATORS = {"dot": " · ", "tight": TIMES, "close": TIMES, "thin": TIMES}


class UnicodePrinter(FormPrinting, StrPrinter):
    """Compact unicode math: ``sₕ[0] = x[0]·wₕ[0][0] + bₕ[0]``."""

    raised = ("^", "²")

    def __init__(self) -> None:
        super().__init__({"order": "none"})
        self._names: Any = {}
        self._init_forms()

    # ------------------------------------------------------------ sympy's trees
    def print_formula(self, f: n.Formula) -> str:
        saved, self._names = self._names, f.names
        try:
            return self._print(f.expr)
        finally:
            self._names = saved

    def _print_Symbol(self, expr: Any) -> str:
        node = self._names.get(expr)
        return self._print(node) if node is not None else expr.name

    def _print_Heaviside(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])})"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        prec = precedence(expr)
        base = self.parenthesize(expr.base, prec, strict=False)
        if expr.exp is S.Half and not rational:
            return f"sqrt({self._print(expr.base)})"
        if expr.is_commutative and expr.exp is S.NegativeOne:
            return f"1/{base}"
        if expr.exp == 2:
            return base + "²"
        return f"{base}^{self.parenthesize(expr.exp, prec, strict=False)}"

    def _print_Mul(self, expr: Any) -> str:
        """sympy's StrPrinter._print_Mul (numerator over denominator, a sign in front), with · for *."""
        prec = precedence(expr)
        args = expr.args
        # An unevaluated product that sympy would otherwise fold: every factor as given, in order.
        if args[0] is S.One or any(isinstance(a, Number) or a.is_Pow and all(ai.is_Integer for ai in a.args)
                                   for a in args[1:]):
            den, num = sift(args, lambda x: isinstance(x, Pow) and bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
            den = [Pow(d.base, -d.exp, evaluate=False) if -d.exp - 1 else d.base for d in den]
            pre = [self._print(num.pop(0))] if num and not num[0].is_Add and num[0].could_extract_minus_sign() else []
            top = TIMES.join(pre + [self.parenthesize(a, prec, strict=False) for a in num]) or "1"
            pre = [self._print(den.pop(0))] if len(den) > 1 and den[0].could_extract_minus_sign() else []
            bottom = [*pre, *(self.parenthesize(a, prec, strict=False) for a in den)]
            if len(bottom) > 1:
                return f"{top}/({TIMES.join(bottom)})"
            return f"{top}/{bottom[0]}" if bottom else top

        c, e = expr.as_coeff_Mul()
        sign = ""
        if c < 0:
            expr, sign = _keep_coeff(-c, e), "-"
        above: list[Any] = []
        below: list[Any] = []
        for item in Mul.make_args(expr):
            if item.is_commutative and isinstance(item, Pow) and bool(item.exp.as_coeff_Mul()[0] < 0):
                below.append(item.base if item.exp is S.NegativeOne else Pow(item.base, -item.exp, evaluate=False))
            elif item.is_Rational and item is not S.Infinity:
                if item.p != 1:
                    above.append(Rational(item.p))
                if item.q != 1:
                    below.append(Rational(item.q))
            else:
                above.append(item)
        top = TIMES.join(self.parenthesize(x, prec, strict=False) for x in (above or [S.One]))
        bottom = [self.parenthesize(x, prec, strict=False) for x in below]
        if not bottom:
            return sign + top
        return sign + top + ("/" + bottom[0] if len(bottom) == 1 else f"/({TIMES.join(bottom)})")

    # ------------------------------------------------------------ names
    def _print_Name(self, name: n.Name) -> str:
        return label(name)  # the notation's plain spelling, the one for messages too

    def _print_Text(self, text: n.Text) -> str:
        return text.words

    def _print_Word(self, word: n.Word) -> str:
        return word.letters

    def _print_Dots(self, _: n.Dots) -> str:
        return "⋯"

    # ------------------------------------------------------------ numbers
    def _print_Num(self, num: n.Num) -> str:
        return num.digits

    def _print_Sci(self, num: n.Sci) -> str:
        return num.digits

    def _print_Matrix(self, m: n.Matrix) -> str:
        return "[" + "; ".join(" ".join(self._print(c) for c in row) for row in m.rows) + "]"

    # ------------------------------------------------------------ composites
    def _print_Operator(self, op: n.Operator) -> str:
        return op.name

    def _print_Activation(self, f: n.Activation) -> str:
        return FUNCTIONS[f.name]

    def _print_Call(self, call: n.Call) -> str:
        fn = self._print(call.function) + ("'" if call.prime else "")
        return f"{fn}({(',' if call.compact else ', ').join(self._print(a) for a in call.args)})"

    def _print_Nabla(self, g: n.Nabla) -> str:
        return "∇" + self._print(g.of)

    def _print_Partial(self, d: n.Partial) -> str:
        return f"∂{self._print(d.top)}/∂{self._print(d.var)}"

    def _print_PartialOf(self, d: n.PartialOf) -> str:
        return f"∂/∂{self._print(d.var)} ({self._print(d.body)})"

    def _print_Paren(self, p: n.Paren) -> str:
        return f"({self._print(p.body)})"

    def _print_Factors(self, f: n.Factors) -> str:
        return FACTOR_SEPARATORS[f.style].join(self._print(x) for x in f.factors)

    def _print_Infix(self, e: n.Infix) -> str:
        out = self._print(e.terms[0])
        for op, term in zip(e.ops, e.terms[1:]):
            out += f" {op} {self._print(term)}"
        return out

    def _print_SumOver(self, s: n.SumOver) -> str:
        return f"{label(n.Name('Σ', (s.var,)))} {self._print(s.body)}"

    # ------------------------------------------------------------ equations
    def equation(self, eq: Equation) -> str:
        """``lhs = first``, then ``  = next`` for the rest, aligned under the first ``=``."""
        lead = self.doprint(eq.lhs) if eq.lhs is not None else ""
        return stacked(lead, [self.doprint(ln.math) for ln in eq.lines])


def stacked(lead: str, lines: Sequence[str]) -> str:
    """``lead = first``, then ``= next`` under it for the rest (no ``=`` before the first without a lead)."""
    pad = " " * len(lead)
    return "\n".join((f"{lead} = {text}" if lead else text) if k == 0 else f"{pad} = {text}"
                     for k, text in enumerate(lines))
