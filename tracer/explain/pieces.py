"""The pieces of an explanation: Line, Equation, Table, Section, Explanation (plain data, no output format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracer.explain.nodes import Node

__all__ = ["Equation", "Explanation", "Line", "Section", "Table", "step_index"]


# --------------------------------------------------------------------------
# the pieces of an explanation


@dataclass(frozen=True)
class Line:
    """One ``= ...`` line of an equation: its kind and its math (format-free, see :mod:`tracer.explain.nodes`)."""

    kind: str  # symbolic | derivation | substituted | evaluated | result
    math: Node


@dataclass
class Equation:
    """``lhs = line = line ...``: one quantity, its formula, its numbers and its value."""

    name: str
    lhs: Node | None
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


Cell = Any  # a Node (numbers, formulas) or str (a user's label: escape it)


@dataclass
class Table:
    """A table of numbers; ``str`` cells are plain text (labels), :class:`Node` cells are math."""

    key: str
    caption: str
    header: list[Cell]
    rows: list[list[Cell]]

    def aligns(self) -> str:
        """One letter per column: ``r`` where every cell is a number (right-aligned), ``l`` for words.

        The first column (the row's name) is always ``l``.
        """
        # Cells are nodes here and printed records (tracer.render.context) where templates call this:
        # any cell that is not a string is math.
        def numeric(c: Cell) -> bool:
            return not isinstance(c, str) or bool(re.fullmatch(r"-?\d+(\.\d+)?", c))

        def blank(c: Cell) -> bool:  # an empty cell (a number not shown) says nothing of its column
            return c == "" or getattr(c, "digits", None) == "" or getattr(c, "text", None) == ""

        cols = [[row[i] for row in self.rows if i < len(row) and not blank(row[i])] for i in range(len(self.header))]
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


def step_index(trace: Any, epoch: int, row: int) -> int:
    """The index into ``trace.kept`` of the step that trains ``row`` of ``epoch`` (with batches: the batch
    holding that row); KeyError if not kept."""
    target = epoch * trace.steps_per_epoch + row // trace.rows_per_step
    hits = np.nonzero(trace.kept == target)[0]
    if not hits.size:
        raise KeyError(f"epoch {epoch}, row {row} was not recorded")
    return int(hits[0])


