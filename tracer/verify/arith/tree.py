"""The tree a parsed expression is, its two errors, and walking it without recursion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


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


def children(node) -> tuple:
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


def nodes(node):
    """Every node of the tree once (a node shared by two parents once)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(children(n))


def fold(node, combine: Callable, enter: Callable | None = None):
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
        kids = children(n)
        if ready:
            done[id(n)] = combine(n, [done[id(k)] for k in kids])
            continue
        if enter is not None:
            enter(n)
        stack.append((n, True))
        stack.extend((k, False) for k in reversed(kids))
    return done[id(node)]


def variables(node) -> set[str]:
    return {n.name for n in nodes(node) if isinstance(n, Var)}


def uses_f(node) -> bool:
    """Whether the tree calls ``f``, the activation in use."""
    return any(isinstance(n, Call) and n.fn == "f" for n in nodes(node))
