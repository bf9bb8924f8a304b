"""Normalisation: arrow tables ("70 -> 1.0"), (value, normalised) column pairs, value/min/max rows, and min-max lines against a dataset listing."""

from __future__ import annotations

import bisect
import itertools
import math
import re
from typing import Iterable

from tracer.verify.arith import Interval, range_error
from tracer.verify.document import Document
from tracer.verify.results import UNPARSED, Result
from tracer.verify.tables.find import NUMBER_TEXT, Cell, Table, cell_result, num_cell


# normalisation: "i0 -> Normalized" tables of "70 -> 1.0" rows, pipe tables of
# (label, normalised) column pairs, and "value | min | max | fed in" rows (mlptrace's; once "fed to the network")

# Each number is an atomic group: without one, "1->111->111->..." lets every
# number give digits to the next, and a line that is no row takes exponential time.
_ARROW_ROW = re.compile(rf"^\s*(?:(?>{NUMBER_TEXT})\s*->\s*(?>{NUMBER_TEXT})\s*)+$")
_ARROW_PAIR = re.compile(rf"({NUMBER_TEXT})\s*->\s*({NUMBER_TEXT})")


def _arrow_row(line: str) -> bool:
    return bool(_ARROW_ROW.match(line)) and all(
        range_error(x) is None for pair in _ARROW_PAIR.findall(line) for x in pair)
_MINMAX_LINE = re.compile(rf"^\s*(\w+)\s*->\s*Min:\s*({NUMBER_TEXT})\s*,\s*Max:\s*({NUMBER_TEXT})\s*$", re.I)
_SCALED = re.compile(r"normali[sz]ed|scaled|fed (?:in|to the network)", re.I)


def _scaling(doc: Document, line: int, printed: Iterable[str]) -> str:
    """zero-to-one or minus-one-to-one: the last range the text names before ``line``, else the numbers' sign."""
    if "ranges" not in doc.cache:
        # every "[0, 1]" and "[-1, 1]" once, by where it ends: joining the text before each
        # table again would be quadratic in the number of tables
        text = "\n".join(doc.lines)
        found = [(m.end(), m.group(1)) for m in re.finditer(r"\[\s*(-1|0)\s*,\s*1\s*\]", text)]
        doc.cache["ranges"] = [e for e, _ in found], [g for _, g in found], [0] + list(
            itertools.accumulate(len(x) + 1 for x in doc.lines))
    ends, marks, starts = doc.cache["ranges"]
    cut = starts[line - 1] - 1 if line > 1 else 0  # the end of the text of lines 1 .. line - 1
    k = bisect.bisect_right(ends, cut)
    if k:
        return "minus-one-to-one" if marks[k - 1] == "-1" else "zero-to-one"
    return "minus-one-to-one" if any(float(p) < 0 for p in printed) else "zero-to-one"


def _normalise_result(v: float, lo: float, hi: float, method: str, cell: Cell, label: str) -> Result:
    # Written out here rather than taken from tracer.core.dataset: verify checks what
    # mlptrace's own reports print, so it must not share their code.
    u = 0.5 if hi == lo else (v - lo) / (hi - lo)
    expr = f"{label}: ({v:g} - {lo:g}) / ({hi:g} - {lo:g})"
    if hi == lo:
        expr = f"{label}: {v:g} with min = max"
    if method == "minus-one-to-one":
        u = 2 * u - 1
        expr += r" \times 2 - 1"
    if not math.isfinite(u):  # max - min overflows float64 (-1e308 .. 1e308)
        return Result(cell[1], expr, cell[0], None, UNPARSED, "max - min is out of float64's range", (cell[1],))
    return cell_result(cell, Interval.of(u), expr, ())


def check_normalisation(doc: Document, tables: list[Table]) -> list[Result]:
    """Every normalised value against (value - min) / (max - min); a table of the dataset gives its own min and max."""
    columns: list[tuple[int, str, list[tuple[float, Cell]]]] = []  # (table line, label, [(raw, printed)])
    lines, i = doc.lines, 0
    while i < len(lines):  # arrow tables
        if not _arrow_row(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _arrow_row(lines[j]):
            j += 1
        rows = [(_ARROW_PAIR.findall(lines[k]), k + 1) for k in range(i, j)]
        ncols = len(rows[0][0])
        # \b: a label starts a word; tried at every letter of a long word, the search is quadratic
        labels = re.findall(r"\b(\w+)\s*->\s*Normali[sz]ed", lines[i - 1], re.I) if i else []
        if len(labels) != ncols:
            labels = [f"column {c + 1}" for c in range(ncols)]
        for c in range(ncols):
            cells = [(float(r[c][0]), (r[c][1], line)) for r, line in rows if len(r) == ncols]
            columns.append((i + 1, labels[c], cells))
        i = j
    results = []
    for t in tables:
        h = [x.strip() for x in t.header]
        low = [x.lower() for x in h]
        if t.rows and {"value", "min", "max"} <= set(low) and any(_SCALED.search(x) for x in h):
            fed = next(k for k, x in enumerate(h) if _SCALED.search(x))
            vk, lk, hk = low.index("value"), low.index("min"), low.index("max")
            method = _scaling(doc, t.line, [r[fed][0] for r in t.rows if num_cell(r[fed][0])])
            for r in t.rows:
                if all(num_cell(r[k][0]) for k in (vk, lk, hk, fed)):
                    label = r[0][0] if r[0][0] and not num_cell(r[0][0]) else "value"
                    results.append(_normalise_result(float(r[vk][0]), float(r[lk][0]), float(r[hk][0]),
                                                     method, r[fed], label))
            continue
        pairs = [(k, h[k]) for k in range(0, len(h) - 1, 2) if _SCALED.search(h[k + 1]) and not _SCALED.search(h[k])]
        if t.rows and pairs and len(pairs) * 2 == len(h):
            for k, label in pairs:
                cells = [(float(r[k][0]), r[k + 1]) for r in t.rows
                         if len(r) == len(h) and num_cell(r[k][0]) and num_cell(r[k + 1][0])]
                columns.append((t.line, label, cells))
    for line, label, cells in columns:
        values = [v for v, _ in cells]
        if not values:  # a column with no number in it ("| a | b |" under "| v | normalised |")
            continue
        lo, hi = min(values), max(values)
        method = _scaling(doc, line, [c[0] for _, c in cells])
        results.extend(_normalise_result(v, lo, hi, method, c, label) for v, c in cells)
    return results


def _listings(doc: Document) -> list[tuple[int, list[str], list[list[tuple[float, int]]]]]:
    """Datasets printed as a header of labels and comma-separated rows: (line, labels, rows)."""
    out, lines, i = [], doc.lines, 0
    while i < len(lines):
        labels = [c.strip() for c in lines[i].split(",")]
        if len(labels) >= 2 and all(re.fullmatch(r"[A-Za-z_]\w*", c) for c in labels):
            rows, j = [], i + 1
            while j < len(lines):
                cells = [c.strip() for c in lines[j].split(",")]
                if len(cells) != len(labels) or not all(num_cell(c) for c in cells):
                    break
                rows.append([(float(c), j + 1) for c in cells])
                j += 1
            if rows:
                out.append((i + 1, labels, rows))
                i = j
                continue
        i += 1
    return out


def check_minmax_lines(doc: Document) -> list[Result]:
    """'i0 -> Min: 25, Max: 70' against the latest dataset listing with that column."""
    results, listings = [], _listings(doc)
    # one sweep down the document: the latest listing of each label, and each column's
    # range worked out once (searching every listing for every line is quadratic)
    latest: dict[str, tuple[int, int]] = {}  # label -> (listing, column)
    columns: dict[tuple[int, int], tuple[list[tuple[float, int]], float, float]] = {}
    seen = 0
    for k, line in enumerate(doc.lines, start=1):
        while seen < len(listings) and listings[seen][0] < k:
            for c, label in reversed(list(enumerate(listings[seen][1]))):  # the first column of a label
                latest[label] = (seen, c)
            seen += 1
        m = _MINMAX_LINE.match(line)
        if not m or range_error(m.group(2)) or range_error(m.group(3)):
            continue
        label = m.group(1)
        if label not in latest:
            continue
        at, rows = listings[latest[label][0]][0], listings[latest[label][0]][2]
        if latest[label] not in columns:
            col = [r[latest[label][1]] for r in rows]
            columns[latest[label]] = col, min(v for v, _ in col), max(v for v, _ in col)
        col, lo, hi = columns[latest[label]]
        for word, printed, true in (("min", m.group(2), lo), ("max", m.group(3), hi)):
            results.append(cell_result((printed, k), Interval.of(true), f"{word} of {label} in the dataset at line {at}",
                                       [l for _, l in col]))
    return results
