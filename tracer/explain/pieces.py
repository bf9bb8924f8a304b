"""The pieces of an explanation: Math, Line, Equation, Table, Section, Explanation (plain data, no output format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Equation", "Explanation", "Line", "Math", "Section", "Table", "step_index"]


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


def step_index(trace: Any, epoch: int, row: int) -> int:
    """The index into ``trace.kept`` of the step for ``epoch`` and ``row``; KeyError if not kept."""
    target = epoch * trace.n_rows + row
    hits = np.nonzero(trace.kept == target)[0]
    if not hits.size:
        raise KeyError(f"epoch {epoch}, row {row} was not recorded")
    return int(hits[0])


