"""Finding tables (pipe tables, LaTeX tabulars, one cell per line), their captions, and reading a cell's number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from tracer.verify.arith import Interval, Num, make_num, number_band, range_error
from tracer.verify.document import Document
from tracer.verify.printed import compare
from tracer.verify.results import OK, SLIP, Result


NUMBER_TEXT = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_NUM_CELL = re.compile(rf"^\s*({NUMBER_TEXT})\s*$")


def num_cell(text: str) -> re.Match[str] | None:
    """A cell holding one number that float64 holds with its last digit (1e400 is no number to check)."""
    m = _NUM_CELL.match(text)
    return m if m and range_error(m.group(1)) is None else None


Cell = tuple[str, int]  # (text, line)


@dataclass
class Table:
    header: list[str]
    cells: list[Cell]  # row-major
    rows: list[list[Cell]] | None  # known for pipe tables; one-cell-per-line tables are cut by their reader
    line: int
    caption: str = ""  # the prose just before the table, a newline, and its section heading


def _single_cell(line: str) -> str | None:
    """A line that is one header cell: one inline math span, or a word or two."""
    s = line.strip()
    if re.fullmatch(r"\$[^$]+\$", s):
        return s[1:-1].strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z ]{0,20}", s) and len(s.split()) <= 2:
        return s
    return None


_HEADING = re.compile(r"^\s*#+\s|^\s*\\(?:sub)*section\*?\{")
_LAYOUT = re.compile(r"^\s*\\(?:(?:begin|end)\{(?:center|table\*?|figure)\}|centering|(?:top|mid|bottom)rule|hline)")


def _is_heading(line: str) -> bool:
    # or a line in capitals: no lower-case letter and three capitals in a row.  As one
    # regex, ^[^a-z]*[A-Z]{3,}[^a-z]*$, its three overlapping runs took cubic time on
    # a long line of capitals ending in a lower-case letter.
    return bool(_HEADING.match(line)) or (not re.search(r"[a-z]", line) and bool(re.search(r"[A-Z]{3}", line)))


def _caption(doc: Document, i: int) -> str:
    """The prose just before line index ``i`` (math skipped), and the heading of its section."""
    if "captions" not in doc.cache:
        # for every line, the nearest prose line above it and the nearest heading above it,
        # found in one pass: searched back from each table, 30,000 tables take quadratic time
        near, headings, last, heading = [], [], None, None
        for k, raw in enumerate(doc.lines):
            near.append(last)
            headings.append(heading)
            line = raw.strip()
            if not line or (k + 1) in doc.math_lines or _LAYOUT.match(line):
                continue
            last = k
            if _is_heading(line):
                heading = k
        doc.cache["captions"] = near, headings
    near, headings = doc.cache["captions"]
    c, h = near[i], headings[i]
    caption = "" if c is None or c == h else doc.lines[c].strip()
    return f"{caption}\n{'' if h is None else doc.lines[h].strip()}"


def find_tables(doc: Document) -> list[Table]:
    """Pipe tables, and tables written one cell per line (a run of header cells, then a run of numbers)."""
    tables, lines, i = [], doc.lines, 0

    def split(s):
        s = s.strip()
        s = s[1:] if s.startswith("|") else s
        s = s[:-1] if s.endswith("|") and not s.endswith("\\|") else s
        return [c.strip().strip("$").strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", s)]

    while i < len(lines):
        if re.match(r"\s*\\begin\{tabular\}", lines[i]):  # LaTeX: cells between &, rows ending in \\
            j, rows = i + 1, []
            while j < len(lines) and not re.match(r"\s*\\end\{tabular\}", lines[j]):
                body = re.sub(r"\\(?:top|mid|bottom)rule|\\hline", "", lines[j]).strip()
                if body:
                    rows.append([(c.strip().strip("$").strip(), j + 1) for c in re.split(r"(?<!\\)&", re.sub(r"\\\\\s*$", "", body))])
                j += 1
            if len(rows) >= 2:
                header = [c for c, _ in rows[0]]
                tables.append(Table(header, [c for r in rows[1:] for c in r], rows[1:], i + 2, _caption(doc, i)))
            i = j + 1
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        # the rule line: only spaces, colons, bars and dashes (once \s*\|?[\s:|-]+\|?\s*,
        # whose overlapping runs took cubic time on a long line of spaces that is no rule)
        # (GitHub's tables need no outer bars: "a | b" over "--|--")
        if "|" in lines[i] and "-" in nxt and re.fullmatch(r"[\s:|-]+", nxt) and (
                "|" in nxt or lines[i].strip().startswith("|")):
            rows, j = [], i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                rows.append([(c, j + 1) for c in split(lines[j])])
                j += 1
            tables.append(Table(split(lines[i]), [c for r in rows for c in r], rows, i + 1, _caption(doc, i)))
            i = j
            continue
        j, header = i, []
        while j < len(lines) and _single_cell(lines[j]) is not None:
            header.append(_single_cell(lines[j]))
            j += 1
        if len(header) < 2:  # no table starts here; its numbers (if any) are not read again from every line
            i = max(j, i + 1)
            continue
        k, cells = j, []
        while k < len(lines) and (num_cell(lines[k]) or lines[k].strip() in ("...", "\u2026", r"\vdots")):
            if num_cell(lines[k]):
                cells.append((lines[k].strip(), k + 1))
            k += 1
        if len(header) >= 2 and len(cells) >= len(header):
            tables.append(Table(header, cells, None, i + 1, _caption(doc, i)))
            i = k
            continue
        i = max(j, i + 1)
    return tables


def norm(cell: str) -> str:
    return re.sub(r"\s+|\\left|\\right|\\,|\\mathbf|\\boldsymbol", "", cell)


def cell_value(cell: Cell) -> Interval:
    """A printed table entry: half a unit of its last digit either side."""
    return Interval.of(float(cell[0]), number_band(cell[0].lstrip("-")))


def cell_result(cell: Cell, recomputed: Interval, expression: str, used: Iterable[int], note: str = "") -> Result:
    ok, why = compare(recomputed, cell_value(cell))
    return Result(cell[1], expression, cell[0], recomputed.mid, OK if ok else SLIP,
                  note if ok else "; ".join(filter(None, [note, why])), (cell[1], *used))


def cell_num(cell: Cell) -> Num:
    text = cell[0]
    return make_num(text.lstrip("-"), negative=text.startswith("-"))
