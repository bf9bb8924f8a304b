"""Format-free math: the small node classes an explanation's formulas are built of, beside sympy's expressions.

sympy has an expression tree for algebra; the document also writes things
sympy has no class for -- a name with a layer tag and node indices, a
partial derivative written as a fraction, a function applied to a number,
a product of hand-picked factors, a matrix of printed numbers, a sympy
expression printed once with a number in each of its slots.  These classes
are plain frozen data that say *what* is written, never *how*: each output
format's printer (``tracer.render.printers``: LaTeX, unicode, MathML) has a
``_print_<Class>`` method for each, as sympy's printers have for sympy's
classes.  Numbers arrive already formatted (``tracer.core.numbers``): their
digits are the same in every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from tracer.core.numbers import fmt

__all__ = ["Node", "Tag", "Index", "Name", "Text", "Word", "Dots", "Num", "Sci", "Operator", "Activation",
           "Call", "Nabla", "Partial", "PartialOf", "Paren", "Factors", "Infix", "SumOver", "Matrix", "Formula",
           "Form", "Filled", "Hole", "infix", "lead_terms", "FACTOR_STYLES"]


class Node:
    """A piece of format-free math (a printer prints it; ``Formula`` wraps a sympy expression)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Tag(Node):
    """A layer's tag in a name's subscript: ``h`` (the hidden layer), ``o`` (the output), ``h`` numbered 2."""

    letter: str
    number: int | None = None


@dataclass(frozen=True, slots=True)
class Index(Node):
    """A node's or input's index in brackets, ``[j]``; the value may be a letter (any node)."""

    value: int | str


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A quantity's name: a letter (``"delta"``, ``"eta"``: Greek by name), its subscript and superscript.

    ``sub`` holds the subscript's parts in order: :class:`Tag`, :class:`Index`,
    a plain string (``"0"``, ``"i"``: set as a subscript) or :class:`Text`.
    ``bold`` names a whole layer as a vector.  ``braced`` is whether LaTeX
    groups a one-character subscript (``x_{i}`` as against ``x_i``), as the
    document writes each.
    """

    letter: str
    sub: tuple = ()
    sup: Node | None = None
    bold: bool = False
    braced: bool = True


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Upright words inside math (``new`` in w^new)."""

    words: str


@dataclass(frozen=True, slots=True)
class Word(Node):
    """A name of several letters set as one italic word (``data``, ``normalized``)."""

    letters: str


@dataclass(frozen=True, slots=True)
class Dots(Node):
    """The terms left out of a long sum (⋯)."""


@dataclass(frozen=True, slots=True)
class Num(Node):
    """A number as :mod:`tracer.core.numbers` formatted it (a negative slot in parentheses: ``(-0.5)``)."""

    digits: str


@dataclass(frozen=True, slots=True)
class Sci(Node):
    """A number in Python's exponent notation (``1.2e-05``), written as a power of ten where the format can."""

    digits: str


@dataclass(frozen=True, slots=True)
class Operator(Node):
    """A named function that is not an activation: ``max``, ``min``."""

    name: str


@dataclass(frozen=True, slots=True)
class Activation(Node):
    """An activation function by its name in :mod:`tracer.core.activations` (sigmoid, tanh, relu, linear)."""

    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``function(args)``; ``prime``: the function's derivative, f'(args).

    ``compact``: the arguments without spaces where spaces are literal (a
    terminal table's header: f(x,y)); TeX sets commas its own way.
    """

    function: Node
    args: tuple
    prime: bool = False
    compact: bool = False


@dataclass(frozen=True, slots=True)
class Nabla(Node):
    """∇ of a function (``∇L``, applied with :class:`Call`)."""

    of: Node


@dataclass(frozen=True, slots=True)
class Partial(Node):
    """∂top/∂var, a fraction where the format has them."""

    top: Node
    var: Node


@dataclass(frozen=True, slots=True)
class PartialOf(Node):
    """∂/∂var applied to ``body`` (before sympy works it out)."""

    var: Node
    body: Node


@dataclass(frozen=True, slots=True)
class Paren(Node):
    """``body`` in parentheses that grow with it."""

    body: Node


# How a product of hand-picked factors is written, as the document writes
# each: "dot" a centred dot with room (f'(s) · (y - z)), "tight" a centred
# dot (the numbers of a worked-out product), "close" factors side by side
# (W x, ∂L/∂s ∂s/∂a; a dot in text), "thin" side by side with a thin space
# (eta delta input in the update rule).
FACTOR_STYLES = ("dot", "tight", "close", "thin")


@dataclass(frozen=True, slots=True)
class Factors(Node):
    factors: tuple
    style: str = "dot"

    def __post_init__(self) -> None:
        if self.style not in FACTOR_STYLES:
            raise ValueError(f"unknown product style {self.style!r}")


@dataclass(frozen=True, slots=True)
class Infix(Node):
    """``terms[0] ops[0] terms[1] ...``: sums and differences (``+``, ``-``)."""

    terms: tuple
    ops: tuple


def infix(op: str, *terms: Node) -> Infix:
    """``terms`` joined by one operator."""
    return Infix(tuple(terms), (op,) * (len(terms) - 1))


@dataclass(frozen=True, slots=True)
class SumOver(Node):
    """Σ over ``var`` from ``lo`` to ``hi`` of ``body``."""

    var: str
    lo: str
    hi: str
    body: Node


@dataclass(frozen=True, slots=True)
class Matrix(Node):
    """Rows of printed numbers in brackets; a vector is a matrix of one column."""

    rows: tuple


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Formula(Node):
    """A sympy expression in the document's names (``names``: Symbol -> :class:`Name` or another node).

    ``dot``: products written with a centred dot where the format would
    otherwise set factors side by side.  ``ordered``: terms and factors in
    sympy's usual order (``sympy.latex``'s: x^2 + 3, not 3 + x^2) instead of
    as built.  ``lead``: written as an update rule for that symbol (see
    :func:`lead_terms`).  A printer keeps what it printed for each Formula
    object (a model's formulas are made once per network structure, so
    sympy prints them once, not once per step).
    """

    expr: Any
    names: Mapping[Any, Node]
    dot: bool = False
    ordered: bool = False
    lead: Any = None


def lead_terms(terms: Sequence[Any], lead: Any, top: bool) -> list[Any]:
    """A sum's ``terms`` as an update rule for ``lead`` is written: x(1 - 2 eta), not x(-2 eta + 1).

    In the rule's own sum (``top``) the terms in ``lead`` (it, or a product
    with it) come first; in every sum a positive constant comes next, then
    the rest in the order given.  Every printer of a Formula with a lead
    orders its sums so, as does the gradient-descent example's plain text.
    """
    first = [t for t in terms if top and (t == lead or (t.is_Mul and lead in t.args))]
    first += [t for t in terms if t.is_Number and t > 0 and t not in first]
    return first + [t for t in terms if t not in first]


@dataclass(frozen=True, slots=True)
class Hole(Node):
    """Slot ``i`` of a :class:`Form` (printers put a number there)."""

    i: int


class Form:
    """A sympy expression with a slot for each of its recorded symbols' numbers.

    A printer prints it once, with a hole per slot, and keeps that template
    (keyed by this object): a step only fills the holes (string work, no
    sympy per step).  ``refs`` are where each slot's number lives, in slot
    order; ``names`` name the symbols that are not slots.
    """

    __slots__ = ("expr", "names", "refs", "holes", "__weakref__")

    def __init__(self, expr: Any, refs: Mapping[Any, tuple], names: Mapping[Any, Node]):
        syms = sorted((s for s in expr.free_symbols if s in refs), key=lambda s: s.name)
        self.expr = expr
        self.refs = [refs[s] for s in syms]
        self.holes = {s: Hole(i) for i, s in enumerate(syms)}
        self.names = names

    def fill(self, values: Sequence[float], digits: int) -> "Filled":
        """The form with ``values`` shown to ``digits`` (:func:`tracer.core.numbers.fmt`)."""
        return Filled(self, tuple(fmt(v, digits) for v in values))


@dataclass(frozen=True, slots=True)
class Filled(Node):
    """A :class:`Form` with its numbers, as written (``numbers``: digits in slot order, a sign in front).

    A printer puts a negative number in parentheses where a symbol stood
    ("- (-0.5)", "(-0.5)^2" mean what the symbolic form meant).
    """

    form: Form
    numbers: tuple
