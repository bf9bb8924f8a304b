"""Gradient descent on any function, as the document's paraboloid example.

``mlptrace gd "x^2 + y^2" --at x=3,y=4 --lr 0.1 --steps 10`` prints the
derivation (each partial derivative, each update rule x_new = x - eta df/dx
simplified, and the rule with eta's value) and then the document's table:
for each variable its value, gradient and new value, then f at the new
point, one row per step after a first row holding the start point.

The expression is read by a small recursive-descent parser that builds
sympy objects directly; nothing the user types is ever given to ``eval`` or
to sympy's ``parse_expr`` (which evaluates Python code).  Accepted: numbers
(``3``, ``0.5``, ``1e-3``), variable names (a letter, then letters, digits or
``_``), ``+ - * / ^ **``, parentheses, unary minus, the constants ``pi``
and ``e``, and the functions in ``FUNCTIONS``.  Anything else is an
InputError naming the column in EXPR.

API for other modules (the report's gradient-descent section)::

    d = descend("x^2 + y^2", {"x": 3, "y": 4}, lr=0.1, steps=10)
    d.variables          # ('x', 'y'), in order of first appearance in EXPR
    d.expr               # sympy: x**2 + y**2
    d.gradient["x"]      # sympy: 2*x
    d.update_rules["x"]  # sympy: x*(1 - 2*eta)   (ETA is the symbol eta)
    d.update_at_lr["x"]  # sympy: 0.8*x
    d.rows               # list of Step: .point, .grad, .new (dicts of float), .f (f at .new)
    d.f0                 # f at the start point
    d.table()            # (header, rows): the document's table, start row first (None = blank)
    d.derivative_equation("x"), d.update_equation("x")  # Equations of tracer.explain.nodes, for the printers
    d.plain_lines()      # the derivation as plain text lines

``parse(text)`` alone returns ``(expr, symbols)``; ``parse_point`` reads
``x=3,y=4``.  Numeric steps use float64 (the gradient lambdified once);
a non-finite value stops the descent with NumericalError (exit status 3).
"""

from __future__ import annotations

import functools
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp
from sympy.printing.str import StrPrinter

from tracer.core.numbers import short
from tracer.errors import InputError, NumericalError
from tracer.config.files import parse_number
from tracer.explain.nodes import (Call, Factors, Formula, Nabla, Name, Node, Num, Paren, Partial, PartialOf, infix,
                                  lead_terms)
from tracer.explain.operators import OperatorSymbols
from tracer.explain.pieces import Equation, Line

__all__ = [
    "FUNCTIONS",
    "ETA",
    "Descent",
    "Step",
    "parse",
    "parse_point",
    "descend",
]

# The learning rate's symbol; a variable may not be called eta.
ETA = sp.Symbol("eta", positive=True)
ETA_NAME = Name("eta")
F = Name("f")  # the function descended on

# name -> sympy constructor of one argument.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": sp.exp,
    "log": sp.log,  # natural logarithm, as in the document
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "sigmoid": lambda u: 1 / (1 + sp.exp(-u)),
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}

# Limits that keep hostile input from tying sympy up: a long text, deep
# nesting (Python's recursion limit) and huge exact numbers or exponents
# (9^9^9 would be evaluated exactly, x^(10^300) breaks polynomial code).
MAX_LENGTH = 500
MAX_DEPTH = 60
MAX_EXPONENT = 1000
MAX_DIGITS = 400
# Every step is a row of the printed table, and rich lays out about 500 rows a
# second: 1,000 steps print in a few seconds, 100,000 took minutes.
MAX_STEPS = 1_000
# Symbolic work: f and each derivative may have at most MAX_NODES nodes (a
# derivation longer than that is not read, and printing, collecting and
# compiling it is what takes the time), and an update rule is expanded only
# when the expansion has at most MAX_TERMS terms, else it is shown as written:
# expanding ((x+1)^12 + (y+1)^12)^11 would make 10^8 terms and gigabytes.
MAX_NODES = 5_000
MAX_TERMS = 500

_ALLOWED = "numbers, variables, + - * / ^ **, parentheses and the functions " + ", ".join(FUNCTIONS)

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^()])"
    r")"
)


# ---------------------------------------------------------------------------
# parsing


@dataclass
class _Tok:
    kind: str  # num, name, op, end
    text: str
    col: int  # 1-based column in EXPR


def _fail(col: int, what: str) -> InputError:
    return InputError("command line", f"EXPR column {col}", what)


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos or m.lastgroup is None:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            ch = text[start]
            raise _fail(start + 1, f"unexpected {ch!r}; only {_ALLOWED} are allowed")
        kind = m.lastgroup
        start = m.start(kind)
        out.append(_Tok(kind, m.group(kind), start + 1))
        pos = m.end()
    out.append(_Tok("end", "", len(text) + 1))
    return out


class _Parser:
    """expr := term (('+'|'-') term)* ; term := unary (('*'|'/') unary)* ;
    unary := ('-'|'+') unary | power ; power := atom (('^'|'**') unary)? ;
    atom := number | name | function '(' expr ')' | '(' expr ')'.

    Powers bind tighter than unary minus and associate to the right, as in
    mathematics and Python: -x^2 is -(x^2), 2^3^2 is 2^9.
    """

    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0
        self.symbols: dict[str, sp.Symbol] = {}

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, text: str, opened: _Tok) -> None:
        if self.tok.text != text:
            raise _fail(self.tok.col, f"expected {text!r} to close the {opened.text!r} at column {opened.col}"
                        + (f", found {self.tok.text!r}" if self.tok.kind != "end" else ""))
        self.take()

    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise _fail(1, "the expression is empty")
        e = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            hint = " (write * for a product, e.g. 2*x)" if t.kind in ("num", "name") or t.text == "(" else ""
            raise _fail(t.col, f"unexpected {t.text!r}{hint}")
        return e

    def expr(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(self.tok.col, f"nested more than {MAX_DEPTH} deep")
        e = self.term()
        while self.tok.text in ("+", "-"):
            op = self.take().text
            r = self.term()
            e = e + r if op == "+" else e - r
        self.depth -= 1
        return e

    def term(self) -> Any:
        e = self.unary()
        while self.tok.text in ("*", "/"):
            t = self.take()
            r = self.unary()
            if t.text == "/" and r == 0:
                raise _fail(t.col, "division by zero")
            e = e * r if t.text == "*" else e / r
        return e

    def unary(self) -> Any:
        if self.tok.text in ("-", "+"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _fail(self.tok.col, f"more than {MAX_DEPTH} signs in a row")
            op = self.take().text
            e = self.unary()
            self.depth -= 1
            return -e if op == "-" else e
        return self.power()

    def power(self) -> Any:
        base = self.atom()
        if self.tok.text in ("^", "**"):
            t = self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _fail(t.col, f"more than {MAX_DEPTH} powers in a row")
            exp = self.unary()
            self.depth -= 1
            _check_power(base, exp, t.col)
            if base == 0 and exp.is_number and exp.is_negative:
                raise _fail(t.col, "division by zero (0 to a negative power)")
            return base**exp
        return base

    def atom(self) -> Any:
        t = self.tok
        if t.kind == "num":
            self.take()
            return _number(t)
        if t.kind == "name":
            self.take()
            if t.text in FUNCTIONS:
                if self.tok.text != "(":
                    raise _fail(self.tok.col, f"expected '(' after the function {t.text}")
                opened = self.take()
                arg = self.expr()
                self.expect(")", opened)
                return FUNCTIONS[t.text](arg)
            if self.tok.text == "(":
                raise _fail(t.col, f"unknown function {t.text!r}; known: {', '.join(FUNCTIONS)}")
            if t.text in CONSTANTS:
                return CONSTANTS[t.text]
            if keyword.iskeyword(t.text):
                raise _fail(t.col, f"{t.text!r} is a Python keyword, not a variable name")
            if t.text == ETA.name:
                raise _fail(t.col, "'eta' is the learning rate's symbol; choose another variable name")
            if t.text not in self.symbols:
                self.symbols[t.text] = sp.Symbol(t.text, real=True)
            return self.symbols[t.text]
        if t.text == "(":
            opened = self.take()
            e = self.expr()
            self.expect(")", opened)
            return e
        if t.kind == "end":
            raise _fail(t.col, "the expression ends too early")
        raise _fail(t.col, f"unexpected {t.text!r}")


def _number(t: _Tok) -> Any:
    # Exact rationals keep the derivation exact (0.5*x^2 -> x/2, not 0.5*x);
    # check the size first so "1e999999" never becomes a million-digit integer.
    v = float(t.text)
    if not math.isfinite(v) or (v != 0 and not 1e-300 < abs(v) < 1e300):
        raise _fail(t.col, f"the number {t.text} is out of range")
    if len(t.text) > 60:
        raise _fail(t.col, "a number longer than 60 characters")
    return sp.Rational(t.text)


def _digits(q: Any) -> int:
    q = sp.Rational(q)
    return max(len(str(abs(q.p))), len(str(q.q)))


def _check_power(base: Any, exp: Any, col: int) -> None:
    """Refuse powers that would make sympy compute a gigantic exact number or polynomial."""
    if exp.is_Rational and abs(exp) > MAX_EXPONENT:
        raise _fail(col, f"the exponent {exp} is too large (at most {MAX_EXPONENT})")
    if base.is_Rational and exp.is_Rational and _digits(base) * abs(exp) > MAX_DIGITS:
        raise _fail(col, "the power is too large to compute exactly")


def parse(text: str) -> tuple[Any, tuple[sp.Symbol, ...]]:
    """Parse EXPR into a sympy expression and its variables (in order of first appearance)."""
    if len(text) > MAX_LENGTH:
        raise _fail(MAX_LENGTH + 1, f"the expression is longer than {MAX_LENGTH} characters")
    p = _Parser(text)
    e = p.parse()
    used = e.free_symbols
    syms = tuple(s for s in p.symbols.values() if s in used)
    if not syms:
        raise InputError("command line", "EXPR", f"{text.strip()!r} has no variables to descend on")
    return e, syms


_POINT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def parse_point(text: str, names: tuple[str, ...]) -> dict[str, float]:
    """Read ``x=3,y=4``: every variable of EXPR exactly once, finite numbers only."""
    point: dict[str, float] = {}
    for part in text.split(","):
        item = part.strip()
        if "=" not in item:
            raise InputError("command line", "--at", f"expected name=value, found {item!r} (e.g. --at x=3,y=4)")
        name, _, value = (s.strip() for s in item.partition("="))
        if not _POINT_NAME.match(name):
            raise InputError("command line", "--at", f"{name!r} is not a variable name")
        if name not in names:
            raise InputError("command line", "--at", f"{name!r} is not a variable of EXPR (variables: {', '.join(names)})")
        if name in point:
            raise InputError("command line", "--at", f"{name} is given twice")
        v = parse_number(value)  # plain ASCII decimals, as every number mlptrace reads
        if v is None:
            raise InputError("command line", "--at",
                             f"{name}={value!r} is not a finite number (a plain ASCII decimal such as 3 or -0.5)")
        point[name] = v
    missing = [n for n in names if n not in point]
    if missing:
        raise InputError("command line", "--at", f"no value for {', '.join(missing)} (give every variable, e.g. "
                         + ",".join(f"{n}=1" for n in names) + ")")
    return point


# ---------------------------------------------------------------------------
# the descent


@dataclass
class Step:
    """One gradient-descent step: the point before it, the gradient there, the new point, f at the new point."""

    point: dict[str, float]
    grad: dict[str, float]
    new: dict[str, float]
    f: float


@dataclass
class Descent:
    """A function, its symbolic gradient and update rules, and the steps taken."""

    text: str
    expr: Any
    symbols: tuple[sp.Symbol, ...]
    gradient: dict[str, Any]
    update_rules: dict[str, Any]  # x_new in terms of x, ..., and ETA, simplified
    update_at_lr: dict[str, Any]  # the same with eta's value substituted
    lr: float
    start: dict[str, float]
    f0: float
    rows: list[Step] = field(default_factory=list)
    # each Formula made once: printers keep what they printed per Formula object, so the report's
    # paraboloid (one Descent, cached) is printed by sympy once, not once per report
    _formulas: dict[tuple, Formula] = field(default_factory=dict, repr=False, compare=False)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.symbols)

    def f_label(self) -> str:
        return f"f({','.join(self.variables)})"

    def table(self) -> tuple[list[str], list[list[float | None]]]:
        """The document's table: per variable value, gradient, new value; then f.

        The first row is the start point (only the values and f); each
        following row is one step, f evaluated at its new point.
        """
        header = [c for v in self.variables for c in (v, f"∇f({v})", f"{v}_new")] + [self.f_label()]
        rows: list[list[float | None]] = [
            [c for v in self.variables for c in (self.start[v], None, None)] + [self.f0]
        ]
        for st in self.rows:
            rows.append([c for v in self.variables for c in (st.point[v], st.grad[v], st.new[v])] + [st.f])
        return header, rows

    # ------------------------------------------------------------ text
    def plain_lines(self) -> list[str]:
        """The derivation, one plain-text line per equation."""
        p = _plain
        lines = [f"{self.f_label()} = {p(self.expr)}"]
        for s in self.symbols:
            v = s.name
            lines.append(f"∂f/∂{v} = {p(self.gradient[v])}")
        for s in self.symbols:
            v = s.name
            g = self.gradient[v]
            chain = [f"{v}_new = {v} - η·∂f/∂{v}", f"{v} - η·({p(g)})"]
            rule = p(self.update_rules[v], s)
            if rule != chain[-1]:
                chain.append(rule)
            lines.append(" = ".join(chain))
        lines.append(
            f"with η = {short(self.lr)}: "
            + ", ".join(f"{s.name}_new = {p(self.update_at_lr[s.name], s)}" for s in self.symbols)
        )
        return lines

    # ----------------------------------------------------------- equations
    # Format-free (tracer.explain.nodes): each printer writes them, the report's LaTeX as sympy.latex would.

    def _math(self, e: Any, lead: sp.Symbol | None = None, eta: Node | None = None, dot: bool = False) -> Formula:
        """``e`` in sympy's usual term order, eta by its Greek name (or ``eta``: its value); ``lead``: as an update rule."""
        key = (e, lead, eta, dot)
        if key not in self._formulas:
            self._formulas[key] = Formula(e, {ETA: eta or ETA_NAME}, dot=dot, ordered=True, lead=lead)
        return self._formulas[key]

    def function_equation(self) -> Equation:
        """f(x, y) = the function."""
        return Equation("function", Call(F, tuple(self._math(s) for s in self.symbols)),
                        [Line("symbolic", self._math(self.expr))])

    def derivative_equation(self, var: str) -> Equation:
        """nabla f(x) = df/dx = d/dx (f) = the derivative."""
        s = self._symbol(var)
        x = self._math(s)
        return Equation(f"derivative {var}", Call(Nabla(F), (x,)),
                        [Line("symbolic", Partial(F, x)), Line("derivation", PartialOf(x, self._math(self.expr))),
                         Line("result", self._math(self.gradient[var]))])

    def update_equation(self, var: str) -> Equation:
        """x_new = x - eta nabla f(x) = x - eta df/dx = x - eta (the derivative) = the simplified rule."""
        s = self._symbol(var)
        x, g, rule = self._math(s), self.gradient[var], self.update_rules[var]
        step = [Call(Nabla(F), (x,)), Partial(F, x), Paren(self._math(g))]
        lines = [Line("symbolic" if k == 0 else "derivation", infix("-", x, Factors((ETA_NAME, d), "close")))
                 for k, d in enumerate(step)]
        # A rule left as written (too big to expand) is x - eta (g) again when g is a sum sympy parenthesises.
        if not (rule == s - ETA * g and g.is_Add):
            lines.append(Line("result", self._math(rule, lead=s)))
        return Equation(f"update {var}", Name(var, ("new",)), lines)

    def update_at_lr_equation(self, var: str) -> Equation:
        """x_new = x(1 - 2 * 0.1) = 0.8 x: the rule with eta's value put in."""
        s = self._symbol(var)
        # a dot between factors, so 2 times 0.1 never reads as "2 0.1"
        shown = self._math(self.update_rules[var], lead=s, eta=Num(short(self.lr)), dot=True)
        return Equation(f"update {var} at lr", Name(var, ("new",)),
                        [Line("substituted", shown), Line("result", self._math(self.update_at_lr[var], lead=s))])

    def _symbol(self, var: str) -> sp.Symbol:
        for s in self.symbols:
            if s.name == var:
                return s
        raise KeyError(f"{var!r} is not a variable of {self.text!r}")

    def picture(self) -> dict[str, Any]:
        """What ``tracer.render.figures.descent`` draws, as plain data: ``f(X, Y)`` on numpy grids,
        the points visited (the start, then each step's new point), the label, the axes' names and eta."""
        if len(self.variables) != 2:
            raise ValueError(f"the picture needs a function of two variables; {self.text!r} has {len(self.variables)}")
        from tracer.explain.algebra import lambdify_numpy

        path = [tuple(self.start[v] for v in self.variables)] + [tuple(st.new[v] for v in self.variables)
                                                                 for st in self.rows]
        return {"f": lambdify_numpy(self.symbols, self.expr, dummify=True), "path": path,
                "label": f"{self.f_label()} = {self.text}", "names": self.variables, "lr": self.lr}


PARABOLOID = ("x^2 + y^2", {"x": 3.0, "y": 4.0}, 0.1, 10)  # the document's example: f, start, eta, steps


@functools.lru_cache(maxsize=1)
def paraboloid() -> Descent:
    """The document's gradient descent: x^2 + y^2 from (3, 4), eta 0.1, 10 steps (descend is deterministic)."""
    return descend(*PARABOLOID)


def _nodes(e: Any, budget: int) -> int:
    """Nodes of ``e`` as a tree (what printing walks), counted without recursion; stops past ``budget``."""
    n, todo = 0, [e]
    while todo and n <= budget:
        node = todo.pop()
        n += 1
        todo.extend(node.args)
    return n


def _check_size(e: Any, what: str) -> None:
    if _nodes(e, MAX_NODES) > MAX_NODES:
        raise InputError("command line", "EXPR", f"{what} has more than {MAX_NODES:,} terms and operations; "
                         "mlptrace derives functions small enough to print")


def _expanded_terms(e: Any, budget: int) -> int:
    """An upper bound on the terms sp.expand(e) makes (saturating just past ``budget``), without expanding.

    A sum adds its terms, a product multiplies them, (t terms)^n makes at
    most C(t + n - 1, n); a function's argument is expanded in place, so it
    counts as its argument's terms.  Computed bottom-up without recursion.
    """
    cap = budget + 1
    order, todo = [], [e]
    while todo:
        node = todo.pop()
        order.append(node)
        todo.extend(node.args)
    terms: dict[int, int] = {}
    for node in reversed(order):  # children before parents
        kids = [terms[id(a)] for a in node.args]
        if not kids:
            t = 1
        elif node.is_Add or (node.is_Pow and not node.exp.is_Integer):
            t = sum(kids)
        elif node.is_Mul:
            t = 1
            for k in kids:
                t = min(cap, t * k)
        elif node.is_Pow:
            base, n = kids[0], abs(int(node.exp))
            t = 1 if base == 1 else (cap if base >= cap or n >= cap else math.comb(base + n - 1, n))
        else:
            t = sum(kids)
        terms[id(node)] = min(cap, t)
    return terms[id(e)]


def _update_rule(v: sp.Symbol, g: Any) -> Any:
    """x - eta*g with the terms in x collected: the document's x(1 - 2 eta).

    A rule whose expansion would exceed MAX_TERMS terms stays as written.
    """
    new = v - ETA * g
    if _expanded_terms(new, MAX_TERMS) > MAX_TERMS:
        return new
    rule = sp.collect(sp.expand(new), v)
    return rule if _nodes(rule, MAX_NODES) <= MAX_NODES else new


def descend(expr_text: str, start: dict[str, float], lr: float, steps: int) -> Descent:
    """Parse ``expr_text``, differentiate it, and take ``steps`` steps from ``start`` with learning rate ``lr``.

    Raises InputError for a bad expression, start point or learning rate,
    NumericalError (with the partial descent as ``.descent``) when a value
    stops being finite.
    """
    expr, syms = parse(expr_text)
    names = tuple(s.name for s in syms)
    unknown = [n for n in start if n not in names]
    missing = [n for n in names if n not in start]
    if unknown or missing:
        what = f"unknown {', '.join(unknown)}" if unknown else f"no value for {', '.join(missing)}"
        raise InputError("command line", "--at", f"{what} (variables: {', '.join(names)})")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise InputError("command line", "--lr", f"must be a positive finite number, found {lr}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError("command line", "--steps", f"must be at least 1, found {steps}")
    if steps > MAX_STEPS:
        raise InputError("command line", "--steps", f"at most {MAX_STEPS:,} steps, found {steps:,}")

    _check_size(expr, "f")
    grad = {s.name: sp.diff(expr, s) for s in syms}
    for n, g in grad.items():
        _check_size(g, f"∂f/∂{n}")
    rules = {s.name: _update_rule(s, grad[s.name]) for s in syms}
    at_lr = {n: r.subs(ETA, sp.Float(lr)) for n, r in rules.items()}
    x0 = {n: float(start[n]) for n in names}

    import numpy as np

    # Lambdified once; dummify so no variable name can clash with the
    # names in the generated code.  The math module, not numpy: lambdify's
    # numpy namespace ("from numpy import *") costs a tenth of a second, and
    # the report pays it on every run.  A math error becomes NaN below.
    f_num = sp.lambdify(syms, expr, modules="math", dummify=True)
    g_num = [sp.lambdify(syms, grad[n], modules="math", dummify=True) for n in names]

    def value(fn: Callable[..., Any], point: list[float]) -> float:
        with np.errstate(all="ignore"):
            try:
                # numpy scalars, so overflow gives inf and 1/0 gives inf, not a Python exception
                return float(np.real_if_close(fn(*map(np.float64, point))))
            except OverflowError:  # math.exp(1000)
                return math.inf
            except (TypeError, ValueError, ZeroDivisionError):  # math.log(-1)
                return math.nan

    p = [x0[n] for n in names]
    f0 = value(f_num, p)
    d = Descent(expr_text, expr, syms, grad, rules, at_lr, float(lr), x0, f0)
    where = ", ".join(f"{n}={short(v)}" for n, v in x0.items())
    if not math.isfinite(f0):
        what = "is infinite" if math.isinf(f0) else "is not defined"
        raise InputError("command line", "--at", f"f {what} at {where}")
    for k in range(1, steps + 1):
        g = [value(fn, p) for fn in g_num]
        bad = [n for n, gv in zip(names, g) if not math.isfinite(gv)]
        if bad:
            here = ", ".join(f"{n}={short(v)}" for n, v in zip(names, p))
            what = "is infinite" if math.isinf(g[names.index(bad[0])]) else "is not defined"
            msg = f"∂f/∂{bad[0]} {what} at {here}"
            if k == 1:
                raise InputError("command line", "--at", msg)
            exc = NumericalError(f"gd stopped at step {k}: {msg}")
            exc.descent = d  # type: ignore[attr-defined]
            raise exc
        new = [pv - lr * gv for pv, gv in zip(p, g)]
        fk = value(f_num, new)
        if not all(math.isfinite(v) for v in new) or math.isinf(fk):
            msg = f"the values overflow (the learning rate {short(lr)} may be too large)"
        elif math.isnan(fk):
            there = ", ".join(f"{n}={short(v)}" for n, v in zip(names, new))
            msg = f"the step lands at {there}, where f is not defined"
        else:
            msg = ""
        if msg:
            exc = NumericalError(f"gd stopped at step {k}: {msg}")
            exc.descent = d  # type: ignore[attr-defined]
            raise exc
        d.rows.append(Step(dict(zip(names, p)), dict(zip(names, g)), dict(zip(names, new)), fk))
        p = new
    return d


# ---------------------------------------------------------------------------
# printing


class _RuleOrder:
    """Term order for update rules, as the document writes them (tracer.explain.nodes.lead_terms)."""

    lead: sp.Symbol | None = None
    top: Any = None

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return lead_terms(super()._as_ordered_terms(expr, order=order), self.lead, expr is self.top)  # type: ignore[misc]


class _PlainPrinter(OperatorSymbols, StrPrinter):
    """sympy's str form with η for eta, · for products and ^ for powers, abs() and short floats (0.8, not
    0.800000000000000)."""

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Symbol(self, expr: Any) -> str:
        return "η" if expr == ETA else super()._print_Symbol(expr)

    def _print_Float(self, expr: Any) -> str:
        return short(float(expr))


class _PlainRule(_RuleOrder, _PlainPrinter):
    pass


def _plain(e: Any, lead: sp.Symbol | None = None) -> str:
    """Plain text with ^ for powers and · for products; ``lead``: print as an update rule for it."""
    printer = _PlainPrinter() if lead is None else _PlainRule()
    printer.lead, printer.top = lead, e
    return printer.doprint(e)
