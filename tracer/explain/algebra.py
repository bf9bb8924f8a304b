"""sympy helpers the model uses: products kept in order, each part of a sum or product worked out, lambdify without its start-up cost.

No output format here: what is built is sympy trees and the nodes of
:mod:`tracer.explain.nodes`; ``tracer.render.printers`` prints them.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from tracer.core.numbers import fmt, slot
from tracer.explain.nodes import Factors, Infix, Num

__all__ = ["FEW", "Parts", "product", "lambdify_numpy"]


FEW = 3  # layers with more nodes than this show one node in full


def product(*factors: Any) -> Any:
    """An unevaluated product in the given order, nested products flattened."""
    args = []
    for f in factors:
        args.extend(f.args if isinstance(f, sp.Mul) else (f,))
    args = [a for a in args if a != 1] or [sp.Integer(1)]  # "· 1" says nothing (linear's f' = 1)
    return args[0] if len(args) == 1 else sp.Mul(*args, evaluate=False)


_MATH = {"exp": math.exp, "tanh": math.tanh, "Max": max, "Heaviside": lambda s, h0=0.5: float(s > 0) if s else h0}


def lambdify_numpy(args: Sequence[Any], expr: Any, **options: Any) -> Callable[..., Any]:
    """sympy's ``lambdify`` for numpy arrays, without ``modules="numpy"``'s start-up cost.

    That option runs ``from numpy import *`` (which imports numpy.testing
    and more: a tenth of a second, paid by every report); numpy's printer
    with only the name ``numpy`` bound writes the same code.
    """
    from sympy.printing.numpy import NumPyPrinter

    # the printer also writes functools.reduce (Max of several terms) and math constants
    names = {"numpy": np, "functools": functools, "math": math}
    return sp.lambdify(args, expr, modules=[names], printer=NumPyPrinter(), **options)


def _compile(expr: Any, syms: Sequence[sp.Symbol]) -> Callable[..., float]:
    """``expr`` as a plain function of ``syms`` (what lambdify does, without its start-up cost).

    sympy's str printer writes these expressions (sums, products, powers,
    exp, tanh) as Python; every name in them is one of ``syms`` or ``_MATH``.
    """
    from sympy.printing.str import sstr

    args = ", ".join(s.name for s in syms)
    return eval(f"lambda {args}: {sstr(expr, order='none')}", dict(_MATH))  # noqa: S307 - our own expression


class Parts:
    """Each term of a sum, or each factor of a product, worked out: the document's middle line.

    Every part is compiled to a plain Python function once, so a step only
    calls them.
    """

    __slots__ = ("refs", "fns", "is_sum")

    def __init__(self, expr: Any, model: Any):  # a tracer.explain.model.Model
        syms = sorted((s for s in expr.free_symbols if s in model.refs), key=lambda s: s.name)
        self.refs = [model.refs[s] for s in syms]
        self.is_sum = isinstance(expr, sp.Add)
        self.fns = [_compile(part, syms) for part in expr.args]

    def fill(self, values: Sequence[float], digits: int) -> Infix | Factors:
        vals = [float(f(*values)) for f in self.fns]
        if self.is_sum:
            terms, ops = [Num(fmt(vals[0], digits))], []
            for v in vals[1:]:
                s = fmt(v, digits)
                ops.append("-" if s.startswith("-") else "+")
                terms.append(Num(s[1:] if s.startswith("-") else s))
            return Infix(tuple(terms), tuple(ops))
        return Factors((Num(fmt(vals[0], digits)), *(Num(slot(v, digits)) for v in vals[1:])), "tight")

