"""Printing sympy expressions: LaTeX and compact unicode text, substituted forms, rows that fit a page.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.latex import latex as _sympy_latex
from sympy.printing.str import StrPrinter

from tracer.core.numbers import fmt, slot
from tracer.explain.pieces import Line, Math

__all__ = ["FEW", "ROW_WIDTH"]


FEW = 3  # layers with more nodes than this show one node in full
ROW_WIDTH = 340  # points of one equation row, leaving room for its left-hand side on an A4 page


# --------------------------------------------------------------------------
# printing: sympy's LaTeX printer and a compact unicode printer


class _TextPrinter(StrPrinter):
    """sympy's str printer with unicode names, · for products and ² for squares."""

    def __init__(self, names: dict[sp.Symbol, str]):
        super().__init__({"order": "none"})
        self.names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr, expr.name)

    def _print_Heaviside(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])})"


def text_of(expr: Any, names: dict[sp.Symbol, str]) -> str:
    out = _TextPrinter(names).doprint(expr)
    return out.replace("**2", "²").replace("**", "^").replace("*", "·")


def latex_of(expr: Any, names: dict[sp.Symbol, str], dot: bool) -> str:
    return _sympy_latex(expr, symbol_names=names, order="none", mul_symbol="dot" if dot else None)


_PH = re.compile("\x01(\\d+)\x02")


class Form:
    """An expression printed once, with a slot for each symbol's number.

    Filling the slots is string work: no sympy runs per step.
    """

    __slots__ = ("refs", "tex", "txt")

    def __init__(self, expr: Any, model: Any):  # a tracer.explain.model.Model
        syms = sorted((s for s in expr.free_symbols if s in model.refs), key=lambda s: s.name)
        self.refs = [model.refs[s] for s in syms]
        holes = {s: f"\x01{i}\x02" for i, s in enumerate(syms)}
        self.tex = _PH.split(latex_of(expr, {**model.tex, **holes}, dot=True))
        self.txt = _PH.split(text_of(expr, {**model.txt, **holes}))

    def fill(self, values: Sequence[float], digits: int) -> Math:
        nums = [slot(v, digits) for v in values]

        def join(parts: list[str]) -> str:
            out = [nums[int(p)] if i % 2 else p for i, p in enumerate(parts)]
            # "-0.5 - 0.1 ...": a number that opens the expression needs no
            # parentheses, unless it is raised to a power.
            if len(parts) > 2 and parts[0] == "" and not parts[2].startswith(("^", "²")):
                out[1] = fmt(values[int(parts[1])], digits)
            return "".join(out)

        return Math(join(self.tex), join(self.txt))


def product(*factors: Any) -> Any:
    """An unevaluated product in the given order, nested products flattened."""
    args = []
    for f in factors:
        args.extend(f.args if isinstance(f, sp.Mul) else (f,))
    args = [a for a in args if a != 1] or [sp.Integer(1)]  # "· 1" says nothing (linear's f' = 1)
    return args[0] if len(args) == 1 else sp.Mul(*args, evaluate=False)


def parenthesised(m: Math) -> Math:
    return Math(rf"\left({m.latex}\right)", f"({m.text})")


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

    def fill(self, values: Sequence[float], digits: int) -> Math:
        vals = [float(f(*values)) for f in self.fns]
        if self.is_sum:
            out = fmt(vals[0], digits)
            for v in vals[1:]:
                s = fmt(v, digits)
                out += f" - {s[1:]}" if s.startswith("-") else f" + {s}"
            return Math(out, out)
        nums = [fmt(vals[0], digits), *(slot(v, digits) for v in vals[1:])]
        return Math(r" \cdot ".join(nums), "·".join(nums))


_PT = {"normal": 5.5, "script": 3.9, "op": 13.0, "cmd": 6.0}  # rough widths in points at 11pt


def _width(tex: str) -> float:
    """Roughly how wide ``tex`` is when typeset, in points (11pt type).

    Characters in sub- and superscripts are narrower; binary operators
    carry their spacing; \\left, \\right and braces take no room.
    """
    tex = re.sub(r"\\(left|right)\b", "", tex).replace("{}", "")
    width, depth, script_depth, i = 0.0, 0, [], 0
    while i < len(tex):
        c = tex[i]
        if c in "_^" and i + 1 < len(tex) and tex[i + 1] == "{":
            script_depth.append(depth + 1)
            depth += 1
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if script_depth and script_depth[-1] == depth:
                script_depth.pop()
            depth -= 1
        elif c == "\\":
            m = re.match(r"\\[A-Za-z]+", tex[i:])
            name = m.group(0) if m else tex[i:i + 2]
            width += 11.0 if name == "\\quad" else _PT["cmd"] * (0.7 if script_depth else 1)
            i += len(name)
            continue
        elif c in "+-=" and tex[i - 1:i] == " " and tex[i + 1:i + 2] == " ":
            width += _PT["op"]
        elif not c.isspace():
            width += _PT["script"] if script_depth else _PT["normal"]
        i += 1
    return width


def _rows(tex: str, width: float = ROW_WIDTH) -> tuple[str, ...]:
    """Break ``tex`` before top-level + and - so each row is at most ``width`` wide."""
    if _width(tex) <= width:
        return (tex,)
    cuts, depth, i = [0], 0, 0
    while i < len(tex):
        if tex.startswith("\\left", i) or tex[i] in "{(":
            depth += 1
        elif tex.startswith("\\right", i) or tex[i] in "})":
            depth -= 1
        elif depth == 0 and i > 0 and tex.startswith((" + ", " - "), i):
            cuts.append(i + 1)
        i += 1
    terms = [tex[a:b].strip() for a, b in zip(cuts, cuts[1:] + [len(tex)])]
    rows: list[str] = []
    for term in terms:
        lead = r"\quad {} " if len(rows) > 1 else ""  # a continuation row's indent takes room too
        if rows and _width(lead + rows[-1] + " " + term) <= width:
            rows[-1] += " " + term
        else:
            rows.append(term)
    # A continuation row starts with its operator; {} makes it binary.
    return tuple([rows[0], *(r"\quad {} " + r for r in rows[1:])])


def line_of(kind: str, m: Math) -> Line:
    return Line(kind, m.latex, m.text, _rows(m.latex))


def static_line(kind: str, latex: str, text: str) -> Line:
    return line_of(kind, Math(latex, text))


