"""The document's worked example, as equations, for one step of any trace.

sympy builds the equations once per network *structure* (layer sizes,
activations, and which nodes are shown); each step then only fills numbers
into strings printed ahead of time.  Every equation comes in up to three
forms -- symbolic, substituted (the same printed expression with each symbol
replaced by its formatted number, negatives in parentheses, nothing
evaluated away) and result -- and every form in LaTeX and in compact
unicode text (for a terminal).

Public API
----------
``explain(trace, step=0, digits=4, full=False, config=None) -> Explanation``
    The explanation of kept step ``step`` of ``trace`` (an index into
    ``trace.kept``; ``step_index(trace, epoch, row)`` finds it).  ``config``
    (a :class:`tracer.config.Config`) adds the raw data the min-max and
    normalisation sections show; without it they show only the min-max.
``model(layers, activations, full=False) -> Model``
    The per-structure sympy work, cached; ``explain`` calls it.
``fmt(value, digits=4) -> str``
    How every number is shown (see its docstring).

``Explanation.sections`` lists :class:`Section` in the document's order,
numbered as the document numbers them for one hidden layer; with more (or
no) hidden layers the numbers of sections 4 and 5 count on (4.1, 4.2 per
layer, ...) so that every section has its own:

==================== ======= ===================================================
key                  number  content
==================== ======= ===================================================
network              1       initialisation: architecture and parameter tables
minmax               2       min and max of each column
normalise            3       the formula in use, every raw value and its scaled value
hidden_sum           4.1     per hidden layer: s = sum of inputs times weights plus bias
hidden_activation    4.2     per hidden layer: a = f(s)
output_sum           4.3     the output layer's sums
output_activation    4.4     y = f(s)
loss                 4.5     L = 1/2 sum (y - z)^2
gradient_descent     4.6     theta_new = theta - eta grad f(theta)
output_delta         5.1     the chain rule (sympy's derivatives), delta_o per node
hidden_delta         5.2     per hidden layer, last first: dL/da, delta_h per node
output_update        5.3     new output weights and biases
hidden_update        5.4     per hidden layer: new weights and biases
update               6       every parameter for the next step
iterations           7       the loss over iterations (0-9, powers of ten, last)
saved                8       the min-max and weights files
==================== ======= ===================================================

A :class:`Section` has ``key``, ``id`` (unique, e.g. ``hidden_sum-1``),
``number``, ``title``, ``layer`` (index into the trace's layers, or None),
``general`` (formulas without numbers), ``derivation`` (the chain rule, from
sympy's differentiation), ``equations`` (one per shown node and parameter,
with numbers), ``matrix`` (the layer in matrix form, for large layers),
``tables`` and ``facts`` (plain values for the prose: labels, sizes, files).

An :class:`Equation` has ``name`` (plain, e.g. ``s_h[0]``), ``lhs``
(:class:`Math` or None), ``lines`` (:class:`Line`, each with ``kind`` in
symbolic | derivation | substituted | evaluated (each term or factor worked
out, as the document's middle lines) | result, ``latex``, ``text`` and
``rows``: the LaTeX broken into rows that fit a page), ``value`` (the full
float64 result) and the shortcuts ``symbolic``, ``substituted``, ``result``.
``Equation.latex()`` is an ``aligned`` block, ``Equation.text()`` lines of
unicode.  A :class:`Table` has ``key``, ``caption``, ``header`` and ``rows``
whose cells are :class:`Math` (numbers, formulas) or ``str`` (user labels:
escape them for the output format).

Notation, as the document's: inputs ``x_{[i]}``, hidden sums and
activations ``s_{h[j]}``, ``a_{h[j]}``, weights ``w_{h[j][i]}``, biases
``b_{h[j]}``, output ``s_o``, ``y_o``, ``w_{o[j]}``, ``b_o``, target ``z``,
error signals ``\\delta_o``, ``\\delta_{h[j]}``, learning rate ``\\eta``.  With
several hidden layers they are numbered from 1 (``s_{h_{2}[j]}``); with
several outputs the output node gets an index too (``y_{o[k]}``,
``w_{o[k][j]}``, ``z_{[k]}``).  Layers with more than ``FEW`` nodes show one
node in full and the rest in tables (and a matrix form), unless ``full``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.latex import latex as _sympy_latex
from sympy.printing.str import StrPrinter

from tracer.core import activations as acts

__all__ = [
    "explain", "model", "fmt", "step_index",
    "Explanation", "Section", "Equation", "Line", "Math", "Table", "Model",
    "FEW", "ROW_WIDTH",
]

FEW = 3  # layers with more nodes than this show one node in full
ROW_WIDTH = 340  # points of one equation row, leaving room for its left-hand side on an A4 page


# --------------------------------------------------------------------------
# numbers


def fmt(value: float, digits: int = 4) -> str:
    """A number as the document prints it.

    ``digits`` decimals; a number below 0.1 gets one more decimal per
    leading zero (at most ``digits`` more) so it keeps its significant
    digits (0.09625, 0.01185).  A number that the decimals show exactly --
    up to float64's rounding, so (1.2 - 0.5) / 2.5 = 0.27999999999999997
    is 0.28 like 0.52 beside it, not 0.2800 -- drops its trailing zeros but
    keeps one (0.5, -1.0, 0.0), as the document writes the configured
    weights.  Zero has no sign: -1e-12 rounds to 0.00000000, not -0.00000000.
    """
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    d = digits
    if 0 < abs(v) < 0.1:
        d += min(-math.floor(math.log10(abs(v))) - 1, digits)
    s = f"{v:.{d}f}"
    if abs(float(s) - v) <= EXACT_ULPS * math.ulp(v):
        s = s.rstrip("0")
        s = s + "0" if s.endswith(".") else s
    if float(s) == 0:
        s = s.lstrip("-")  # no "-0.0", no "-0.00000000"
    return s


EXACT_ULPS = 4  # a float this close to a short decimal is that decimal (the rounding of the arithmetic that made it)


def _slot(value: float, digits: int) -> str:
    # A number put where a symbol stood: parentheses keep "- (-0.5)" and
    # "(-0.5)^2" meaning what the symbolic form meant.
    s = fmt(value, digits)
    return f"({s})" if s.startswith("-") else s


# --------------------------------------------------------------------------
# the pieces of an explanation


@dataclass(frozen=True)
class Math:
    """One formula or number, in LaTeX (math mode) and in unicode text."""

    latex: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Line:
    """One ``= ...`` line of an equation."""

    kind: str  # symbolic | derivation | substituted | evaluated | result
    latex: str
    text: str
    rows: tuple[str, ...]  # the LaTeX in rows that fit a page; continuation rows start with \quad

    @property
    def math(self) -> Math:
        return Math(self.latex, self.text)


@dataclass
class Equation:
    """``lhs = line = line ...``: one quantity, its formula, its numbers and its value."""

    name: str
    lhs: Math | None
    lines: list[Line]
    value: float | None = None

    def _first(self, kind: str) -> Line | None:
        return next((ln for ln in self.lines if ln.kind == kind), None)

    @property
    def symbolic(self) -> Line | None:
        return self._first("symbolic")

    @property
    def substituted(self) -> Line | None:
        return self._first("substituted")

    @property
    def result(self) -> Line | None:
        return self._first("result")

    def latex(self) -> str:
        """An ``aligned`` block: the lhs, then one row per line (long lines broken)."""
        out = []
        for n, ln in enumerate(self.lines):
            for r, row in enumerate(ln.rows):
                if n == 0 and r == 0:
                    lead = (self.lhs.latex + " ") if self.lhs else ""
                    out.append(f"{lead}&= {row}" if self.lhs else f"&{row}")
                elif r == 0:
                    out.append(f"&= {row}")
                else:
                    out.append(f"&{row}")
        return "\\begin{aligned}\n" + " \\\\\n".join(out) + "\n\\end{aligned}"

    def text(self) -> str:
        """Unicode lines: ``lhs = first``, then ``  = next`` for the rest."""
        lead = self.lhs.text if self.lhs else ""
        pad = " " * len(lead)
        out = []
        for n, ln in enumerate(self.lines):
            if n == 0:
                out.append(f"{lead} = {ln.text}" if lead else ln.text)
            else:
                out.append(f"{pad} = {ln.text}")
        return "\n".join(out)


Cell = Any  # Math (numbers, formulas) or str (a user's label: escape it)


@dataclass
class Table:
    """A table of numbers; ``str`` cells are plain text (labels), ``Math`` cells are math."""

    key: str
    caption: str
    header: list[Cell]
    rows: list[list[Cell]]

    def aligns(self) -> str:
        """One letter per column: ``r`` where every cell is a number (right-aligned), ``l`` for words.

        The first column (the row's name) is always ``l``.
        """
        def numeric(c: Cell) -> bool:
            return isinstance(c, Math) or bool(re.fullmatch(r"-?\d+(\.\d+)?", str(c)))

        cols = [[row[i] for row in self.rows if i < len(row) and str(row[i])] for i in range(len(self.header))]
        return "".join("r" if i and col and all(numeric(c) for c in col) else "l" for i, col in enumerate(cols))


@dataclass
class Section:
    """One section of the document, filled in for one step."""

    key: str
    id: str
    number: str
    title: str
    layer: int | None = None
    general: list[Equation] = field(default_factory=list)
    derivation: list[Equation] = field(default_factory=list)
    equations: list[Equation] = field(default_factory=list)
    matrix: list[Equation] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def all_equations(self) -> list[Equation]:
        return [*self.general, *self.derivation, *self.equations, *self.matrix]

    @property
    def appendix(self) -> bool:
        """Lettered (A, B, ...) rather than numbered: headed "Appendix A"."""
        return not self.number[:1].isdigit()


@dataclass
class Explanation:
    """Every section of the document for one step of a trace."""

    sections: list[Section]
    trace: Any
    step: int
    digits: int
    facts: dict[str, Any]

    def section(self, key: str, layer: int | None = None) -> Section:
        for sec in self.sections:
            if sec.key == key and (layer is None or sec.layer == layer):
                return sec
        raise KeyError(key)

    # Jupyter shows an explanation as its report.
    def _repr_markdown_(self) -> str:
        from tracer.render.report import render

        return render(self, "md")

    def _repr_latex_(self) -> str:
        # A notebook's LaTeX display is MathJax: math only, so every equation, in order.
        return "\n".join(f"$$\n{eq.latex()}\n$$" for sec in self.sections for eq in sec.all_equations())


def step_index(trace: Any, epoch: int, row: int) -> int:
    """The index into ``trace.kept`` of the step for ``epoch`` and ``row``; KeyError if not kept."""
    target = epoch * trace.n_rows + row
    hits = np.nonzero(trace.kept == target)[0]
    if not hits.size:
        raise KeyError(f"epoch {epoch}, row {row} was not recorded")
    return int(hits[0])


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


def _text(expr: Any, names: dict[sp.Symbol, str]) -> str:
    out = _TextPrinter(names).doprint(expr)
    return out.replace("**2", "²").replace("**", "^").replace("*", "·")


def _latex(expr: Any, names: dict[sp.Symbol, str], dot: bool) -> str:
    return _sympy_latex(expr, symbol_names=names, order="none", mul_symbol="dot" if dot else None)


_PH = re.compile("\x01(\\d+)\x02")


class _Form:
    """An expression printed once, with a slot for each symbol's number.

    Filling the slots is string work: no sympy runs per step.
    """

    __slots__ = ("refs", "tex", "txt")

    def __init__(self, expr: Any, model: "Model"):
        syms = sorted((s for s in expr.free_symbols if s in model.refs), key=lambda s: s.name)
        self.refs = [model.refs[s] for s in syms]
        holes = {s: f"\x01{i}\x02" for i, s in enumerate(syms)}
        self.tex = _PH.split(_latex(expr, {**model.tex, **holes}, dot=True))
        self.txt = _PH.split(_text(expr, {**model.txt, **holes}))

    def fill(self, values: Sequence[float], digits: int) -> Math:
        nums = [_slot(v, digits) for v in values]

        def join(parts: list[str]) -> str:
            out = [nums[int(p)] if i % 2 else p for i, p in enumerate(parts)]
            # "-0.5 - 0.1 ...": a number that opens the expression needs no
            # parentheses, unless it is raised to a power.
            if len(parts) > 2 and parts[0] == "" and not parts[2].startswith(("^", "²")):
                out[1] = fmt(values[int(parts[1])], digits)
            return "".join(out)

        return Math(join(self.tex), join(self.txt))


def _mul(*factors: Any) -> Any:
    """An unevaluated product in the given order, nested products flattened."""
    args = []
    for f in factors:
        args.extend(f.args if isinstance(f, sp.Mul) else (f,))
    args = [a for a in args if a != 1] or [sp.Integer(1)]  # "· 1" says nothing (linear's f' = 1)
    return args[0] if len(args) == 1 else sp.Mul(*args, evaluate=False)


def _paren(m: Math) -> Math:
    return Math(rf"\left({m.latex}\right)", f"({m.text})")


_MATH = {"exp": math.exp, "tanh": math.tanh, "Max": max, "Heaviside": lambda s, h0=0.5: float(s > 0) if s else h0}


def lambdify_numpy(args: Sequence[Any], expr: Any, **options: Any) -> Callable[..., Any]:
    """sympy's ``lambdify`` for numpy arrays, without ``modules="numpy"``'s start-up cost.

    That option runs ``from numpy import *`` (which imports numpy.testing
    and more: a tenth of a second, paid by every report); numpy's printer
    with only the name ``numpy`` bound writes the same code.
    """
    import numpy as np
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


class _Parts:
    """Each term of a sum, or each factor of a product, worked out: the document's middle line.

    Every part is compiled to a plain Python function once, so a step only
    calls them.
    """

    __slots__ = ("refs", "fns", "is_sum")

    def __init__(self, expr: Any, model: "Model"):
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
        nums = [fmt(vals[0], digits), *(_slot(v, digits) for v in vals[1:])]
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


def _line(kind: str, m: Math) -> Line:
    return Line(kind, m.latex, m.text, _rows(m.latex))


def _static(kind: str, latex: str, text: str) -> Line:
    return _line(kind, Math(latex, text))


# --------------------------------------------------------------------------
# the notation


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_TEXT_F = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id"}


class _Names:
    """The document's names for every quantity of a network with ``layers``."""

    def __init__(self, layers: Sequence[int]):
        self.layers = list(layers)
        self.out = len(layers) - 2  # index of the output layer among the weight layers

    def tag(self, l: int) -> tuple[str, str]:
        if l == self.out:
            return "o", "ₒ"
        if self.out == 1:
            return "h", "ₕ"
        return f"h_{{{l + 1}}}", "ₕ" + str(l + 1).translate(_SUB)

    def idx(self, l: int, j: int) -> str:
        return "" if (l == self.out and self.layers[-1] == 1) else f"[{j}]"

    def node(self, letter: str, l: int, j: int) -> tuple[str, str]:
        t, u = self.tag(l)
        i = self.idx(l, j)
        tex_letter = {"d": r"\delta"}.get(letter, letter)
        txt_letter = {"d": "δ"}.get(letter, letter)
        return f"{tex_letter}_{{{t}{i}}}", f"{txt_letter}{u}{i}"

    def s(self, l: int, j: int) -> tuple[str, str]:
        return self.node("s", l, j)

    def a(self, l: int, j: int) -> tuple[str, str]:
        return self.node("y" if l == self.out else "a", l, j)

    def d(self, l: int, j: int) -> tuple[str, str]:
        return self.node("d", l, j)

    def b(self, l: int, j: int) -> tuple[str, str]:
        return self.node("b", l, j)

    def w(self, l: int, j: int, i: int) -> tuple[str, str]:
        t, u = self.tag(l)
        i_ = f"{self.idx(l, j)}[{i}]"
        return f"w_{{{t}{i_}}}", f"w{u}{i_}"

    def x(self, i: int) -> tuple[str, str]:
        return f"x_{{[{i}]}}", f"x[{i}]"

    def z(self, k: int) -> tuple[str, str]:
        return ("z", "z") if self.layers[-1] == 1 else (f"z_{{[{k}]}}", f"z[{k}]")

    def inp(self, l: int, i: int) -> tuple[str, str]:
        """What layer ``l`` receives at position ``i``."""
        return self.x(i) if l == 0 else self.a(l - 1, i)

    def layer_name(self, l: int) -> str:
        if l == self.out:
            return "the output layer"
        return "the hidden layer" if self.out == 1 else f"hidden layer {l + 1}"

    def vec(self, letter: str, l: int) -> tuple[str, str]:
        """A whole layer as a vector: s_h, a_h (y_o), b_h; ``x`` for the inputs."""
        if letter == "x":
            return r"\mathbf{x}", "x"
        t, u = self.tag(l)
        if letter == "delta":
            return rf"\boldsymbol{{\delta}}_{{{t}}}", f"δ{u}"
        letter = "y" if (letter == "a" and l == self.out) else letter
        return rf"\mathbf{{{letter}}}_{{{t}}}", f"{letter}{u}"


# --------------------------------------------------------------------------
# the per-structure model


@dataclass
class _Spec:
    """An equation of the structure: its static lines, its slotted forms, where its value comes from."""

    name: str
    lhs: Math | None
    lines: list[tuple[str, Any]]  # (kind, Math | _Form)
    value: tuple | None  # a ref (kind, layer, index...) or None


def _pderiv(top: tuple[str, str], var: tuple[str, str]) -> tuple[str, str]:
    """∂top/∂var in LaTeX and text."""
    return rf"\frac{{\partial {top[0]}}}{{\partial {var[0]}}}", f"∂{top[1]}/∂{var[1]}"


class Model:
    """The sympy work for one network structure: every equation of every shown node.

    Built once per (layers, activations, full) and cached by :func:`model`.
    """

    def __init__(self, layers: Sequence[int], activations: Sequence[str], full: bool = False):
        self.layers = list(layers)
        self.acts = list(activations)
        self.full = full
        self.n = _Names(self.layers)
        self.refs: dict[sp.Symbol, tuple] = {}
        self.tex: dict[sp.Symbol, str] = {}
        self.txt: dict[sp.Symbol, str] = {}
        self._syms: dict[tuple, sp.Symbol] = {}
        self.cdots = sp.Symbol("cdots")
        self.tex[self.cdots], self.txt[self.cdots] = r"\cdots", "⋯"
        self.specs: dict[str, list[_Spec]] = {}
        self.general: dict[str, list[Equation]] = {}
        self.derivation: dict[str, list[Equation]] = {}
        self._build()

    # ------------------------------------------------------------ symbols
    def sym(self, kind: str, l: int | None = None, *idx: int) -> sp.Symbol:
        """The symbol of a recorded quantity, with its names and where its value lives."""
        key = (kind, l, *idx)
        if key in self._syms:
            return self._syms[key]
        n = self.n
        names = {
            "x": lambda: n.x(idx[0]),
            "z": lambda: n.z(idx[0]),
            "eta": lambda: (r"\eta", "η"),
            "w": lambda: n.w(l, *idx),
            "b": lambda: n.b(l, idx[0]),
            "s": lambda: n.s(l, idx[0]),
            "a": lambda: n.a(l, idx[0]),
            "d": lambda: n.d(l, idx[0]),
            "dLda": lambda: _pderiv(("L", "L"), n.a(l, idx[0])),
        }[kind]()
        s = sp.Symbol("_".join(map(str, (kind, l, *idx))))
        self._syms[key] = s
        self.refs[s] = key
        self.tex[s], self.txt[s] = names
        return s

    def inp(self, l: int, i: int) -> sp.Symbol:
        return self.sym("x", None, i) if l == 0 else self.sym("a", l - 1, i)

    def shown(self, l: int) -> list[int]:
        """The nodes of weight layer ``l`` shown in full."""
        n = self.layers[l + 1]
        return list(range(n)) if (self.full or n <= FEW) else [0]

    def big(self, l: int) -> bool:
        return len(self.shown(l)) < self.layers[l + 1]

    # ------------------------------------------------------------ printing
    def m(self, expr: Any, dot: bool = False) -> Math:
        """An expression in the document's names (symbolic form)."""
        return Math(_latex(expr, self.tex, dot), _text(expr, self.txt))

    def form(self, expr: Any) -> _Form:
        return _Form(expr, self)

    def names(self, sym: sp.Symbol) -> Math:
        return Math(self.tex[sym], self.txt[sym])

    # ------------------------------------------------------------ pieces
    def sum_expr(self, l: int, j: int, short: bool = False) -> Any:
        """s = in_0 w_0 + in_1 w_1 + ... + b, in the document's order; ``short`` elides the middle."""
        n_in = self.layers[l]
        idx = list(range(n_in))
        terms = [sp.Mul(self.inp(l, i), self.sym("w", l, j, i), evaluate=False) for i in idx]
        if short and n_in > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        return sp.Add(*terms, self.sym("b", l, j), evaluate=False)

    def f_def(self, l: int, s: sp.Symbol) -> Any:
        """f(s) as sympy writes it (the sigmoid's formula; tanh, relu as functions)."""
        return acts.get(self.acts[l]).sympy_f(s)

    def f_apply(self, l: int, arg: Math) -> Math:
        name = self.acts[l]
        if name == "linear":
            return arg
        return Math(rf"{acts.get(name).symbol}({arg.latex})", f"{_TEXT_F[name]}({arg.text})")

    def f_prime(self, l: int, arg: Math) -> Math:
        name = self.acts[l]
        return Math(rf"{acts.get(name).symbol}'({arg.latex})", f"{_TEXT_F[name]}'({arg.text})")

    def df_out(self, l: int, j: int) -> Any:
        """f'(s) in terms of the node's output, as the document writes it."""
        a, s = self.sym("a", l, j), self.sym("s", l, j)
        return acts.get(self.acts[l]).sympy_df_of_output(a, s)

    # ------------------------------------------------------------ sections
    def _build(self) -> None:
        L = len(self.layers) - 1
        for l in range(L):
            pre = "output" if l == L - 1 else "hidden"
            self.specs[f"{pre}_sum.{l}"] = self._sums(l)
            self.specs[f"{pre}_activation.{l}"] = self._activations(l)
            self.specs[f"{pre}_update.{l}"] = self._updates(l)
            self.general[f"{pre}_sum.{l}"] = self._general_sum(l)
            self.general[f"{pre}_activation.{l}"] = self._general_activation(l)
            self.general[f"{pre}_update.{l}"] = self._general_update(l)
        out = L - 1
        self.specs["loss"] = self._loss()
        self.specs[f"output_delta.{out}"] = self._output_deltas()
        self.derivation[f"output_delta.{out}"] = self._output_derivation()
        for l in range(out):
            self.specs[f"hidden_delta.{l}"] = self._hidden_deltas(l)
            self.derivation[f"hidden_delta.{l}"] = self._hidden_derivation(l)

    def _sums(self, l: int) -> list[_Spec]:
        specs = []
        for j in self.shown(l):
            e = self.sum_expr(l, j)
            specs.append(_Spec(
                f"s[{j}]", self.names(self.sym("s", l, j)),
                [("symbolic", self.m(e)), ("substituted", self.form(e)), ("evaluated", _Parts(e, self))], ("s", l, j)))
        return specs

    def _general_sum(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        inp = ("x", "x") if l == 0 else ("a", "a")
        s_lhs = Math(f"s_{{{t}}}", f"s{u}")
        return [Equation("s", s_lhs, [
            _static("symbolic", rf"{inp[0]}_0 w_0 + {inp[0]}_1 w_1 + \cdots + {inp[0]}_n w_n + b_{{{t}}}",
                    f"{inp[1]}₀·w₀ + {inp[1]}₁·w₁ + ⋯ + {inp[1]}ₙ·wₙ + b{u}"),
            _static("symbolic", rf"\sum_{{i=0}}^{{n}} {inp[0]}_i w_i + b_{{{t}}}", f"Σᵢ {inp[1]}ᵢ·wᵢ + b{u}"),
        ])]

    def _activations(self, l: int) -> list[_Spec]:
        specs = []
        for j in self.shown(l):
            s = self.sym("s", l, j)
            lines: list[tuple[str, Any]] = [("symbolic", self.f_apply(l, self.names(s)))]
            d = self.f_def(l, s)
            if d.has(sp.exp):  # the sigmoid: show its formula, then fill it in
                lines += [("symbolic", self.m(d)), ("substituted", self.form(d))]
            else:
                lines.append(("substituted", _Applied(self, l, s)))
            specs.append(_Spec(f"a[{j}]", self.names(self.sym("a", l, j)), lines, ("a", l, j)))
        return specs

    def _general_activation(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        a = ("y", "y") if l == self.n.out else ("a", "a")
        s = sp.Symbol("s")
        name = self.acts[l]
        sm = Math(f"s_{{{t}}}", f"s{u}")
        eqs = [Equation("a", Math(f"{a[0]}_{{{t}}}", f"{a[1]}{u}"),
                        [_line("symbolic", Math(f"f_{{{t}}}(s_{{{t}}})", f"f{u}(s{u})")),
                         _line("symbolic", self.f_apply(l, sm))])]
        if name in ("sigmoid", "tanh"):
            e = sp.exp
            d = (1 / (1 + e(-s))) if name == "sigmoid" else sp.Mul(
                sp.Add(e(s), -e(-s), evaluate=False), sp.Pow(sp.Add(e(s), e(-s), evaluate=False), -1, evaluate=False),
                evaluate=False)
            names = {s: f"s_{{{t}}}"}
            eqs.append(Equation("f", self.f_apply(l, sm), [_line("symbolic", Math(_latex(d, names, False), _text(d, {s: f"s{u}"})))]))
        elif name == "relu":  # its definition too, as sympy writes it in the derivation (Max)
            eqs.append(Equation("f", self.f_apply(l, sm), [_line("symbolic", Math(rf"\max(0, s_{{{t}}})", f"max(0, s{u})"))]))
        return eqs

    def _loss(self) -> list[_Spec]:
        e = self.loss_expr()
        return [_Spec("L", Math("L", "L"), [("symbolic", self.m(e)), ("substituted", self.form(e))], ("L", None))]

    def loss_expr(self) -> Any:
        out = self.n.out
        sq = [sp.Pow(sp.Add(self.sym("a", out, k), -self.sym("z", None, k), evaluate=False), 2, evaluate=False)
              for k in range(self.layers[-1])]
        inner = sq[0] if len(sq) == 1 else sp.Add(*sq, evaluate=False)
        return sp.Mul(sp.Rational(1, 2), inner, evaluate=False)

    # ---------------------------------------------------------- deltas
    def _output_derivation(self) -> list[Equation]:
        """The chain rule for output node 0 and its weight 0, every derivative taken by sympy."""
        out, n = self.n.out, self.n
        y, s, z = self.sym("a", out, 0), self.sym("s", out, 0), self.sym("z", None, 0)
        w, b = self.sym("w", out, 0, 0), self.sym("b", out, 0)
        Lx = self.loss_expr()
        dLdy = sp.diff(Lx, y)
        dyds = sp.diff(self.f_def(out, s), s)
        s_short = self.sum_expr(out, 0, short=True)
        dsdw = sp.diff(s_short, w)
        dsdb = sp.diff(s_short, b)
        L_ = ("L", "L")
        ym, sm, wm, bm = n.a(out, 0), n.s(out, 0), n.w(out, 0, 0), n.b(out, 0)
        dm = n.d(out, 0)

        def op(var, expr) -> Math:
            inner = self.m(expr)
            return Math(rf"\frac{{\partial}}{{\partial {var[0]}}} \left({inner.latex}\right)", f"∂/∂{var[1]} ({inner.text})")

        def eq(name, top, var, *lines) -> Equation:
            out: list[Line] = []
            for k, m in lines:  # sympy's derivative may already be the document's form (tanh, linear)
                if not out or out[-1].latex != m.latex:
                    out.append(_line(k, m))
            return Equation(name, Math(*_pderiv(top, var)), out)

        df = self.df_out(out, 0)
        delta = _mul(dLdy, df)
        return [
            eq("dL/dy", L_, ym, ("derivation", op(ym, Lx)), ("result", self.m(dLdy))),
            eq("dy/ds", ym, sm, ("derivation", op(sm, self.f_def(out, s))), ("derivation", self.m(dyds)),
               ("result", self.m(df))),
            eq("ds/dw", sm, wm, ("derivation", op(wm, s_short)), ("result", self.m(dsdw))),
            eq("ds/db", sm, bm, ("derivation", op(bm, s_short)), ("result", self.m(dsdb))),
            Equation("delta", Math(*dm), [
                _line("derivation", Math(*_pderiv(L_, sm))),
                _line("derivation", Math(_pderiv(L_, ym)[0] + r" \cdot " + _pderiv(ym, sm)[0],
                                         _pderiv(L_, ym)[1] + " · " + _pderiv(ym, sm)[1])),
                _line("symbolic", Math(_paren(self.m(dLdy)).latex + r" \cdot " + self.f_prime(out, Math(*sm)).latex,
                                       _paren(self.m(dLdy)).text + " · " + self.f_prime(out, Math(*sm)).text)),
                _line("symbolic", self.m(delta)),
            ]),
            Equation("grad w", Math(rf"\nabla L({wm[0]})", f"∇L({wm[1]})"), [
                _line("derivation", Math(*_pderiv(L_, wm))),
                _line("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, wm)[0],
                                         _pderiv(L_, sm)[1] + " · " + _pderiv(sm, wm)[1])),
                _line("symbolic", self.m(sp.Mul(self.sym("d", out, 0), dsdw, evaluate=False))),
            ]),
            Equation("grad b", Math(rf"\nabla L({bm[0]})", f"∇L({bm[1]})"), [
                _line("derivation", Math(*_pderiv(L_, bm))),
                _line("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, bm)[0],
                                         _pderiv(L_, sm)[1] + " · " + _pderiv(sm, bm)[1])),
                _line("symbolic", self.m(sp.Mul(self.sym("d", out, 0), dsdb))),
            ]),
        ]

    def _output_deltas(self) -> list[_Spec]:
        out = self.n.out
        specs = []
        for k in self.shown(out):
            y, z, s = self.sym("a", out, k), self.sym("z", None, k), self.sym("s", out, k)
            err = sp.Add(y, -z, evaluate=False)
            e = _mul(self.df_out(out, k), err)
            gen = Math(self.f_prime(out, self.names(s)).latex + r" \cdot " + _paren(self.m(err)).latex,
                       self.f_prime(out, self.names(s)).text + " · " + _paren(self.m(err)).text)
            specs.append(_Spec(f"delta[{k}]", self.names(self.sym("d", out, k)),
                               [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e)),
                                ("evaluated", _Parts(e, self))],
                               ("d", out, k)))
        return specs

    def _hidden_derivation(self, l: int) -> list[Equation]:
        """dL/da_h, da/ds, ds/dw, ds/db for node 0 of hidden layer ``l``, by sympy."""
        n = self.n
        a, s = self.sym("a", l, 0), self.sym("s", l, 0)
        w, b = self.sym("w", l, 0, 0), self.sym("b", l, 0)
        nxt = self.layers[l + 2]
        am, sm, wm, bm, dm = n.a(l, 0), n.s(l, 0), n.w(l, 0, 0), n.b(l, 0), n.d(l, 0)
        L_ = ("L", "L")

        def op(var, expr) -> Math:
            inner = self.m(expr)
            return Math(rf"\frac{{\partial}}{{\partial {var[0]}}} \left({inner.latex}\right)", f"∂/∂{var[1]} ({inner.text})")

        eqs = []
        # ds_next[k]/da: sympy differentiates each next-layer sum (shown for node 0 of the next layer)
        s_next = self.sum_expr(l + 1, 0, short=True)
        if not s_next.has(a):  # the elided sum must still contain a_[0]
            s_next = self.sum_expr(l + 1, 0)
        dnext = sp.diff(s_next, a)
        snm = n.s(l + 1, 0)
        eqs.append(Equation("ds/da", Math(*_pderiv(snm, am)), [_line("derivation", op(am, s_next)), _line("result", self.m(dnext))]))
        terms = [sp.Mul(self.sym("d", l + 1, k), sp.diff(self.sum_expr(l + 1, k), a), evaluate=False) for k in range(nxt)]
        if nxt > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        dLda = terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
        chain = " + ".join(_pderiv(L_, n.s(l + 1, k))[0] + " " + _pderiv(n.s(l + 1, k), am)[0] for k in range(min(nxt, 2)))
        chain_t = " + ".join(_pderiv(L_, n.s(l + 1, k))[1] + "·" + _pderiv(n.s(l + 1, k), am)[1] for k in range(min(nxt, 2)))
        if nxt > 2:
            chain, chain_t = chain + r" + \cdots", chain_t + " + ⋯"
        eqs.append(Equation("dL/da", Math(*_pderiv(L_, am)), [
            _line("derivation", Math(chain, chain_t)), _line("result", self.m(dLda))]))
        dads = sp.diff(self.f_def(l, s), s)
        da_lines = [_line("derivation", op(sm, self.f_def(l, s))), _line("derivation", self.m(dads))]
        if self.m(self.df_out(l, 0)).latex != da_lines[-1].latex:
            da_lines.append(_line("result", self.m(self.df_out(l, 0))))
        eqs.append(Equation("da/ds", Math(*_pderiv(am, sm)), da_lines))
        s_short = self.sum_expr(l, 0, short=True)
        eqs.append(Equation("ds/dw", Math(*_pderiv(sm, wm)), [_line("derivation", op(wm, s_short)), _line("result", self.m(sp.diff(s_short, w)))]))
        eqs.append(Equation("ds/db", Math(*_pderiv(sm, bm)), [_line("derivation", op(bm, s_short)), _line("result", self.m(sp.diff(s_short, b)))]))
        # each gradient as the output layer's: dL/dp, then the chain rule, then in symbols
        eqs.append(Equation("delta", Math(*dm), [
            _line("derivation", Math(*_pderiv(L_, sm))),
            _line("derivation", Math(_pderiv(L_, am)[0] + r" \cdot " + _pderiv(am, sm)[0], _pderiv(L_, am)[1] + " · " + _pderiv(am, sm)[1])),
            _line("symbolic", Math(self.f_prime(l, Math(*sm)).latex + r" \cdot " + _pderiv(L_, am)[0],
                                   self.f_prime(l, Math(*sm)).text + " · " + _pderiv(L_, am)[1])),
        ]))
        eqs.append(Equation("grad w", Math(rf"\nabla L({wm[0]})", f"∇L({wm[1]})"), [
            _line("derivation", Math(*_pderiv(L_, wm))),
            _line("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, wm)[0], _pderiv(L_, sm)[1] + " · " + _pderiv(sm, wm)[1])),
            _line("symbolic", self.m(sp.Mul(self.sym("d", l, 0), sp.diff(s_short, w), evaluate=False)))]))
        eqs.append(Equation("grad b", Math(rf"\nabla L({bm[0]})", f"∇L({bm[1]})"), [
            _line("derivation", Math(*_pderiv(L_, bm))),
            _line("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, bm)[0], _pderiv(L_, sm)[1] + " · " + _pderiv(sm, bm)[1])),
            _line("symbolic", self.m(sp.Mul(self.sym("d", l, 0), sp.diff(s_short, b))))]))
        return eqs

    def _hidden_deltas(self, l: int) -> list[_Spec]:
        nxt = self.layers[l + 2]
        specs = []
        for j in self.shown(l):
            a, s, d = self.sym("a", l, j), self.sym("s", l, j), self.sym("d", l, j)
            back = [sp.Mul(self.sym("w", l + 1, k, j), self.sym("d", l + 1, k), evaluate=False) for k in range(nxt)]
            fp = self.f_prime(l, self.names(s))
            df = self.df_out(l, j)
            if nxt == 1:  # the document's form: f'(s) · w δ in one line
                e = _mul(df, back[0])
                gen = Math(fp.latex + r" \cdot " + self.m(back[0]).latex, fp.text + " · " + self.m(back[0]).text)
                specs.append(_Spec(f"delta[{j}]", self.names(d),
                                   [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e))],
                                   ("d", l, j)))
                continue
            # Several nodes feed back: first their sum dL/da, then delta.
            g = self.sym("dLda", l, j)
            sum_e = sp.Add(*back, evaluate=False)
            specs.append(_Spec(f"dL/da[{j}]", self.names(g),
                               [("symbolic", self.m(sum_e)), ("substituted", self.form(sum_e)),
                                ("evaluated", _Parts(sum_e, self))], ("dLda", l, j)))
            e = _mul(df, g)
            gen = Math(fp.latex + r" \cdot " + self.tex[g], fp.text + " · " + self.txt[g])
            specs.append(_Spec(f"delta[{j}]", self.names(d),
                               [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e))],
                               ("d", l, j)))
        return specs

    # ---------------------------------------------------------- updates
    def _updates(self, l: int) -> list[_Spec]:
        eta = self.sym("eta")
        n = self.n
        specs, biases = [], []
        for j in self.shown(l):
            d = self.sym("d", l, j)
            for i in range(self.layers[l]):
                w = self.sym("w", l, j, i)
                step = sp.Mul(eta, d, self.inp(l, i), evaluate=False)
                e = sp.Add(w, -step, evaluate=False)
                wm = n.w(l, j, i)
                lhs = Math(wm[0] + r"^{\text{new}}", wm[1] + "ⁿᵉʷ")
                grad = Math(rf"{wm[0]} - \eta \nabla L({wm[0]})", f"{wm[1]} - η·∇L({wm[1]})")
                specs.append(_Spec(f"w[{j}][{i}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)),
                                                     ("substituted", self.form(e))], ("wn", l, j, i)))
            b = self.sym("b", l, j)
            e = sp.Add(b, -sp.Mul(eta, d, evaluate=False), evaluate=False)
            bm = n.b(l, j)
            lhs = Math(bm[0] + r"^{\text{new}}", bm[1] + "ⁿᵉʷ")
            grad = Math(rf"{bm[0]} - \eta \nabla L({bm[0]})", f"{bm[1]} - η·∇L({bm[1]})")
            biases.append(_Spec(f"b[{j}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)), ("substituted", self.form(e))],
                                ("bn", l, j)))
        return specs + biases  # the document lists every weight, then the biases

    def _general_update(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        inp = ("x_{i}", "xᵢ") if l == 0 else ("a_{i}", "aᵢ")
        return [
            Equation("w", Math(rf"w_{{{t}}}^{{\text{{new}}}}", f"w{u}ⁿᵉʷ"), [
                _static("symbolic", rf"w_{{{t}}} - \eta \nabla L(w_{{{t}}})", f"w{u} - η·∇L(w{u})"),
                _static("symbolic", rf"w_{{{t}}} - \eta \, \delta_{{{t}}} \, {inp[0]}", f"w{u} - η·δ{u}·{inp[1]}")]),
            Equation("b", Math(rf"b_{{{t}}}^{{\text{{new}}}}", f"b{u}ⁿᵉʷ"), [
                _static("symbolic", rf"b_{{{t}}} - \eta \nabla L(b_{{{t}}})", f"b{u} - η·∇L(b{u})"),
                _static("symbolic", rf"b_{{{t}}} - \eta \, \delta_{{{t}}}", f"b{u} - η·δ{u}")]),
        ]

    # ---------------------------------------------------------- per step
    def value(self, ref: tuple, trace: Any, k: int) -> float:
        kind, l, *idx = ref
        if kind == "x":
            return float(trace.x[k][idx[0]])
        if kind == "z":
            return float(trace.z[k][idx[0]])
        if kind == "eta":
            return float(trace.learning_rate)
        if kind == "L":
            return float(trace.loss[k])
        if kind == "dLda":
            return float(trace.w[l + 1][k][:, idx[0]] @ trace.delta[l + 1][k])
        if kind == "wn":
            # the trace's order of operations, so the value equals trace.w_new bit for bit
            g = trace.delta[l][k][idx[0]] * trace.layer_input(l)[k][idx[1]]
            return float(trace.w[l][k][idx[0], idx[1]] - trace.learning_rate * g)
        if kind == "bn":
            return float(trace.b[l][k][idx[0]] - trace.learning_rate * trace.delta[l][k][idx[0]])
        arr = {"w": trace.w, "b": trace.b, "s": trace.s, "a": trace.a, "d": trace.delta}[kind][l][k]
        return float(arr[tuple(idx)])

    def equations(self, key: str, trace: Any, k: int, digits: int) -> list[Equation]:
        out = []
        for spec in self.specs.get(key, []):
            lines = []
            for kind, piece in spec.lines:
                if isinstance(piece, (_Form, _Parts, _Applied)):
                    piece = piece.fill([self.value(r, trace, k) for r in piece.refs], digits)
                lines.append(_line(kind, piece))
            v = self.value(spec.value, trace, k) if spec.value else None
            if v is not None:
                lines.append(_line("result", Math(fmt(v, digits), fmt(v, digits))))
            out.append(Equation(spec.name, spec.lhs, lines, v))
        return out


class _Applied:
    """f(number) for activations sympy keeps as a function (tanh, relu, linear)."""

    def __init__(self, model: Model, l: int, s: sp.Symbol):
        self.model, self.l = model, l
        self.refs = [model.refs[s]]

    def fill(self, values: Sequence[float], digits: int) -> Math:
        v = fmt(values[0], digits)
        return self.model.f_apply(self.l, Math(v, v))


@functools.lru_cache(maxsize=32)
def model(layers: tuple[int, ...], activations: tuple[str, ...], full: bool = False) -> Model:
    """The cached :class:`Model` of a structure (pass tuples)."""
    return Model(layers, activations, full)


# --------------------------------------------------------------------------
# building an explanation


def _num(v: float, digits: int) -> Math:
    s = fmt(v, digits)
    return Math(s, s)


def _raw(v: float, digits: int) -> Math:
    """A value as read from a file: integers without decimals."""
    v = float(v)
    s = str(int(v)) if v.is_integer() and abs(v) < 1e15 else fmt(v, digits)
    return Math(s, s)


def _vector(values: Sequence[float], digits: int) -> Math:
    cells = [fmt(v, digits) for v in values]
    return Math(r"\begin{bmatrix}" + r" \\ ".join(cells) + r"\end{bmatrix}", "[" + "; ".join(cells) + "]")


def _matrix(rows: np.ndarray, digits: int) -> Math:
    body = r" \\ ".join(" & ".join(fmt(v, digits) for v in row) for row in rows)
    text = "[" + "; ".join(" ".join(fmt(v, digits) for v in row) for row in rows) + "]"
    return Math(r"\begin{bmatrix}" + body + r"\end{bmatrix}", text)


MATRIX_COLUMNS = 6  # wider weight matrices are left to the tables


def _param_table(key: str, caption: str, w: np.ndarray, b: np.ndarray, names: _Names, l: int, digits: int) -> Table:
    # one row per node j: its weights w[j][i], then its bias
    t, u = names.tag(l)
    j = "[j]" if names.idx(l, 0) else ""
    header: list[Cell] = ["node", *[Math(f"w_{{{t}{j}[{i}]}}", f"w{u}{j}[{i}]") for i in range(w.shape[1])],
                          Math(f"b_{{{t}{j}}}", f"b{u}{j}")]
    rows = [[str(j), *[_num(v, digits) for v in w[j]], _num(b[j], digits)] for j in range(w.shape[0])]
    return Table(key, caption, header, rows)


@functools.lru_cache(maxsize=1)
def _norm_forms() -> dict[str, tuple[Any, Math]]:
    class _M:  # just enough of a Model for _Form: names of v, min, max
        pass

    m = _M()
    v, lo, hi = sp.symbols("v lo hi")
    m.refs = {v: ("v",), lo: ("lo",), hi: ("hi",)}
    m.tex = {v: "data", lo: r"\min", hi: r"\max"}
    m.txt = {v: "data", lo: "min", hi: "max"}
    unit = sp.Mul(sp.Add(v, -lo, evaluate=False), sp.Pow(sp.Add(hi, -lo, evaluate=False), -1, evaluate=False), evaluate=False)
    out = {}
    for method, e in (("zero-to-one", unit), ("minus-one-to-one", sp.Add(sp.Mul(unit, 2, evaluate=False), -1, evaluate=False))):
        gen = Math(_latex(e, {v: r"\mathit{data}", lo: r"\min(\mathit{dataset})", hi: r"\max(\mathit{dataset})"}, True),
                   _text(e, {v: "data", lo: "min(dataset)", hi: "max(dataset)"}))
        out[method] = (_Form(e, m), gen)  # type: ignore[arg-type]
    return out


def _normalised(v: float, lo: float, hi: float, method: str) -> float:
    from tracer.core.dataset import normalise

    return float(normalise(np.array([v]), np.array([lo]), np.array([hi]), method)[0])


def explain(trace: Any, step: int = 0, digits: int = 4, full: bool = False, config: Any = None) -> Explanation:
    """Explain kept step ``step`` of ``trace``, section by section (see the module docstring)."""
    if not 0 <= step < trace.n_steps:
        raise IndexError(f"step {step} is not among the {trace.n_steps} recorded steps")
    mdl = model(tuple(trace.layers), tuple(trace.activations), full)
    nm = mdl.n
    k = step
    L = len(trace.layers) - 1
    out = L - 1
    labels_in, labels_out = list(trace.input_labels), list(trace.output_labels)
    sections: list[Section] = []

    def sec(key: str, number: str, title: str, layer: int | None = None, **kw: Any) -> Section:
        s = Section(key, key if layer is None else f"{key}-{layer}", number, title, layer, **kw)
        sections.append(s)
        return s

    def eqs(key: str, l: int | None = None) -> list[Equation]:
        return mdl.equations(key if l is None else f"{key}.{l}", trace, k, digits)

    def general(key: str, l: int) -> list[Equation]:
        return list(mdl.general.get(f"{key}.{l}", []))

    # 1 network ----------------------------------------------------------
    arch = Table("architecture", "The network", ["layer", "nodes", "activation"], [
        ["input", str(trace.layers[0]), ""],
        *[[f"hidden {l + 1}" if out > 1 else "hidden", str(trace.layers[l + 1]), trace.activations[l]] for l in range(out)],
        ["output", str(trace.layers[-1]), trace.activations[-1]],
    ])
    init_tables = [
        _param_table(f"initial-{l}", f"Initial weights and biases of {nm.layer_name(l)}", w, b, nm, l, digits)
        for l, (w, b) in enumerate(trace.initial)
    ]
    facts: dict[str, Any] = {
        "layers": list(trace.layers), "activations": list(trace.activations),
        "inputs": labels_in, "outputs": labels_out, "learning_rate": fmt(trace.learning_rate, digits),
        "epochs": trace.epochs, "rows": trace.n_rows, "method": trace.method, "seed": trace.seed,
        "epoch": int(trace.epoch[k]), "row": int(trace.row[k]), "step": k,
        "hidden_layers": out, "many_outputs": trace.layers[-1] > 1,
        # the first layer's weight, for the prose on notation: w_{h[j][i]}, w_{h_{1}[j][i]}, w_{o[i]}
        "w_first": "w_{%s%s[i]}" % (nm.tag(0)[0], "[j]" if nm.idx(0, 0) else ""),
    }
    if config is not None:
        facts.update(config=config.source, dataset=config.dataset_source, init=config.init_method,
                     init_file=config.init_source, minmax_file=config.minmax_source,
                     inputs_mode=config.inputs_mode, outputs_mode=config.outputs_mode,
                     illustrate=config.illustrate_source)
    sec("network", "1", "Initialisation", tables=[arch, *init_tables], facts=dict(facts))

    # 2-3 min-max and normalisation ---------------------------------------
    _data_sections(sec, trace, k, digits, config, labels_in + labels_out)

    # 4 forward -----------------------------------------------------------
    # The document's numbers for one hidden layer (4.1-4.6, 5.1-5.4); with
    # more or fewer hidden layers the numbers count on, so each is unique.
    forward = (f"4.{n}" for n in range(1, 2 * L + 3))
    backward = (f"5.{n}" for n in range(1, 2 * L + 1))
    for l in range(L):
        pre = "output" if l == out else "hidden"
        name = nm.layer_name(l)
        big = mdl.big(l)
        s_tab, a_tab, matrix = [], [], []
        if big:
            s_tab = [Table(f"sums-{l}", f"Every sum of {name}", ["node", Math(*nm.vec("s", l)), Math(*nm.vec("a", l))],
                           [[str(j), _num(trace.s[l][k][j], digits), _num(trace.a[l][k][j], digits)]
                            for j in range(trace.layers[l + 1])])]
        if big or trace.layers[l] > FEW:
            sv, xv, bv = nm.vec("s", l), nm.vec("x", l) if l == 0 else nm.vec("a", l - 1), nm.vec("b", l)
            t, u = nm.tag(l)
            lines = [_static("symbolic", rf"W_{{{t}}} {xv[0]} + {bv[0]}", f"W{u}·{xv[1]} + {bv[1]}")]
            if trace.layers[l] <= MATRIX_COLUMNS:
                sub_tex = _matrix(trace.w[l][k], digits).latex + " " + _vector(trace.layer_input(l)[k], digits).latex + \
                    " + " + _vector(trace.b[l][k], digits).latex
                sub_txt = _matrix(trace.w[l][k], digits).text + "·" + _vector(trace.layer_input(l)[k], digits).text + \
                    " + " + _vector(trace.b[l][k], digits).text
                lines.append(Line("substituted", sub_tex, sub_txt, (sub_tex,)))
            res = _vector(trace.s[l][k], digits)
            lines.append(Line("result", res.latex, res.text, (res.latex,)))
            matrix = [Equation(f"s{t}", Math(*sv), lines)]
        num_s, num_a = next(forward), next(forward)
        fl = {"layer_name": name, "big": big, "shown": mdl.shown(l), "nodes": trace.layers[l + 1],
              "fan_in": trace.layers[l], "activation": trace.activations[l], "sum_number": num_s}
        sec(f"{pre}_sum", num_s, f"The summation function for {name}", l,
            general=general(f"{pre}_sum", l), equations=eqs(f"{pre}_sum", l), matrix=matrix, tables=s_tab, facts=dict(fl))
        sec(f"{pre}_activation", num_a, f"The activation function for {name}", l,
            general=general(f"{pre}_activation", l), equations=eqs(f"{pre}_activation", l), facts=dict(fl))

    # loss, gradient descent ---------------------------------------------
    sec("loss", next(forward), "The loss function", equations=eqs("loss"),
        facts={"loss": trace.loss_name, "value": fmt(trace.loss[k], digits)})
    gd_table, gd_facts = _paraboloid(digits)
    sec("gradient_descent", next(forward), "The gradient descent formula",
        general=[Equation("theta", Math(r"\theta_{\text{new}}", "θⁿᵉʷ"),
                          [_static("symbolic", r"\theta - \eta \nabla f(\theta)", "θ - η·∇f(θ)")])],
        tables=[gd_table], facts=gd_facts)

    # 5 backward ------------------------------------------------------------
    def delta_table(l: int) -> list[Table]:
        if not mdl.big(l):
            return []
        return [Table(f"deltas-{l}", f"Every error signal of {nm.layer_name(l)}",
                      ["node", Math(*nm.vec("s", l)), Math(*nm.vec("a", l)), Math(*nm.vec("delta", l))],
                      [[str(j), _num(trace.s[l][k][j], digits), _num(trace.a[l][k][j], digits),
                        _num(trace.delta[l][k][j], digits)] for j in range(trace.layers[l + 1])])]

    sec("output_delta", next(backward), "The error signal for the output layer", out,
        derivation=list(mdl.derivation[f"output_delta.{out}"]), equations=eqs("output_delta", out),
        tables=delta_table(out), facts={"layer_name": nm.layer_name(out), "activation": trace.activations[out]})
    for l in reversed(range(out)):
        sec("hidden_delta", next(backward), f"The error signal for {nm.layer_name(l)}", l,
            derivation=list(mdl.derivation[f"hidden_delta.{l}"]), equations=eqs("hidden_delta", l),
            tables=delta_table(l), facts={"layer_name": nm.layer_name(l), "activation": trace.activations[l],
                                          "next_nodes": trace.layers[l + 2], "next_name": nm.layer_name(l + 1)})

    def new_table(l: int) -> list[Table]:
        if not mdl.big(l):
            return []
        return [_param_table(f"new-{l}", f"Every new weight and bias of {nm.layer_name(l)}",
                             trace.w_new(l)[k], trace.b_new(l)[k], nm, l, digits)]

    sec("output_update", next(backward), "The new weights and biases for the output layer", out,
        general=general("output_update", out), equations=eqs("output_update", out), tables=new_table(out),
        facts={"layer_name": nm.layer_name(out), "shown": mdl.shown(out), "big": mdl.big(out)})
    for l in reversed(range(out)):
        sec("hidden_update", next(backward), f"The new weights and biases for {nm.layer_name(l)}", l,
            general=general("hidden_update", l), equations=eqs("hidden_update", l), tables=new_table(l),
            facts={"layer_name": nm.layer_name(l), "shown": mdl.shown(l), "big": mdl.big(l)})

    # 6 update, 7 iterations, 8 saved --------------------------------------
    sec("update", "6", "Update the weights and biases", tables=[
        _param_table(f"next-{l}", f"Weights and biases of {nm.layer_name(l)} for the next step",
                     trace.w_new(l)[k], trace.b_new(l)[k], nm, l, digits) for l in range(L)],
        facts={"next_loss": _next_loss(trace, k, digits)})
    table = trace.loss_table()
    sec("iterations", "7", "The loss over the iterations",
        tables=[Table("loss", "Loss per iteration", ["iteration", "loss"],
                      [[str(i), _num(v, digits)] for i, v in table])],
        facts={"epochs": trace.epochs, "final": fmt(trace.final_loss, digits), "rows": trace.n_rows,
               "stopped": trace.stopped})
    from tracer.config import files

    sec("saved", "8", "Save the min-max and the weights and biases",
        facts={"minmax_json": _json(trace.minmax),
               "weights_json": _json(files.weights_to_mapping(trace.final))})

    return Explanation(sections, trace, k, digits, facts)


PARABOLOID = ("x^2 + y^2", {"x": 3.0, "y": 4.0}, 0.1, 10)  # the document's example: f, start, eta, steps


@functools.lru_cache(maxsize=1)
def _descent() -> Any:
    from tracer.explain.descent import descend

    return descend(*PARABOLOID)


def _paraboloid(digits: int) -> tuple[Table, dict[str, Any]]:
    """The document's gradient-descent example (x^2 + y^2 from (3, 4), eta 0.1), from tracer.explain.descent."""
    d = _descent()
    head: list[Cell] = []
    for v in d.variables:
        head += [Math(v, v), Math(rf"\nabla f({v})", f"∇f({v})"), Math(rf"{v}_{{new}}", f"{v}_new")]
    head.append(Math(f"f({', '.join(d.variables)})", d.f_label()))
    _, rows = d.table()
    # fixed decimals, as the document's table prints them
    cells = [[str(i), *[Math(f"{v:.{digits}f}", f"{v:.{digits}f}") if v is not None else "" for v in row]]
             for i, row in enumerate(rows)]
    facts = {
        "expr": d.text, "start": dict(d.start), "lr": d.lr, "steps": len(d.rows),
        "function": d.latex_function(),
        "derivatives": [d.latex_derivative(v) for v in d.variables],
        "updates": [d.latex_update(v) for v in d.variables],
        "updates_at_lr": [d.latex_update_at_lr(v) for v in d.variables],
        "plain": d.plain_lines(),
    }
    return Table("gd", "Gradient descent on f(x, y) = x^2 + y^2", ["step", *head], cells), facts


def _json(value: Any, indent: str = "") -> str:
    """JSON as the files hold it, but with each innermost list of numbers on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        return "[\n" + ",\n".join(inner + _json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list) and len(value) > JSON_PER_LINE:  # long lists of numbers wrap
        lines = [", ".join(json.dumps(v) for v in value[i:i + JSON_PER_LINE]) for i in range(0, len(value), JSON_PER_LINE)]
        return "[\n" + ",\n".join(inner + ln for ln in lines) + "\n" + indent + "]"
    return json.dumps(value)


JSON_PER_LINE = 3  # full-precision numbers per line in the saved files' listing


def _next_loss(trace: Any, k: int, digits: int) -> str | None:
    """The loss of the next recorded step, when it is the very next step."""
    if k + 1 < trace.n_steps and trace.kept[k + 1] == trace.kept[k] + 1:
        return fmt(trace.loss[k + 1], digits)
    return None


ILLUSTRATE_ROWS = 12  # a longer dataset shows its first rows only
NORM_COLUMNS = 3  # data columns per normalisation table


def _data_sections(sec: Callable[..., Section], trace: Any, k: int, digits: int, config: Any, labels: list[str]) -> None:
    """Sections 2 (min-max) and 3 (normalisation): data, no network."""
    n_in = trace.layers[0]
    mm = trace.minmax
    used_lo = list(mm["minInput"]) + list(mm["minOutput"])
    used_hi = list(mm["maxInput"]) + list(mm["maxOutput"])
    method = trace.method
    raw = None
    if config is not None:
        raw = config.illustrate_raw if config.illustrate_raw is not None else config.raw
    tables, norm_tables, example = [], [], []
    facts: dict[str, Any] = {"method": method, "labels": labels, "illustrates": None, "separate": False, "rows_total": 0}
    if raw is not None:
        lo, hi = raw.min(axis=0), raw.max(axis=0)
        tables.append(Table("minmax", "Min and max of each column", ["column", "min", "max"],
                            [[labels[c], _raw(lo[c], digits), _raw(hi[c], digits)] for c in range(raw.shape[1])]))
        facts["illustrates"] = config.illustrate_source or config.dataset_source
        facts["separate"] = config.illustrate_raw is not None
        facts["rows_total"] = len(raw)
        if method != "none":
            shown = raw[:ILLUSTRATE_ROWS]
            # value / normalised pairs, at most NORM_COLUMNS data columns per table so it fits a page
            for first in range(0, raw.shape[1], NORM_COLUMNS):
                cols = range(first, min(first + NORM_COLUMNS, raw.shape[1]))
                header = [h for c in cols for h in (labels[c], "normalised")]
                rows = [[cell for c in cols
                         for cell in (_raw(r[c], digits), _num(_normalised(r[c], lo[c], hi[c], method), digits))]
                        for r in shown]
                norm_tables.append(Table("normalised", "Every value and its normalised value", header, rows))
            # An example: the last value of the first column strictly between its min and max.
            col = raw[:, 0]
            inner = [v for v in col if lo[0] < v < hi[0]]
            if inner:
                form, _ = _norm_forms()[method]
                v = float(inner[-1])
                m = form.fill([float(hi[0]) if r == ("hi",) else float(lo[0]) if r == ("lo",) else v for r in form.refs],
                              digits)
                # raw values print as read (65, not 65.0)
                for a in (v, float(lo[0]), float(hi[0])):
                    m = Math(m.latex.replace(fmt(a, digits), _raw(a, digits).latex), m.text.replace(fmt(a, digits), _raw(a, digits).text))
                res = _normalised(v, lo[0], hi[0], method)
                example.append(Equation("example", None, [_line("substituted", m), _line("result", _num(res, digits))], res))
                facts["example"] = {"label": labels[0], "value": _raw(v, digits).text}
    # What the network is actually fed at this step.
    if config is not None:
        row = config.raw[int(trace.row[k])]
        fed = list(trace.x[k]) + list(trace.z[k])
        sides = ["inputs"] * n_in + ["outputs"] * (len(labels) - n_in)
        modes = {"inputs": config.inputs_mode, "outputs": config.outputs_mode}
        trows = []
        for c, label in enumerate(labels):
            on = method != "none" and modes[sides[c]] != "off"
            note = "" if not on else ("min = max: the middle of the range" if used_lo[c] == used_hi[c] else "")
            trows.append([label, _raw(row[c], digits), _raw(used_lo[c], digits) if on else "", _raw(used_hi[c], digits) if on else "",
                          _num(fed[c], digits), note])
        norm_tables.append(Table("fed", "The row this step trains on", ["column", "value", "min", "max", "fed in", "note"], trows))
    used = Table("minmax-used", "The min-max the training uses", ["column", "min", "max"],
                 [[labels[c], _raw(used_lo[c], digits), _raw(used_hi[c], digits)] for c in range(len(labels))])
    tables.append(used)
    gen = []
    if method in ("zero-to-one", "minus-one-to-one"):
        gen = [Equation("normalised", Math(r"\mathit{normalized}", "normalized"), [_line("symbolic", _norm_forms()[method][1])])]
    sec("minmax", "2", "Min and max values", tables=tables, facts=dict(facts))
    sec("normalise", "3", "Normalisation", general=gen, equations=example, tables=norm_tables, facts=dict(facts))
