"""Tables that fit the terminal: stacked by columns, never a number cut to "0.000…".

rich fits a table that is too wide by squeezing its columns, which cuts a
number short with an ellipsis.  A table here is printed whole when it fits
the console's width (the terminal's, or 80 columns when the output is not a
terminal); otherwise its columns are dealt into several tables, one under
another, each starting with the columns that name a row (a row number, a
parameter), so every cell keeps its full text and every part can be read
on its own.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rich.measure import Measurement
from rich.table import Table

__all__ = ["print_table", "parts"]


def print_table(console: Any, table: Table, keep: int = 1) -> None:
    """Print ``table`` within ``console.width``; ``keep`` leading columns are repeated in every part."""
    for part in parts(console, table, keep):
        console.print(part)


def parts(console: Any, table: Table, keep: int = 1, width: int | None = None) -> list[Table]:
    """``table`` itself if it fits ``width`` (default the console's), else tables of its columns that do."""
    width = width or console.width
    widths = [_content_width(console, column) for column in table.columns]
    if _table_width(widths) <= width or len(widths) <= keep + 1:
        return [table]
    groups: list[list[int]] = []
    key = list(range(keep))
    group = key[:]
    for i in range(keep, len(widths)):
        if len(group) > keep and _table_width([widths[j] for j in group + [i]]) > width:
            groups.append(group)
            group = key[:]
        group.append(i)
    groups.append(group)
    out = []
    for n, group in enumerate(groups):
        part = copy.copy(table)
        # fold, not ellipsis: a column wider than the terminal on its own wraps its text, never cuts it
        part.columns = [dataclasses.replace(table.columns[i], _cells=list(table.columns[i].cells), overflow="fold")
                        for i in group]
        for index, column in enumerate(part.columns):
            column._index = index
        part.rows = list(table.rows)
        if n:
            part.title = f"{table.title} (continued)" if table.title else None
        if n < len(groups) - 1:
            part.caption = None
        out.append(part)
    return out


def _content_width(console: Any, column: Any) -> int:
    """The widest of a column's header and cells, as rich measures them."""
    options = console.options.update_width(10_000)
    cells = [column.header, *column.cells]
    return max(Measurement.get(console, options, cell).maximum for cell in cells)


def _table_width(widths: list[int]) -> int:
    # one space of padding either side of every cell, and a rule between and around the columns
    return sum(widths) + 3 * len(widths) + 1
