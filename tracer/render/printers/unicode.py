"""The unicode printer, for the terminal and the figures: sympy's StrPrinter with · for products and ² for squares.

sympy's str printer writes Python (``x**2*y``); this one writes what a
reader expects on a terminal (``x²·y``) from the same tree: products and
powers are printed with · and ² (``OperatorSymbols``), no string replacing
afterwards.  Names
are spelled by the notation's plain labels (:func:`tracer.explain.notation.label`):
subscript letters where unicode has them (ₕ, ₒ, ₂, ᵢ), indices in brackets (wₕ[0][1]).
"""

from __future__ import annotations

from typing import Any, Sequence

from sympy.printing.str import StrPrinter

from tracer.core.numbers import short
from tracer.explain import nodes as n
from tracer.explain.operators import OperatorSymbols
from tracer.explain.notation import label
from tracer.explain.pieces import Equation
from tracer.render.printers.forms import FormPrinting

__all__ = ["UnicodePrinter", "FUNCTIONS", "stacked"]

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id"}  # activations by their names
TIMES = OperatorSymbols.times
# how each style of a product of chosen factors separates them (see tracer.explain.nodes.Factors)
FACTOR_SEPARATORS = {"dot": " · ", "tight": TIMES, "close": TIMES, "thin": TIMES}


class UnicodePrinter(FormPrinting, OperatorSymbols, StrPrinter):
    """Compact unicode math: ``sₕ[0] = x[0]·wₕ[0][0] + bₕ[0]``."""

    raised = ("^", "²")

    def __init__(self) -> None:
        super().__init__({"order": "none"})
        self._init_forms()

    # ------------------------------------------------------------ sympy's trees
    def _print_Float(self, expr: Any) -> str:
        return short(float(expr))  # 0.8, not 0.800000000000000

    def _print_Symbol(self, expr: Any) -> str:
        node = self._names.get(expr)
        return self._print(node) if node is not None else expr.name

    def _print_Heaviside(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])})"

    def power(self, base: str, exp: Any) -> str:
        return base + "²" if exp == 2 else super().power(base, exp)

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
