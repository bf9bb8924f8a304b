"""Equations and tables of ``tracer.explain`` as a terminal shows them: formulas broken between terms,
tables split by columns rather than squeezed."""

from __future__ import annotations

import re
from typing import Any, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from tracer.errors import visible
from tracer.explain.nodes import Node
from tracer.render.printers import unicode

__all__ = ["EquationView", "TableView", "wrap_math", "KIND_LABEL", "KIND_STYLE"]

KIND_LABEL = {"symbolic": "formula", "derivation": "derivative", "substituted": "numbers in",
              "evaluated": "worked out", "result": "result"}
KIND_STYLE = {"substituted": "cyan", "result": "bold green"}


def _split(text: str, seps: Sequence[str], deepest: int) -> list[str]:
    """Cut ``text`` before each separator at bracket depth ``deepest`` or less; every piece after the
    first starts with its separator (without the space in front of it)."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth <= deepest and i > 0:
            sep = next((x for x in seps if text.startswith(x, i)), None)
            if sep:
                pieces.append(text[start:i])
                start = i + (1 if sep.startswith(" ") else 0)
                i += len(sep)
                continue
        i += 1
    pieces.append(text[start:])
    return pieces


# Where a formula may break, best first: between terms, between factors, then the same inside brackets.
_BREAKS = [((" + ", " - "), 0), (("·",), 0), ((" + ", " - "), 9), (("·",), 9)]


def wrap_math(text: str, room: int) -> list[str]:
    """Break a one-line formula into lines of at most ``room`` characters.

    Breaks go before a + or - outside brackets, then before a product's ·,
    then the same inside brackets, so a line holds whole terms wherever it
    can; only a piece with no break in it is cut anywhere.
    """
    if len(text) <= room:
        return [text]
    pieces = next((p for seps, depth in _BREAKS if len(p := _split(text, seps, depth)) > 1), None)
    if pieces is None:
        return [text[i:i + room] for i in range(0, len(text), room)]
    lines: list[str] = []
    for piece in pieces:
        glue = " " if piece.startswith(("+ ", "- ")) else ""
        if lines and len(lines[-1]) + len(glue) + len(piece) <= room:
            lines[-1] += glue + piece
        else:
            lines += wrap_math(piece, room)
    return lines


class EquationView:
    """One equation of ``tracer.explain`` as the terminal shows it.

    ``lhs = formula`` on the first line, ``= numbers`` and ``= result``
    under it, each long line broken between terms; what each line is
    ("formula", "numbers in", "result") is written to its right when there
    is room.
    """

    def __init__(self, eq, labels: bool = True):
        self.eq, self.labels = eq, labels

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        eq, width = self.eq, options.max_width
        lead = visible(unicode(eq.lhs)) if eq.lhs is not None else ""
        pad = " " * len(lead)
        rows: list[tuple[str, str, str]] = []  # text, style, label
        previous = None
        for n, line in enumerate(eq.lines):
            if n == 0:
                prefix = f"{lead} = " if lead else ""
            else:
                prefix = f"{pad} = "
            indent = " " * (len(prefix) + 2)
            room = max(20, width - len(indent))
            label = KIND_LABEL.get(line.kind, "") if line.kind != previous else ""
            previous = line.kind
            for i, part in enumerate(wrap_math(visible(unicode(line.math)), room)):
                rows.append(((prefix if i == 0 else indent) + part, KIND_STYLE.get(line.kind, ""), label if i == 0 else ""))
        at = max(len(text) for text, _, _ in rows) + 4
        show = self.labels and at + max(len(lab) for _, _, lab in rows) <= width
        for text, style, label in rows:
            out = Text(text, style=style)
            if show and label:
                out.append(" " * (at - len(text)) + label, style="dim")
            yield out


def _cell(c: Any) -> str:
    """A table cell as text: math (a node) through the unicode printer, a label as written."""
    return unicode(c) if isinstance(c, Node) else str(c)


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class TableView:
    """A table of ``tracer.explain`` (caption, header, rows of nodes or str) in as many parts as the width needs.

    A table wider than the terminal is split by columns, each part
    repeating the first column, rather than squeezed until its numbers wrap.
    """

    def __init__(self, table, styles: dict[tuple[int, int], str] | None = None):
        self.table, self.styles = table, styles or {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Cells written out first: widths are measured on what is shown.
        header = [visible(_cell(h)) for h in self.table.header]
        rows = [[visible(_cell(c)) for c in row] for row in self.table.rows]
        numeric = [c > 0 and all(_NUMBER.match(r[c]) for r in rows if r[c]) for c in range(len(header))]
        widths = [max([len(header[c]), *(len(r[c]) for r in rows)]) + 3 for c in range(len(header))]
        # Words may wrap (a text column can narrow to its header or 12 characters); numbers never do.
        narrow = [w if numeric[c] or c == 0 else max(len(header[c]), 12) + 3 for c, w in enumerate(widths)]
        if sum(narrow) + 1 <= options.max_width:
            widths = narrow
        groups, current, used = [], [], widths[0] + 1
        for c in range(1, len(header)):
            if current and used + widths[c] > options.max_width:
                groups.append(current)
                current, used = [], widths[0] + 1
            current.append(c)
            used += widths[c]
        groups.append(current)
        for g, cols in enumerate(groups):
            part = Table(show_edge=True)
            for c in [0, *cols]:
                part.add_column(header[c], justify="right" if numeric[c] else "left", no_wrap=numeric[c] or c == 0)
            for r, row in enumerate(rows):
                part.add_row(*(Text(row[c], style=self.styles.get((r, c), "")) for c in [0, *cols]))
            if g:
                yield Text("")
            yield part
