"""Products and powers in a reader's text, printed from sympy's tree: the one place ``*`` and ``**`` become · and ^.

sympy only (no numpy), so the gradient-descent command stays light.
"""

from __future__ import annotations

from typing import Any

from sympy import Mul, Number, Pow, Rational, S
from sympy.core.mul import _keep_coeff
from sympy.printing.precedence import precedence
from sympy.utilities.iterables import sift

__all__ = ["OperatorSymbols"]


class OperatorSymbols:
    """A mixin for sympy's StrPrinter: products joined by ``times`` and powers by :meth:`power`, from the tree.

    sympy's str printer writes Python's ``*`` and ``**``; a reader's text
    wants ``2·x`` and ``x^2``.  This is StrPrinter's ``_print_Mul`` (a sign
    in front, numerator over denominator, an unevaluated product's factors
    as given) and ``_print_Pow`` with those symbols, so no caller patches
    the printed string.  The unicode printer (tracer.render.printers) and
    the gradient-descent example's plain lines share it.
    """

    times = "·"

    def power(self, base: str, exp: Any) -> str:
        """``base`` raised to ``exp`` (printed here, parenthesised unless atomic)."""
        return f"{base}^{self.parenthesize(exp, precedence(Pow(S.One, exp, evaluate=False)), strict=False)}"  # type: ignore[attr-defined]

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        base = self.parenthesize(expr.base, precedence(expr), strict=False)  # type: ignore[attr-defined]
        if expr.exp is S.Half and not rational:
            return f"sqrt({self._print(expr.base)})"  # type: ignore[attr-defined]
        if expr.is_commutative and expr.exp is S.NegativeOne:
            return f"1/{base}"
        return self.power(base, expr.exp)

    def _print_Mul(self, expr: Any) -> str:
        paren = self.parenthesize  # type: ignore[attr-defined]
        prec = precedence(expr)
        args = expr.args
        # An unevaluated product that sympy would otherwise fold: every factor as given, in order.
        if args[0] is S.One or any(isinstance(a, Number) or a.is_Pow and all(ai.is_Integer for ai in a.args)
                                   for a in args[1:]):
            den, num = sift(args, lambda x: isinstance(x, Pow) and bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
            den = [Pow(d.base, -d.exp, evaluate=False) if -d.exp - 1 else d.base for d in den]
            lead = num and not num[0].is_Add and num[0].could_extract_minus_sign()
            pre = [self._print(num.pop(0))] if lead else []  # type: ignore[attr-defined]
            top = self.times.join(pre + [paren(a, prec, strict=False) for a in num]) or "1"
            pre = [self._print(den.pop(0))] if len(den) > 1 and den[0].could_extract_minus_sign() else []  # type: ignore[attr-defined]
            bottom = [*pre, *(paren(a, prec, strict=False) for a in den)]
            if len(bottom) > 1:
                return f"{top}/({self.times.join(bottom)})"
            return f"{top}/{bottom[0]}" if bottom else top

        c, e = expr.as_coeff_Mul()
        sign = ""
        if c < 0:
            expr, sign = _keep_coeff(-c, e), "-"
        above: list[Any] = []
        below: list[Any] = []
        factors = Mul.make_args(expr) if self.order in ("old", "none") else expr.as_ordered_factors()  # type: ignore[attr-defined]
        for item in factors:
            if item.is_commutative and isinstance(item, Pow) and bool(item.exp.as_coeff_Mul()[0] < 0):
                below.append(item.base if item.exp is S.NegativeOne else Pow(item.base, -item.exp, evaluate=False))
            elif item.is_Rational and item is not S.Infinity:
                if item.p != 1:
                    above.append(Rational(item.p))
                if item.q != 1:
                    below.append(Rational(item.q))
            else:
                above.append(item)
        top = self.times.join(paren(x, prec, strict=False) for x in (above or [S.One]))
        bottom = [paren(x, prec, strict=False) for x in below]
        if not bottom:
            return sign + top
        return sign + top + ("/" + bottom[0] if len(bottom) == 1 else f"/({self.times.join(bottom)})")
