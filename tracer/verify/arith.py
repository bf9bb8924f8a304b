"""Arithmetic written in LaTeX: tokens, a recursive-descent parser, interval evaluation.

It reads what worked examples put between dollar signs -- ``0.524(1 - 0.524)
\\cdot -0.386``, ``\\frac{65 - 25}{70 - 25}``, ``\\sigma_{h[1]}(0.5)`` -- and
evaluates it twice at once: at face value, and as an interval that honours
the rounding of every printed input.

Decisions (each is what the worked examples mean, and each is tested):

* A minus sign in unary position (at the start, after an operator or an
  opening bracket) directly followed by a number makes a *signed literal*:
  ``1 - -0.08438^2`` is ``1 - (-0.08438)^2`` = 0.99288.  Such numbers are
  substituted values ("y_o = -0.08438, so y_o^2 ..."); the textbook reading
  ``-(0.08438^2)`` would give 1.00712.  A minus before anything else is an
  ordinary negation: ``-\\sigma(1)^2`` is ``-(\\sigma(1)^2)``.
* Adjacent factors multiply: ``0.524(1 - 0.524)``, ``3(0.8)``, ``(a)(b)``.
  Two numbers side by side (``2 3``) are refused: LaTeX would print "23".
* ``\\sigma``, ``\\tanh``, ``\\exp``, ``\\sqrt``, ``\\ln``, ``\\operatorname{relu}``
  and their primes (``\\sigma'``, ``\\tanh'``) are functions; a subscript on a
  function names a node and is ignored (``\\tanh_{o}(-0.0836)``).  ``f`` is
  "the activation in use": the caller says which (see ``Evaluator``).
* ``\\begin{bmatrix} ... \\end{bmatrix}`` is a matrix: juxtaposed matrices
  multiply, matrices of one shape add, a function applies to each entry.
* ``e`` followed by ``^`` is Euler's number; every other letter, and Greek
  letters other than ``\\pi``, are variables.
* Rounding: an input printed with three or more significant digits
  (``0.524``, ``0.6225``, ``-0.096252``, ``2.4000``) is taken as rounded, so
  it stands for the interval of half a unit of its last digit around it.
  Integers and shorter decimals (``0.5``, ``-1.0``, ``0.1``, ``0.91``) are
  given data -- weights, a learning rate, a target -- and are exact.
  Interval arithmetic can only widen, so a step it calls wrong is wrong for
  every value the printed inputs could have been rounded from.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable

__all__ = [
    "Num", "Var", "Neg", "Bin", "Pow", "Call", "Mat",
    "Interval", "ParseError", "EvalError", "is_matrix",
    "parse", "classify", "Evaluator", "diff", "number_band", "decimals", "variables",
]


class ParseError(ValueError):
    """The text is not arithmetic this parser reads."""


class EvalError(ValueError):
    """The expression parsed but cannot be evaluated (a variable, an unknown f, a domain error)."""


# --------------------------------------------------------------------------
# the tree


@dataclass(frozen=True)
class Num:
    value: float
    half: float = 0.0  # half-width of the rounding interval; 0 for exact numbers
    text: str = ""


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Neg:
    x: object


@dataclass(frozen=True)
class Bin:
    op: str  # + - * /
    a: object
    b: object


@dataclass(frozen=True)
class Pow:
    a: object
    b: object


@dataclass(frozen=True)
class Mat:
    rows: tuple  # of tuples of trees: \begin{bmatrix} a & b \\ c & d \end{bmatrix}


@dataclass(frozen=True)
class Call:
    fn: str  # sigmoid tanh relu exp sqrt ln f
    x: object
    primes: int = 0


# --------------------------------------------------------------------------
# numbers as printed


# ASCII digits only: a superscript two is a digit to str.isdigit but not a number to float.
_DIGITS = "0123456789"
_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")

# float64 holds magnitudes up to about 1.8e308 and, as normal numbers, down to
# 2.2e-308; a printed number's last digit stands for 10**-decimals, so that
# must be a normal float too.  Beyond that a number is "not parsed".
MAX_PLACES = 307
_MAX_EXPONENT_DIGITS = 6  # an exponent this long is far outside the range; int() of 5,000 digits would refuse


def decimals(text: str) -> int:
    """Digits after the point, counting an exponent: '0.00070' -> 5, '5.73e-05' -> 7, '12' -> 0."""
    text = text.lstrip("+-")
    mant, _, exp = text.partition("e") if "e" in text else text.partition("E")
    d = len(mant.partition(".")[2])
    if len(exp.lstrip("+-").lstrip("0")) > _MAX_EXPONENT_DIGITS:
        raise ParseError(f"{_shown(text)} is out of float64's range")
    return d - int(exp) if exp else d


def _shown(text: str) -> str:
    return text if len(text) <= 24 else text[:20] + "\u2026"


def range_error(text: str) -> str | None:
    """Why float64 cannot hold a printed number and its last digit, or None when it can."""
    body = text.lstrip("+-")
    try:
        places = decimals(body)
    except ParseError as exc:
        return str(exc)
    value = abs(float(body))
    mantissa = re.split(r"[eE]", body)[0]
    zero = mantissa.strip("0.") == ""
    if not math.isfinite(value) or (not zero and value < sys.float_info.min) or abs(places) > MAX_PLACES:
        return f"{_shown(body)} is out of float64's range"
    return None


def _significant(text: str) -> int:
    mant = re.split(r"[eE]", text.lstrip("+-"))[0]
    return len(mant.replace(".", "").lstrip("0"))


def number_band(text: str) -> float:
    """Half a unit of the last printed digit: what a printed *result* promises."""
    return 0.5 * 10.0 ** -decimals(text)


def make_num(text: str, negative: bool = False) -> Num:
    why = range_error(text)
    if why is not None:
        raise ParseError(why)
    value = float(text)
    if negative:
        value = -value
    rounded = ("." in text or "e" in text.lower()) and _significant(text) >= 3
    return Num(value, number_band(text) if rounded else 0.0, ("-" if negative else "") + text)


# --------------------------------------------------------------------------
# tokens

# Greek letters and operators that stand for quantities, never for numbers.
_SYMBOLIC = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Phi", "Psi", "Omega", "nabla", "partial", "sum", "prod", "int",
    "cdots", "ldots", "dots", "vdots", "ddots", "infty", "lim", "hat", "bar", "vec",
    "mathbf", "boldsymbol", "tilde", "dot", "min", "max", "arg", "argmin", "argmax",
}
_FUNCTIONS = {"sigma": "sigmoid", "tanh": "tanh", "exp": "exp", "sqrt": "sqrt", "ln": "ln", "relu": "relu"}
_SPACES = {"quad", "qquad", ",", ";", ":", "!", " ", "displaystyle", "textstyle", "big", "Big",
           "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "left", "right"}
_MUL = {"cdot", "times", "ast"}
_UNICODE = {"\u2212": "-", "\u00b7": r"\cdot ", "\u22c5": r"\cdot ", "\u00d7": r"\times ", "\u00f7": r"\div ", "\u2013": "-"}


_MATRIX = re.compile(r"\\(begin|end)\{[pbBvV]?matrix\}")


@dataclass
class Tok:
    kind: str  # num op cmd letter sub
    text: str


def _group(text: str, i: int) -> int:
    """Index just past the balanced {...} that starts at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ParseError("unbalanced braces")


_SPACER = re.compile(r"\\q?quad\b|\\ ")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_DELIMITER = re.compile(r"\s*(\\\{|\\\}|\\langle|\\rangle|[()\[\].|])")


def strip_annotation(text: str) -> str:
    """Drop words a writer put after the math: '... \\ for \\ sigmoid', '\\quad (rounded)', '\\text{...}'."""
    text = re.sub(r"\\(?:text|textrm|textit|mbox)\s*\{[^{}]*\}", " ", text)
    # the first \quad or "\ " with no digit after it: searched for from the last
    # digit on, not tried at every spacer with a look to the end (quadratic)
    last_digit = max(text.rfind(d) for d in _DIGITS)
    m = _SPACER.search(text, last_digit + 1)
    if m and re.search(r"[A-Za-z]{2,}", text[m.end():]):
        text = text[: m.start()]
    return text


def tokenize(text: str) -> list[Tok]:
    for u, r in _UNICODE.items():
        text = text.replace(u, r)
    text = strip_annotation(text)
    text = re.sub(r"\{\s*\}", " ", text)  # an empty group, as in "\quad {} + ..."
    toks: list[Tok] = []
    i, n = 0, len(text)
    matrices = 0  # inside a matrix, & and \\ separate entries; elsewhere & is alignment
    while i < n:
        c = text[i]
        m = _MATRIX.match(text, i)
        if m:
            matrices += 1 if m.group(1) == "begin" else -1
            toks.append(Tok("cmd", "matrix(" if m.group(1) == "begin" else "matrix)"))
            i = m.end()
        elif matrices and (c == "&" or text.startswith("\\\\", i)):
            toks.append(Tok("op", c if c == "&" else "\\\\"))
            i += 1 if c == "&" else 2
        elif c.isspace() or c in "&~":
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i)
            toks.append(Tok("num", m.group(0)))
            i = m.end()
        elif c == "\\":
            # matched in place: slicing text[i:] would copy the rest of the span per command
            m = _COMMAND.match(text, i)
            if not m:
                raise ParseError("a lone backslash")
            name = m.group(1)
            i = m.end()
            if name in ("operatorname", "mathrm", "mathit"):
                if i < n and text[i] == "{":
                    j = _group(text, i)
                    name = text[i + 1 : j - 1].strip().lower()
                    i = j
                toks.append(Tok("cmd", name))
            elif name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg", "Bigg"):
                # \left( is just "(", \left. is nothing, \left\{ is a bracket
                m2 = _DELIMITER.match(text, i)
                if m2:
                    d = m2.group(1)
                    i = m2.end()
                    d = {"\\{": "(", "\\}": ")", ".": ""}.get(d, d)
                    if d:
                        toks.append(Tok("op", d))
            elif name in _SPACES:
                continue
            else:
                toks.append(Tok("cmd", name))
        elif c == "_":
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] == "{":
                j = _group(text, i)
            elif i < n and text[i] == "\\":
                m = _COMMAND.match(text, i)
                if not m:
                    raise ParseError("a lone backslash")
                j = m.end()
            else:
                j = min(i + 1, n)
            toks.append(Tok("sub", text[i:j]))
            i = j
        elif c.isalpha():
            toks.append(Tok("letter", c))
            i += 1
        else:
            toks.append(Tok("op", c))
            i += 1
    return toks


# --------------------------------------------------------------------------
# the parser


# Brackets, groups, arguments, matrices and signs nest by recursion, a few
# frames per level: past this depth the span is "not parsed", long before
# Python's recursion limit.  Worked examples nest a handful of levels.
MAX_NESTING = 64


class _Parser:
    def __init__(self, toks: list[Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def _nest(self, parse):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ParseError(f"brackets, groups or signs nested more than {MAX_NESTING} deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, kind: str, text: str | None = None, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == kind and (text is None or t.text == text)

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise ParseError("the expression ends too early")
        self.i += 1
        return t

    def expect(self, kind: str, text: str) -> None:
        t = self.peek()
        if t is None or t.kind != kind or t.text != text:
            found = "the end" if t is None else repr(("\\" if t.kind == "cmd" else "") + t.text)
            raise ParseError(f"expected {text!r}, found {found}")
        self.i += 1

    # expr := term (('+'|'-') term)*; every bracket, group, argument and matrix entry is one
    def expr(self):
        return self._nest(self._expr)

    def _expr(self):
        node = self.term()
        while self.is_("op", "+") or self.is_("op", "-"):
            op = self.take().text
            node = Bin(op, node, self.term())
        return node

    # term := unary ((\cdot | \times | * | / | \div | nothing) unary)*
    def term(self):
        node = self.unary()
        while True:
            t = self.peek()
            if t is None:
                return node
            if (t.kind == "cmd" and t.text in _MUL) or (t.kind == "op" and t.text == "*"):
                self.i += 1
                node = Bin("*", node, self.unary())
            elif (t.kind == "cmd" and t.text == "div") or (t.kind == "op" and t.text == "/"):
                self.i += 1
                node = Bin("/", node, self.unary())
            elif self.starts_atom():
                if t.kind == "num" and self._ends_with_number():
                    raise ParseError(f"two numbers side by side before {t.text!r}")
                node = Bin("*", node, self.power())
            else:
                return node

    def _ends_with_number(self) -> bool:
        prev = self.toks[self.i - 1] if self.i else None
        return prev is not None and prev.kind == "num"

    def starts_atom(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "op":
            return t.text in "([{"
        if t.kind == "cmd":
            return t.text in ("frac", "dfrac", "tfrac", "sqrt", "pi", "matrix(") or t.text in _FUNCTIONS or t.text in _SYMBOLIC
        return False

    # unary := ('-'|'+') unary | signed-literal postfix | power
    def unary(self):
        if self.is_("op", "-") or self.is_("op", "+"):
            sign = self.take().text
            if self.is_("num"):
                # a signed literal: the substituted value, so (-0.08438)^2
                return self.postfix(make_num(self.take().text, negative=sign == "-"))
            inner = self._nest(self.unary)
            return Neg(inner) if sign == "-" else inner
        return self.power()

    def power(self):
        return self.postfix(self.atom())

    def postfix(self, base):
        while self.is_("op", "^"):
            self.i += 1
            base = Pow(base, self.exponent())
        if self.is_("op", "!"):
            raise ParseError("factorials are not supported")
        return base

    def exponent(self):
        t = self.peek()
        if t is None:
            raise ParseError("an exponent is missing")
        if t.kind == "op" and t.text == "{":
            return self.group("{", "}")
        if t.kind == "num":
            self.i += 1
            # LaTeX raises a single character: x^23 is x^2 followed by 3
            if len(t.text) > 1:
                self.toks.insert(self.i, Tok("num", t.text[1:]))
            return make_num(t.text[0])
        if t.kind == "letter":
            self.i += 1
            return Var(t.text)
        raise ParseError(f"cannot read the exponent {t.text!r}")

    def group(self, open_: str, close: str):
        self.expect("op", open_)
        node = self.expr()
        self.expect("op", close)
        return node

    def atom(self):
        t = self.peek()
        if t is None:
            raise ParseError("the expression ends too early")
        if t.kind == "num":
            self.i += 1
            return make_num(t.text)
        if t.kind == "op" and t.text in "([{":
            return self.group(t.text, {"(": ")", "[": "]", "{": "}"}[t.text])
        if t.kind == "cmd":
            self.i += 1
            if t.text in ("frac", "dfrac", "tfrac"):
                num = self.group("{", "}")
                den = self.group("{", "}")
                return Bin("/", num, den)
            if t.text == "pi":
                return Num(math.pi)
            if t.text == "matrix(":
                return self.matrix()
            if t.text in _FUNCTIONS:
                return self.call(_FUNCTIONS[t.text])
            if t.text in _SYMBOLIC:
                return self.variable("\\" + t.text)
            raise ParseError(f"unknown command \\{t.text}")
        if t.kind == "letter":
            self.i += 1
            if t.text == "e" and self.is_("op", "^"):
                return Num(math.e)
            if t.text == "f" and self._is_call():
                return self.call("f")
            return self.variable(t.text)
        if t.kind == "sub":
            raise ParseError(f"a subscript _{t.text} on nothing")
        raise ParseError(f"unexpected {t.text!r}")

    def matrix(self) -> Mat:
        rows, row = [], []
        while True:
            row.append(self.expr())
            t = self.take()
            if t.kind == "op" and t.text == "&":
                continue
            rows.append(tuple(row))
            row = []
            if t.kind == "cmd" and t.text == "matrix)":
                break
            if not (t.kind == "op" and t.text == "\\\\"):
                raise ParseError(f"unexpected {t.text!r} in a matrix")
        if len({len(r) for r in rows}) != 1:
            raise ParseError("the rows of a matrix differ in length")
        return Mat(tuple(rows))

    def _is_call(self) -> bool:
        k = 0
        while self.is_("sub", k=k) or self.is_("op", "'", k=k):
            k += 1
        return self.is_("op", "(", k=k)

    def variable(self, name: str):
        if self.is_("sub"):
            name += "_" + self.take().text
        return Var(name)

    def call(self, fn: str):
        primes = 0
        while self.is_("sub") or self.is_("op", "'"):
            if self.take().kind == "op":
                primes += 1
        power = None
        if self.is_("op", "^"):  # \tanh^2(s) is (\tanh s)^2
            self.i += 1
            power = self.exponent()
        while self.is_("op", "'"):
            self.i += 1
            primes += 1
        if fn == "sqrt" and self.is_("op", "["):
            raise ParseError("roots other than the square root are not supported")
        if self.is_("op", "("):
            arg = self.group("(", ")")
        elif self.is_("op", "{"):
            arg = self.group("{", "}")
        else:
            raise ParseError(f"{fn} needs its argument in brackets")
        node = Call(fn, arg, primes)
        return Pow(node, power) if power is not None else node


def parse(text: str):
    """Parse LaTeX arithmetic into a tree of Num, Var, Neg, Bin, Pow and Call."""
    p = _Parser(tokenize(text))
    if not p.toks:
        raise ParseError("nothing to read")
    node = p.expr()
    if p.peek() is not None:
        t = p.peek()
        shown = ("\\" if t.kind == "cmd" else "") + t.text
        raise ParseError(f"unexpected {shown!r}")
    return node


def _children(node) -> tuple:
    if isinstance(node, (Bin, Pow)):
        return (node.a, node.b)
    if isinstance(node, (Neg, Call)):
        return (node.x,)
    if isinstance(node, Mat):
        return tuple(x for row in node.rows for x in row)
    return ()


# Trees are walked with an explicit stack, never by recursion: a sum of 5,000
# terms is a tree 5,000 deep (the parser reads ``a + b + c`` in a loop), and
# mlptrace's own report of a 400-input network holds such sums.


def _nodes(node):
    """Every node of the tree once (a node shared by two parents once)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(_children(n))


def _fold(node, combine: Callable, enter: Callable | None = None):
    """``combine(n, values of n's children)`` for every node, children first and left to right.

    ``enter(n)``, if given, runs before n's children are visited.  Each shared
    node is combined once: a derivative shares its subtrees (d(ab) = da b + a db),
    and evaluating it as a tree would repeat them exponentially often.
    """
    done: dict[int, Any] = {}
    stack = [(node, False)]
    while stack:
        n, ready = stack.pop()
        if id(n) in done:
            continue
        kids = _children(n)
        if ready:
            done[id(n)] = combine(n, [done[id(k)] for k in kids])
            continue
        if enter is not None:
            enter(n)
        stack.append((n, True))
        stack.extend((k, False) for k in reversed(kids))
    return done[id(node)]


def variables(node) -> set[str]:
    return {n.name for n in _nodes(node) if isinstance(n, Var)}


def classify(text: str):
    """('numeric', tree), ('symbolic', tree or None) or ('unparsed', reason); None when there is nothing to read.

    Symbolic means it names quantities (letters, Greek letters): a formula,
    not arithmetic to check.  Unparsed means it holds numbers and nothing
    symbolic, yet this parser cannot read it.
    """
    try:
        toks = tokenize(text)
    except ParseError as exc:
        return ("unparsed", str(exc)) if re.search(r"\d", text) else None
    if not toks:
        return None
    try:
        tree = parse(text)
    except ParseError as exc:
        symbolic = any(
            (t.kind == "letter" and t.text not in "ef") or (t.kind == "cmd" and t.text in _SYMBOLIC) for t in toks
        )
        if symbolic:
            return ("symbolic", None)
        if any(t.kind == "num" for t in toks):
            return ("unparsed", str(exc))
        return None
    if variables(tree):
        return ("symbolic", tree)
    return ("numeric", tree)


# --------------------------------------------------------------------------
# intervals


@dataclass(frozen=True)
class Interval:
    """A value at face value (``mid``) and the range [lo, hi] the rounded inputs allow."""

    lo: float
    mid: float
    hi: float

    @staticmethod
    def of(x: float, half: float = 0.0) -> "Interval":
        return Interval(x - half, x, x + half)

    def overlaps(self, other: "Interval") -> bool:
        # float rounding of the arithmetic itself is far below any printed digit
        eps = 1e-12 * max(1.0, abs(self.mid), abs(other.mid))
        return self.lo - eps <= other.hi and other.lo - eps <= self.hi

    def __contains__(self, x: float) -> bool:
        return self.overlaps(Interval.of(x))


def _span(mid: float, *values: float) -> Interval:
    return Interval(min(values), mid, max(values))


def _monotone(f: Callable[[float], float], x: Interval) -> Interval:
    return Interval(f(x.lo), f(x.mid), f(x.hi))


# The activations again, in plain floats: verify checks what mlptrace's own
# reports print, so it shares no code with the engine (tracer.core.activations).
def _sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))


def _bump(f: Callable[[float], float], x: Interval) -> Interval:
    """A function rising to its one maximum at 0 and falling after (sigma', tanh')."""
    ends = (f(x.lo), f(x.hi))
    top = f(0.0) if x.lo <= 0.0 <= x.hi else max(ends)
    return Interval(min(ends), f(x.mid), top)


_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _add(x: Interval, y: Interval) -> Interval:
    return Interval(x.lo + y.lo, x.mid + y.mid, x.hi + y.hi)


def product(x: Interval, y: Interval) -> Interval:
    return _span(x.mid * y.mid, x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi)


def _neg(x: Interval) -> Interval:
    return Interval(-x.hi, -x.mid, -x.lo)


def _div(x: Interval, y: Interval) -> Interval:
    if y.lo <= 0.0 <= y.hi:
        raise EvalError("division by a value that may be zero")
    return _span(x.mid / y.mid, x.lo / y.lo, x.lo / y.hi, x.hi / y.lo, x.hi / y.hi)


def is_matrix(v) -> bool:
    """Whether an evaluated value is a matrix (a tuple of rows of Intervals)."""
    return isinstance(v, tuple)


def _each(f: Callable, v):
    return tuple(tuple(f(x) for x in row) for row in v) if is_matrix(v) else f(v)


def _shape(v) -> tuple[int, int]:
    return len(v), len(v[0])


MAX_MATRIX_PRODUCT = 1_000_000  # multiply-adds in one matrix product (about a second)


class Evaluator:
    """Evaluate a tree as an Interval, or a matrix as a tuple of rows of Intervals.

    ``activation`` is what ``f`` means (sigmoid, tanh, relu); ``env`` binds
    variables to intervals (the gradient-descent table binds x and y).
    """

    def __init__(self, activation: str | None = None, env: dict[str, Interval] | None = None):
        self.activation = activation
        self.env = env or {}

    def __call__(self, node):
        return _fold(node, self._combine, self._enter)

    def _enter(self, node) -> None:
        # what stops a call before its argument is evaluated
        if isinstance(node, Call):
            if node.fn == "f" and self.activation is None:
                raise EvalError("f is the activation in use, and the text does not say which")
            if node.primes > 1:
                raise EvalError("second derivatives are not supported")

    def _combine(self, node, kids: list):
        value = getattr(self, "_" + type(node).__name__)(node, *kids)
        # An overflow to infinity (1e308 \cdot 10) or a NaN after it is no value
        # a document can print; stopping here keeps both out of every result.
        for x in (y for row in value for y in row) if is_matrix(value) else (value,):
            if not (math.isfinite(x.lo) and math.isfinite(x.mid) and math.isfinite(x.hi)):
                raise EvalError("the value is out of float64's range")
        return value

    def _Num(self, n: Num) -> Interval:
        return Interval.of(n.value, n.half)

    def _Var(self, v: Var) -> Interval:
        if v.name in self.env:
            return self.env[v.name]
        raise EvalError(f"{v.name} has no value")

    def _Mat(self, m: Mat, *entries):
        if any(is_matrix(x) for x in entries):
            raise EvalError("a matrix inside a matrix")
        width = len(m.rows[0])
        return tuple(tuple(entries[k : k + width]) for k in range(0, len(entries), width))

    def _Neg(self, n: Neg, x):
        return _each(_neg, x)

    def _Bin(self, b: Bin, x, y):
        if not is_matrix(x) and not is_matrix(y):
            return {"+": _add, "-": lambda p, q: _add(p, _neg(q)), "*": product, "/": _div}[b.op](x, y)
        if b.op in "+-":
            if not (is_matrix(x) and is_matrix(y) and _shape(x) == _shape(y)):
                raise EvalError("adding matrices of different shapes")
            f = _add if b.op == "+" else (lambda p, q: _add(p, _neg(q)))
            return tuple(tuple(f(p, q) for p, q in zip(rx, ry)) for rx, ry in zip(x, y))
        if b.op == "/":
            if is_matrix(y):
                raise EvalError("dividing by a matrix")
            return _each(lambda p: _div(p, y), x)
        if not is_matrix(x):
            return _each(lambda q: product(x, q), y)
        if not is_matrix(y):
            return _each(lambda p: product(p, y), x)
        (r, k), (k2, c) = _shape(x), _shape(y)
        if k != k2:
            raise EvalError(f"multiplying a {r}x{k} matrix by a {k2}x{c} one")
        if r * k * c > MAX_MATRIX_PRODUCT:
            # an n x 1 by 1 x n product is n * n entries from 2n printed ones
            raise EvalError(f"the matrix product is too large to check ({r}x{k} by {k}x{c}; "
                            f"at most {MAX_MATRIX_PRODUCT:,} multiplications)")
        out = []
        for i in range(r):
            row = []
            for j in range(c):
                acc = Interval.of(0.0)
                for t in range(k):
                    acc = _add(acc, product(x[i][t], y[t][j]))
                row.append(acc)
            out.append(tuple(row))
        return tuple(out)

    def _Pow(self, p: Pow, x, e) -> Interval:
        if is_matrix(x) or is_matrix(e):
            raise EvalError("powers of matrices are not supported")
        try:
            if e.lo == e.hi and float(e.mid).is_integer():
                k = int(e.mid)
                if k < 0 and x.lo <= 0.0 <= x.hi:
                    raise EvalError("a negative power of a value that may be zero")
                ends = (x.lo**k, x.hi**k)
                if k % 2 == 0 and k > 0 and x.lo < 0.0 < x.hi:
                    return Interval(0.0, x.mid**k, max(ends))
                return _span(x.mid**k, *ends)
            if x.lo <= 0.0:
                raise EvalError("a fractional power of a value that may be negative")
            corners = [a**b for a in (x.lo, x.hi) for b in (e.lo, e.hi)]
            return _span(x.mid**e.mid, *corners)
        except OverflowError:
            raise EvalError("the power overflows") from None

    def _Call(self, c: Call, arg):
        fn = self.activation if c.fn == "f" else c.fn  # _enter refused an f without one
        return _each(lambda x: self._apply(fn, c.primes, x), arg)

    @staticmethod
    def _apply(fn: str, primes: int, x: Interval) -> Interval:
        if primes == 1:
            if fn == "sigmoid":
                return _bump(lambda s: _sigmoid(s) * (1.0 - _sigmoid(s)), x)
            if fn == "tanh":
                return _bump(lambda s: 1.0 - math.tanh(s) ** 2, x)
            raise EvalError(f"the derivative of {fn} is not supported")
        try:
            if fn == "sigmoid":
                return _monotone(_sigmoid, x)
            if fn == "tanh":
                return _monotone(math.tanh, x)
            if fn == "relu":
                return _monotone(lambda s: max(s, 0.0), x)
            if fn == "exp":
                return _monotone(math.exp, x)
            if fn == "sqrt":
                if x.lo < 0:
                    raise EvalError("the square root of a value that may be negative")
                return _monotone(math.sqrt, x)
            if fn == "ln":
                if x.lo <= 0:
                    raise EvalError("the logarithm of a value that may not be positive")
                return _monotone(math.log, x)
        except OverflowError:
            raise EvalError(f"{fn} overflows") from None
        raise EvalError(f"unknown function {fn}")


def uses_f(node) -> bool:
    """Whether the tree calls ``f``, the activation in use."""
    return any(isinstance(n, Call) and n.fn == "f" for n in _nodes(node))


# --------------------------------------------------------------------------
# derivatives (the gradient column of a gradient-descent table)


def diff(node, var: str):
    """The derivative of a tree with respect to ``var``, as a tree."""

    def combine(n, kids):  # kids: (derivative, whether it holds var) of each child
        if isinstance(n, Num):
            return Num(0.0), False
        if isinstance(n, Var):
            return Num(1.0 if n.name == var else 0.0), n.name == var
        if isinstance(n, Neg):
            (dx, has), = kids
            return Neg(dx), has
        if isinstance(n, Bin):
            (da, ha), (db, hb) = kids
            if n.op in "+-":
                return Bin(n.op, da, db), ha or hb
            if n.op == "*":
                return Bin("+", Bin("*", da, n.b), Bin("*", n.a, db)), ha or hb
            return Bin("/", Bin("-", Bin("*", da, n.b), Bin("*", n.a, db)), Pow(n.b, Num(2.0))), ha or hb
        if isinstance(n, Pow):
            (da, ha), (db, hb) = kids
            if hb:
                if n.a == Num(math.e):
                    return Bin("*", n, db), True
                raise EvalError("a variable in an exponent is not supported")
            return Bin("*", Bin("*", n.b, Pow(n.a, Bin("-", n.b, Num(1.0)))), da), ha
        if isinstance(n, Call):
            (inner, has), = kids
            if n.fn in ("sigmoid", "tanh") and n.primes == 0:
                outer = Call(n.fn, n.x, 1)
            elif n.fn == "exp":
                outer = n
            elif n.fn == "ln":
                outer = Bin("/", Num(1.0), n.x)
            elif n.fn == "sqrt":
                outer = Bin("/", Num(0.5), n)
            else:
                raise EvalError(f"cannot differentiate {n.fn}")
            return Bin("*", outer, inner), has
        raise EvalError("cannot differentiate this")

    return _fold(node, combine)[0]
