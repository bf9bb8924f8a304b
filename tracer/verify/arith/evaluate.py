"""Evaluating a tree twice at once: at face value, and as the interval the rounded inputs allow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from tracer.verify.arith.tree import Bin, Call, EvalError, Mat, Neg, Num, Pow, Var, fold


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
    variables to intervals (the gradient-descent table binds x and y);
    ``inputs`` says what a printed number stands for (the document's rule, see
    tracer.verify.printed.Precision), else the number's own rounding band.
    """

    def __init__(self, activation: str | None = None, env: dict[str, Interval] | None = None,
                 inputs: Callable[[Num], Interval] | None = None):
        self.activation = activation
        self.env = env or {}
        self.inputs = inputs

    def __call__(self, node):
        return fold(node, self._combine, self._enter)

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
        return self.inputs(n) if self.inputs is not None else Interval.of(n.value, n.half)

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
