"""What report templates see: plain, frozen data.

A template gets copies, never the live objects: numpy arrays have methods
that write files (tofile, dump), lists and dicts methods that change what
later sections print.  :func:`template_context` converts an Explanation once,
for the built-in templates and a user's alike, into tuples, numbers,
strings, read-only mappings and the small frozen records below, whose only
methods compute strings from their own fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup

from tracer.explain.nodes import Node
from tracer.explain.pieces import Equation, Explanation, Line, Section, Table
from tracer.render.printers import LATEX, MATHML, UNICODE
from tracer.render.printers.mathml import MathMLPrinter
from tracer.render.printers.latex import aligned
from tracer.render.printers.unicode import stacked

__all__ = ["FrozenDict", "MathData", "LineData", "EquationData", "TableData", "SectionData", "TraceData",
           "ReportData", "RECORDS", "plain", "template_context"]



class FrozenDict(Mapping):
    """A read-only mapping: ``facts`` and every dict inside it, as templates see them."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[Any, Any]):
        object.__setattr__(self, "_items", dict(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a FrozenDict cannot be changed")

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class MathData:
    """A formula or number (a node of :mod:`tracer.explain.nodes`) as the printers wrote it.

    ``str()`` is the LaTeX: what a template's ``$...$`` holds.  ``mathml``:
    the MathML printer's elements (HTML only; the HTML's ``math`` filter
    puts them in a ``<math>`` element, the LaTeX as its annotation).
    """

    latex: str
    text: str
    mathml: str = ""

    def __str__(self) -> str:
        return self.latex


@dataclass(frozen=True)
class LineData:
    """A :class:`~tracer.explain.pieces.Line`, printed; ``rows``: its LaTeX in rows that fit a page
    (continuation rows start with \\quad)."""

    kind: str
    latex: str
    text: str
    rows: tuple[str, ...]

    @property
    def math(self) -> MathData:
        return MathData(self.latex, self.text)


@dataclass(frozen=True)
class EquationData:
    """An :class:`~tracer.explain.pieces.Equation`, printed: ``latex()`` an ``aligned`` block, ``text()`` unicode lines."""

    name: str
    lhs: MathData | None
    lines: tuple[LineData, ...]
    value: float | None
    mathml: str = ""  # the MathML printer's display <math> element (HTML only)

    _first = Equation._first
    symbolic = Equation.symbolic
    substituted = Equation.substituted
    result = Equation.result

    def latex(self) -> str:
        """The lhs, then one row per line (long lines broken), as the LaTeX printer writes an equation."""
        return aligned(self.lhs.latex if self.lhs else None, [ln.rows for ln in self.lines])

    def text(self) -> str:
        """``lhs = first``, then ``  = next`` for the rest, as the unicode printer writes an equation."""
        return stacked(self.lhs.text if self.lhs else "", [ln.text for ln in self.lines])


@dataclass(frozen=True)
class TableData:
    """A :class:`~tracer.explain.symbolic.Table`, frozen: header and rows are tuples."""

    key: str
    caption: str
    header: tuple[Any, ...]
    rows: tuple[tuple[Any, ...], ...]

    aligns = Table.aligns


@dataclass(frozen=True)
class SectionData:
    """A :class:`~tracer.explain.symbolic.Section`, frozen."""

    key: str
    id: str
    number: str
    title: str
    layer: int | None
    general: tuple[EquationData, ...]
    derivation: tuple[EquationData, ...]
    equations: tuple[EquationData, ...]
    matrix: tuple[EquationData, ...]
    tables: tuple[TableData, ...]
    facts: FrozenDict

    appendix = Section.appendix

    def all_equations(self) -> tuple[EquationData, ...]:
        return (*self.general, *self.derivation, *self.equations, *self.matrix)


@dataclass(frozen=True)
class TraceData:
    """What a template may know of the trace: the network and the run, no arrays of steps."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    learning_rate: float
    loss_name: str
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    minmax: FrozenDict
    method: str
    n_rows: int
    epochs: int
    n_steps: int
    seed: int | None
    final_loss: float
    stopped: str | None


@dataclass(frozen=True)
class ReportData:
    """An :class:`~tracer.explain.symbolic.Explanation` as templates see it (``r``)."""

    sections: tuple[SectionData, ...]
    trace: TraceData
    step: int
    digits: int
    facts: FrozenDict

    def section(self, key: str, layer: int | None = None) -> SectionData:
        for sec in self.sections:
            if sec.key == key and (layer is None or sec.layer == layer):
                return sec
        raise KeyError(key)


RECORDS = (MathData, LineData, EquationData, TableData, SectionData, TraceData, ReportData)


def plain(value: Any, mathml: MathMLPrinter | None = None) -> Any:
    """``value`` as plain, frozen data a template may see; TypeError for anything else.

    ``mathml``: the printer of the MathML the records carry as well (the HTML report's).
    """
    if value is None or type(value) in (bool, int, float, str, Markup):
        return value
    if isinstance(value, Node):  # the most common value after strings: every number and formula
        return MathData(LATEX.doprint(value), UNICODE.doprint(value), mathml.body(value) if mathml else "")
    if mathml is not None:
        return _plain(value, lambda v: plain(v, mathml), mathml)
    return _plain(value, plain, None)


def _plain(value: Any, plain: Any, mathml: MathMLPrinter | None) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, Markup):
        return Markup(str(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, Mapping):
        return FrozenDict({plain(k): plain(v) for k, v in value.items()})
    if isinstance(value, Line):
        tex, rows = LATEX.printed_rows(value.math)
        return LineData(str(value.kind), tex, UNICODE.doprint(value.math), rows)
    if isinstance(value, Equation):
        lhs, lines = plain(value.lhs), plain(value.lines)
        return EquationData(str(value.name), lhs, lines, plain(value.value),
                            mathml.equation(value, lhs and lhs.latex, [ln.rows for ln in lines]) if mathml else "")
    if isinstance(value, Table):
        return TableData(str(value.key), str(value.caption), plain(value.header), plain(value.rows))
    if isinstance(value, Section):
        return SectionData(str(value.key), str(value.id), str(value.number), str(value.title), plain(value.layer),
                           plain(value.general), plain(value.derivation), plain(value.equations),
                           plain(value.matrix), plain(value.tables), plain(value.facts))
    if isinstance(value, Explanation):
        t = value.trace
        trace = TraceData(plain(t.layers), plain(t.activations), plain(t.learning_rate), plain(t.loss_name),
                          plain(t.input_labels), plain(t.output_labels), plain(t.minmax), plain(t.method),
                          plain(t.n_rows), plain(t.epochs), plain(t.n_steps), plain(t.seed), plain(t.final_loss),
                          plain(t.stopped))
        return ReportData(plain(value.sections), trace, plain(value.step), plain(value.digits), plain(value.facts))
    raise TypeError(f"a {type(value).__name__} is not plain data; templates see only plain data")


def template_context(expl: Explanation, standalone: bool = True, figures: Mapping[str, Any] | None = None,
                     mathml: bool = False) -> dict[str, Any]:
    """The names every report template sees, converted once to plain frozen data (see :func:`plain`);
    ``mathml``: the math in MathML too (for HTML)."""
    r = plain(expl, MATHML if mathml else None)
    return {"r": r, "sections": r.sections, "facts": r.facts, "digits": r.digits, "standalone": standalone,
            "figs": plain(dict(figures or {}))}

