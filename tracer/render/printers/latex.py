"""The LaTeX printer: sympy's LatexPrinter, taught the explanation's own nodes; equations as aligned rows that fit a page.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from tracer.core import activations
from tracer.explain import nodes as n
from tracer.explain.pieces import Equation
from tracer.render.printers.forms import FormPrinting

__all__ = ["LatexPrinter", "ROW_WIDTH", "GREEK", "aligned", "rows", "row_sizes", "width"]

ROW_WIDTH = 340  # points of one equation row, leaving room for its left-hand side on an A4 page
GREEK = {"delta": r"\delta", "eta": r"\eta", "theta": r"\theta", "mu": r"\mu"}
# how each style of a product of chosen factors separates them (see tracer.explain.nodes.Factors)
FACTOR_SEPARATORS = {"dot": r" \cdot ", "tight": r" \cdot ", "close": " ", "thin": r" \, "}


class LatexPrinter(FormPrinting, SympyLatexPrinter):
    """Math mode LaTeX; ``dot``: products of sympy expressions written with \\cdot (else side by side)."""

    printmethod = "_latex"

    def __init__(self, dot: bool = False):
        super().__init__({"order": "none", "mul_symbol": "dot" if dot else None})
        self.dot = dot
        self._other: LatexPrinter | None = None
        self._init_forms()

    # ------------------------------------------------------------ sympy's trees
    def print_formula(self, f: n.Formula) -> str:
        printer = self if f.dot == self.dot else self._twin()
        return FormPrinting.print_formula(printer, f)

    def _twin(self) -> "LatexPrinter":
        """The printer of the other ``dot`` setting (what it prints is kept here, in ``self``'s caches)."""
        if self._other is None:
            self._other = LatexPrinter(not self.dot)
            self._other._other = self
        return self._other

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        node = self._names.get(expr)
        return self._print(node) if node is not None else super()._print_Symbol(expr, style)

    # ------------------------------------------------------------ names
    def _print_Name(self, name: n.Name) -> str:
        base = GREEK.get(name.letter, name.letter)
        if name.bold:
            base = rf"\boldsymbol{{{base}}}" if name.letter in GREEK else rf"\mathbf{{{base}}}"
        sub = "".join(p if isinstance(p, str) else self._print(p) for p in name.sub)
        if sub:
            base += f"_{{{sub}}}" if (name.braced or len(sub) > 1) else f"_{sub}"
        if name.sup is not None:
            base += f"^{{{self._print(name.sup)}}}"
        return base

    def _print_Tag(self, tag: n.Tag) -> str:
        return tag.letter if tag.number is None else f"{tag.letter}_{{{tag.number}}}"

    def _print_Index(self, index: n.Index) -> str:
        return f"[{index.value}]"

    def _print_Text(self, text: n.Text) -> str:
        return rf"\text{{{text.words}}}"

    def _print_Word(self, word: n.Word) -> str:
        return rf"\mathit{{{word.letters}}}"

    def _print_Dots(self, _: n.Dots) -> str:
        return r"\cdots"

    # ------------------------------------------------------------ numbers
    def _print_Num(self, num: n.Num) -> str:
        return num.digits

    def _print_Sci(self, num: n.Sci) -> str:
        mant, _, exp = num.digits.partition("e")
        if not exp:
            return num.digits
        power = f"10^{{{int(exp)}}}"
        return power if mant == "1" else rf"{mant} \times {power}"

    def _print_Matrix(self, m: n.Matrix) -> str:
        body = r" \\ ".join(" & ".join(self._print(c) for c in row) for row in m.rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"

    # ------------------------------------------------------------ composites
    def _print_Operator(self, op: n.Operator) -> str:
        return "\\" + op.name

    def _print_Activation(self, f: n.Activation) -> str:
        return activations.get(f.name).symbol

    def _print_Call(self, call: n.Call) -> str:
        fn = self._print(call.function) + ("'" if call.prime else "")
        return f"{fn}({', '.join(self._print(a) for a in call.args)})"

    def _print_Nabla(self, g: n.Nabla) -> str:
        return rf"\nabla {self._print(g.of)}"

    def _print_Partial(self, d: n.Partial) -> str:
        return rf"\frac{{\partial {self._print(d.top)}}}{{\partial {self._print(d.var)}}}"

    def _print_PartialOf(self, d: n.PartialOf) -> str:
        return rf"\frac{{\partial}}{{\partial {self._print(d.var)}}} \left({self._print(d.body)}\right)"

    def _print_Paren(self, p: n.Paren) -> str:
        return rf"\left({self._print(p.body)}\right)"

    def _print_Factors(self, f: n.Factors) -> str:
        return FACTOR_SEPARATORS[f.style].join(self._print(x) for x in f.factors)

    def _print_Infix(self, e: n.Infix) -> str:
        out = self._print(e.terms[0])
        for op, term in zip(e.ops, e.terms[1:]):
            out += f" {op} {self._print(term)}"
        return out

    def _print_SumOver(self, s: n.SumOver) -> str:
        return rf"\sum_{{{s.var}={s.lo}}}^{{{s.hi}}} {self._print(s.body)}"

    # ------------------------------------------------------------ equations
    def equation(self, eq: Equation) -> str:
        """An ``aligned`` block: the lhs, then one row per line (long lines broken to fit the page)."""
        lhs = self.doprint(eq.lhs) if eq.lhs is not None else None
        return aligned(lhs, [self.rows(ln.math) for ln in eq.lines])

    def rows(self, node: Any) -> tuple[str, ...]:
        """``node`` printed in rows that fit the page.  A line with a matrix stays whole: the measure
        below would add up every cell, and a matrix is as wide as its widest row."""
        tex = self.doprint(node)
        return (tex,) if _has_matrix(node) else rows(tex)

    def printed_rows(self, node: Any) -> tuple[str, tuple[str, ...]]:
        """``node`` printed whole, and in rows (see :meth:`rows`)."""
        tex = self.doprint(node)
        return tex, ((tex,) if _has_matrix(node) else rows(tex))


def _has_matrix(node: Any) -> bool:
    if isinstance(node, n.Matrix):
        return True
    if isinstance(node, (n.Infix, n.Factors)):
        return any(_has_matrix(part) for part in (node.terms if isinstance(node, n.Infix) else node.factors))
    return False


def aligned(lhs: str | None, lines: Sequence[Sequence[str]]) -> str:
    """``lhs &= line &= line ...`` as an ``aligned`` block, each line given as its rows (continuations indented)."""
    out = []
    for k, line_rows in enumerate(lines):
        for r, row in enumerate(line_rows):
            if k == 0 and r == 0:
                out.append(f"{lhs} &= {row}" if lhs is not None else f"&{row}")
            elif r == 0:
                out.append(f"&= {row}")
            else:
                out.append(f"&{row}")
    return "\\begin{aligned}\n" + " \\\\\n".join(out) + "\n\\end{aligned}"


# --------------------------------------------------------------------------
# breaking long rows: LaTeX's own concern (the page is A4 at 11pt)

_PT = {"normal": 5.5, "script": 3.9, "op": 13.0, "cmd": 6.0}  # rough widths in points at 11pt


def width(tex: str) -> float:
    """Roughly how wide ``tex`` is when typeset, in points (11pt type).

    Characters in sub- and superscripts are narrower; binary operators
    carry their spacing; \\left, \\right and braces take no room.
    """
    tex = re.sub(r"\\(left|right)\b", "", tex).replace("{}", "")
    total, depth, script_depth, i = 0.0, 0, [], 0
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
            total += 11.0 if name == "\\quad" else _PT["cmd"] * (0.7 if script_depth else 1)
            i += len(name)
            continue
        elif c in "+-=" and tex[i - 1:i] == " " and tex[i + 1:i + 2] == " ":
            total += _PT["op"]
        elif not c.isspace():
            total += _PT["script"] if script_depth else _PT["normal"]
        i += 1
    return total


def _cuts(tex: str) -> list[int]:
    """Where ``tex``'s terms start: 0, then each top-level + and - (outside braces and brackets)."""
    cuts, depth, i = [0], 0, 0
    while i < len(tex):
        if tex.startswith("\\left", i) or tex[i] in "{(":
            depth += 1
        elif tex.startswith("\\right", i) or tex[i] in "})":
            depth -= 1
        elif depth == 0 and i > 0 and tex.startswith((" + ", " - "), i):
            cuts.append(i + 1)
        i += 1
    return cuts


def row_sizes(tex_rows: Sequence[str]) -> list[int]:
    """How many terms each of :func:`rows`' rows holds (a continuation row's leading operator starts one):
    the MathML printer breaks a line into the same rows."""
    return [len(_cuts(r)) - (1 if k and r.startswith(CONTINUED) else 0) for k, r in enumerate(tex_rows)]


CONTINUED = r"\quad {} "  # what a continuation row starts with


def rows(tex: str, room: float = ROW_WIDTH) -> tuple[str, ...]:
    """Break ``tex`` before top-level + and - so each row is at most ``room`` wide."""
    if len(tex) * _PT["op"] <= room or width(tex) <= room:  # no character is wider than an operator
        return (tex,)
    cuts = _cuts(tex)
    terms = [tex[a:b].strip() for a, b in zip(cuts, cuts[1:] + [len(tex)])]
    out: list[str] = []
    for term in terms:
        lead = CONTINUED if len(out) > 1 else ""  # a continuation row's indent takes room too
        if out and width(lead + out[-1] + " " + term) <= room:
            out[-1] += " " + term
        else:
            out.append(term)
    # A continuation row starts with its operator; {} makes it binary.
    return tuple([out[0], *(CONTINUED + r for r in out[1:])])
