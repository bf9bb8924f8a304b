"""``mlptrace verify``: re-check the numbers of a Markdown or LaTeX document.

Pipeline: find the math (``$$ ... $$``, ``\\[ ... \\]``, display environments,
``\\begin{aligned}`` rows split at ``\\\\``, inline ``$ ... $``), cut it into
chains of equalities, and check every step whose two sides are numbers
(:mod:`tracer.latexmath` reads them).  Tables are checked where their columns
say what they hold: gradient-descent tables (x, \\nabla f(x), x_{new}, ...,
f(x,y)), normalisation tables (``70 -> 1.0`` rows), min-max lines against a
dataset listing.  With a config, named quantities (s_{h[0]}, y_{o},
\\delta_{h[1]}, w_{o[1]}, b_{h[0]}, the loss table, ...) are compared with the
trace of that config.

The rule: a step ``A = B`` is consistent when B, as printed, can equal A:
a printed number stands for half a unit of its last digit around it, and A's
rounded inputs are carried through A as intervals (see latexmath).  Each
step compares a numeric term with the previous numeric term of its chain.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import files
from .errors import CheckFailed, InputError
from .latexmath import (
    Bin, Evaluator, EvalError, Interval, Neg, Num, classify, diff, make_num, number_band, uses_f, variables,
)

__all__ = ["Result", "Report", "verify_file", "verify_text", "format_report", "main"]

OK, SLIP, MISMATCH, UNPARSED = "ok", "slip", "mismatch", "unparsed"
FAILING = (SLIP, MISMATCH)


@dataclass
class Result:
    """One checked step, table cell or named value."""

    line: int
    expression: str
    printed: str | None
    recomputed: float | None
    verdict: str  # ok | slip | mismatch | unparsed
    note: str = ""
    lines: tuple[int, ...] = field(default=(), repr=False)  # every line the check read

    def to_json(self, file: str) -> dict[str, Any]:
        d = asdict(self)
        del d["lines"]
        return {"file": file, **d}


@dataclass
class Report:
    file: str
    results: list[Result]
    with_config: bool = False

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.verdict in FAILING]

    @property
    def evaluated_lines(self) -> set[int]:
        return {n for r in self.results if r.verdict != UNPARSED for n in r.lines}


# --------------------------------------------------------------------------
# finding the math


@dataclass
class Term:
    text: str
    line: int
    last_line: int
    start: int  # offset in the document


@dataclass
class Chain:
    terms: list[Term]
    start: int
    activation: str | None = None  # which activation the passage is about

    @property
    def head(self) -> str:
        return self.terms[0].text if self.terms else ""


_ENVS = r"equation\*?|align\*?|gather\*?|multline\*?|eqnarray\*?|displaymath|flalign\*?"
_OPEN = re.compile(r"\$\$|\\\[|\\\(|\\begin\{(" + _ENVS + r")\}|(?<!\\)\$")
_INNER = re.compile(
    r"\\begin\{[A-Za-z*]+\}(?:\{[^{}]*\})?|\\end\{[A-Za-z*]+\}|\\label\{[^{}]*\}|\\tag\*?\{[^{}]*\}|\\nonumber|\\notag"
)
_SEPARATOR = re.compile(
    r"\\q?quad\s*(?:\\text\{\s*(?:or|and)\s*\}|\b(?:or|and)\b)\s*\\q?quad|[,;]\s*\\q?quad"
)
_EQUAL = re.compile(r"=|\\approx(?![A-Za-z])|\\simeq(?![A-Za-z])|\u2248")
_BREAK = re.compile(
    r"<|>|\\(?:le|leq|ge|geq|ne|neq|lt|gt|to|rightarrow|Rightarrow|longrightarrow|implies|iff|mapsto)(?![A-Za-z])"
)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines (so offsets and lines stay put)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _hide_code_and_comments(text: str, latex: bool) -> str:
    if latex:
        # % starts a comment unless escaped
        return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)
    out = text
    for m in re.finditer(r"^([ \t]*)(```+|~~~+)[^\n]*\n.*?^[ \t]*\2[^\n]*$", text, re.M | re.S):
        out = _blank(out, m.start(), m.end())
    for m in re.finditer(r"(`+)[^`\n].*?\1", out):
        out = _blank(out, m.start(), m.end())
    return out


def math_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, display) of the content of every math span, in order."""
    spans = []
    i = 0
    while True:
        m = _OPEN.search(text, i)
        if not m:
            return spans
        opener = m.group(0)
        if opener == "$$":
            close, display = "$$", True
        elif opener == "\\[":
            close, display = "\\]", True
        elif opener == "\\(":
            close, display = "\\)", False
        elif opener.startswith("\\begin"):
            close, display = "\\end{" + m.group(1) + "}", True
        else:
            close, display = "$", False
        if close == "$":
            # inline math stays on its line; a lone dollar is just a dollar
            eol = text.find("\n", m.end())
            eol = len(text) if eol < 0 else eol
            end = m.end()
            while True:
                end = text.find("$", end, eol)
                if end < 0 or text[end - 1] != "\\":
                    break
                end += 1
        else:
            end = text.find(close, m.end())
        if end < 0 or end == m.end():
            i = m.end()
            continue
        spans.append((m.end(), end, display))
        i = end + len(close)


def _depth_split(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """Split at matches of ``pattern`` outside braces and brackets; (start, end, separator before)."""
    pieces, depth, start, sep, i = [], 0, 0, "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "{}()[]":
            i += 2
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            m = pattern.match(text, i)
            if m and m.end() > i:
                pieces.append((start, i, sep))
                sep, start, i = m.group(0), m.end(), m.end()
                continue
        i += 1
    pieces.append((start, len(text), sep))
    return pieces


_ROW = re.compile(r"\\\\(?:\[[^\]]*\])?")
_RELATION = re.compile(_EQUAL.pattern + "|" + _BREAK.pattern)


class _Lines:
    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _clean_term(text: str) -> str:
    text = text.replace("&", " ").strip()
    text = re.sub(r"(?<![.])[.,;:]+$", "", text).strip()  # sentence punctuation, not "..."
    return text


def chains_in(content: str, base: int, line_of: _Lines) -> list[Chain]:
    """The chains of equalities in one math span (``content`` starts at offset ``base``)."""
    content = _INNER.sub(lambda m: " " * len(m.group(0)), content)
    chains: list[Chain] = []
    current: Chain | None = None
    for r0, r1, _ in _depth_split(content, _ROW):
        row = content[r0:r1]
        segments = _depth_split(row, _SEPARATOR)
        for si, (s0, s1, _) in enumerate(segments):
            seg = row[s0:s1]
            parts = _depth_split(seg, re.compile(r","))
            if sum(bool(_depth_split(seg[a:b], _RELATION)[1:]) for a, b, _ in parts) < 2:
                parts = [(0, len(seg), "")]
            for pi, (p0, p1, _) in enumerate(parts):
                piece = seg[p0:p1]
                pieces = _depth_split(piece, _RELATION)
                if len(pieces) == 1 and not piece.strip(" &\n"):
                    continue
                for k, (t0, t1, rel) in enumerate(pieces):
                    raw = piece[t0:t1]
                    text = _clean_term(raw)
                    lead = len(raw) - len(raw.lstrip(" \t\n&"))
                    off = base + r0 + s0 + p0 + t0 + lead
                    term = Term(text, line_of(off), line_of(off + max(len(raw.strip()) - 1, 0)), off)
                    first = k == 0
                    if first:
                        continues = (not text) and si == 0 and pi == 0 and current is not None
                        if not continues:
                            current = Chain([], off)
                            chains.append(current)
                        if text:
                            current.terms.append(term)
                    elif _BREAK.fullmatch(rel.strip()):
                        current = Chain([term] if text else [], off)
                        chains.append(current)
                    else:
                        current.terms.append(term)
            # a separator ("\quad or \quad") ends the chain
            if si < len(segments) - 1:
                current = None
    return [c for c in chains if c.terms]


# --------------------------------------------------------------------------
# which activation a passage is about

_ACT_WORDS = re.compile(r"\b(sigmoid|tanh|relu)\b|\blinear (?=activation|function)", re.I)
_ACT_SYMBOLS = {"sigmoid": re.compile(r"\\sigma(?![A-Za-z])"), "tanh": re.compile(r"\\tanh(?![A-Za-z])"),
                "relu": re.compile(r"\\operatorname\{relu\}|\\mathrm\{ReLU\}|\\text\{ReLU\}", re.I)}


def _activation_marks(prose: str, line_of: _Lines) -> tuple[list[int], list[str | None]]:
    """Offsets where the prose names an activation, and which; a line naming two says nothing."""
    by_line: dict[int, list[tuple[int, str]]] = {}
    for m in _ACT_WORDS.finditer(prose):
        name = (m.group(1) or "linear").lower()
        by_line.setdefault(line_of(m.start()), []).append((m.start(), name))
    offsets, names = [], []
    for line in sorted(by_line):
        hits = by_line[line]
        offsets.append(hits[-1][0])
        names.append(hits[0][1] if len({n for _, n in hits}) == 1 else None)
    return offsets, names


def _chain_activation(chain: Chain) -> str | None:
    found = {name for name, rx in _ACT_SYMBOLS.items() if any(rx.search(t.text) for t in chain.terms)}
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------
# documents


@dataclass
class Document:
    path: str
    text: str
    lines: list[str]  # with code (and LaTeX comments) blanked
    chains: list[Chain]


def parse_document(path: str, text: str) -> Document:
    latex = Path(path).suffix.lower() in (".tex", ".latex", ".ltx")
    visible = _hide_code_and_comments(text, latex)
    line_of = _Lines(visible)
    spans = math_spans(visible)
    chains: list[Chain] = []
    prose = visible
    for start, end, _display in spans:
        chains.extend(chains_in(visible[start:end], start, line_of))
        prose = _blank(prose, start, end)
    offsets, names = _activation_marks(prose, line_of)
    for c in chains:
        k = bisect.bisect_left(offsets, c.start) - 1
        c.activation = _chain_activation(c) or (names[k] if k >= 0 else None)
    return Document(path, text, visible.split("\n"), chains)


# --------------------------------------------------------------------------
# checking chains


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_bare_number(tree) -> bool:
    return isinstance(tree, Num) or (isinstance(tree, Neg) and isinstance(tree.x, Num))


def _value(term_text: str, tree, activation: str | None) -> Interval:
    """A term as an interval: a bare number promises half a unit of its last digit."""
    if _is_bare_number(tree):
        num = tree if isinstance(tree, Num) else tree.x
        sign = -1.0 if isinstance(tree, Neg) else 1.0
        text = num.text.lstrip("-")
        return Interval.of(sign * num.value, number_band(text))
    return Evaluator(activation)(tree)


def _printed(term: Term, tree) -> str:
    """What the document printed: the number itself when the term is one, else the term."""
    if _is_bare_number(tree):
        num = tree if isinstance(tree, Num) else tree.x
        return ("-" if isinstance(tree, Neg) else "") + num.text
    return _squash(term.text)


def _fmt(x: float, printed: str | None) -> str:
    """A recomputed value with two digits more than the printed one."""
    if x is None:
        return ""
    x = x + 0.0  # no "-0.000"
    if x == 0:
        x = 0.0
    d = None
    if printed and re.fullmatch(r"-?\d+(\.\d+)?", printed):
        d = len(printed.partition(".")[2]) + 2
    if d is None:
        return f"{x:.6g}"
    return f"{x:.{d}f}"


def check_chains(doc: Document) -> list[Result]:
    results = []
    for chain in doc.chains:
        if len(chain.terms) < 2:
            continue
        prev: tuple[Term, Interval] | None = None
        for term in chain.terms:
            kind = classify(term.text)
            if kind is None or kind[0] == "symbolic":
                continue
            span = tuple(range(term.line, term.last_line + 1))
            if kind[0] == "unparsed":
                results.append(Result(term.line, _squash(term.text), None, None, UNPARSED, kind[1], span))
                continue
            tree = kind[1]
            note = ""
            if uses_f(tree):
                if chain.activation is None:
                    results.append(Result(term.line, _squash(term.text), None, None, UNPARSED,
                                          "f is the activation in use; neither this chain nor the text before it says which", span))
                    continue
                note = f"f read as {chain.activation}"
            try:
                value = _value(term.text, tree, chain.activation)
            except EvalError as exc:
                results.append(Result(term.line, _squash(term.text), None, None, UNPARSED, str(exc), span))
                continue
            if prev is not None:
                a_term, a_val = prev
                ok = a_val.overlaps(value)
                if "-" in a_term.text and re.search(r"-\s*\d[\d.]*\s*\^", a_term.text):
                    note = (note + "; " if note else "") + "-c^k read as (-c)^k, a substituted value"
                results.append(Result(
                    term.line, _squash(a_term.text), _printed(term, tree), a_val.mid,
                    OK if ok else SLIP,
                    note if ok else (note + "; " if note else "") + _slip_note(a_val, value),
                    tuple(range(a_term.line, a_term.last_line + 1)) + span,
                ))
            prev = (term, value)
    return results


def _slip_note(recomputed: Interval, printed: Interval) -> str:
    if recomputed.lo == recomputed.hi:
        return f"{recomputed.mid:.7g} is outside the printed value's rounding, {printed.lo:.7g}..{printed.hi:.7g}"
    return f"the inputs as printed allow only {recomputed.lo:.7g}..{recomputed.hi:.7g}"


# --------------------------------------------------------------------------
# tables

_NUM_CELL = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass
class Table:
    header: list[str]
    cells: list[tuple[str, int]]  # (text, line), row-major
    rows: list[list[tuple[str, int]]] | None = None  # when the rows are known (pipe tables)
    line: int = 0


def _single_cell(line: str) -> str | None:
    """A line that is one header cell: one inline math span, or a word or two."""
    s = line.strip()
    if re.fullmatch(r"\$[^$]+\$", s):
        return s[1:-1].strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z ]{0,20}", s) and len(s.split()) <= 2:
        return s
    return None


def find_tables(doc: Document) -> list[Table]:
    """Tables written one cell per line (a run of header cells, then a run of numbers) and pipe tables."""
    tables, lines, i = [], doc.lines, 0
    while i < len(lines):
        # pipe table
        if lines[i].strip().startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[i + 1]) and "-" in lines[i + 1]:
            split = lambda s: [c.strip() for c in s.strip().strip("|").split("|")]
            header = [c.strip("$ ") for c in split(lines[i])]
            rows, j = [], i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                rows.append([(c.strip("$ "), j + 1) for c in split(lines[j])])
                j += 1
            tables.append(Table(header, [c for r in rows for c in r], rows, i + 1))
            i = j
            continue
        # one cell per line
        j = i
        header = []
        while j < len(lines) and _single_cell(lines[j]) is not None:
            header.append(_single_cell(lines[j]))
            j += 1
        k, cells = j, []
        while k < len(lines) and (_NUM_CELL.match(lines[k]) or lines[k].strip() in ("...", "…", r"\vdots")):
            if _NUM_CELL.match(lines[k]):
                cells.append((lines[k].strip(), k + 1))
            k += 1
        if len(header) >= 2 and len(cells) >= len(header):
            tables.append(Table(header, cells, None, i + 1))
            i = k
            continue
        i = max(j, i + 1)
    return tables


def _norm(cell: str) -> str:
    return re.sub(r"\s+|\\left|\\right|\\,", "", cell)


def _gd_columns(header: list[str]) -> dict[str, Any] | None:
    """Column roles of a gradient-descent table, or None."""
    roles: dict[str, Any] = {"var": {}, "grad": {}, "new": {}, "f": None}
    for i, h in enumerate(header):
        h = _norm(h)
        if m := re.fullmatch(r"([a-z])", h):
            roles["var"][m.group(1)] = i
        elif m := re.fullmatch(r"\\nablaf\(([a-z])\)|\\frac\{\\partialf\}\{\\partial([a-z])\}|\\partialf/\\partial([a-z])", h):
            roles["grad"][next(g for g in m.groups() if g)] = i
        elif m := re.fullmatch(r"([a-z])_\{?new\}?|([a-z])_\{\\text\{new\}\}", h):
            roles["new"][next(g for g in m.groups() if g)] = i
        elif re.fullmatch(r"f\(([a-z],?)+\)", h):
            roles["f"] = i
        else:
            return None
    vs = roles["var"]
    if not vs or set(vs) != set(roles["grad"]) or set(vs) != set(roles["new"]):
        return None
    return roles


def _number(text: str) -> Num:
    neg = text.startswith("-")
    return make_num(text.lstrip("-"), negative=neg)


def _definitions(doc: Document, before_line: int):
    """The latest f(x, ...) = expression and eta = number defined before a line."""
    f_def, eta = None, None
    for c in doc.chains:
        if c.terms[0].line >= before_line:
            break
        head = _norm(c.head)
        if m := re.fullmatch(r"f\(([a-z](?:,[a-z])*)\)", head):
            names = set(m.group(1).split(","))
            for t in c.terms[1:]:
                kind = classify(t.text)
                if kind and kind[0] == "symbolic" and kind[1] is not None:
                    if variables(kind[1]) <= names:
                        f_def = kind[1]
                        break
        elif head == r"\eta":
            for t in c.terms[1:]:
                kind = classify(t.text)
                if kind and kind[0] == "numeric" and _is_bare_number(kind[1]):
                    eta = _number(t.text.strip())
    return f_def, eta


def check_gd_table(doc: Document, table: Table) -> list[Result] | None:
    roles = _gd_columns(table.header)
    if roles is None:
        return None
    names = sorted(roles["var"], key=lambda v: roles["var"][v])
    n = len(table.header)
    cells = table.cells
    results: list[Result] = []
    start = None
    lead = len(cells) % n if table.rows is None else 0
    if lead:
        if lead != len(names) + (roles["f"] is not None):
            return [Result(table.line, "gradient-descent table", None, None, UNPARSED,
                           f"{len(cells)} numbers do not fill rows of {n} columns", (table.line,))]
        start, cells = cells[:lead], cells[lead:]
    rows = table.rows or [cells[i : i + n] for i in range(0, len(cells), n)]
    f_def, eta = _definitions(doc, table.line)

    def val(cell):  # a printed table entry, rounded at its digits
        return Interval.of(_number(cell[0]).value, number_band(cell[0]))

    def check(cell, recomputed: Interval, expression: str, used: Iterable[int]):
        printed = val(cell)
        ok = recomputed.overlaps(printed)
        results.append(Result(cell[1], expression, cell[0], recomputed.mid, OK if ok else SLIP,
                              "" if ok else _slip_note(recomputed, printed), (cell[1], *used)))

    def f_at(point: dict[str, tuple[str, int]], cell, what: str):
        if f_def is None:
            return
        env = {v: val(point[v]) for v in names}
        try:
            value = Evaluator(env=env)(f_def)
        except EvalError:
            return
        check(cell, value, f"f({', '.join(point[v][0] for v in names)}) {what}", [point[v][1] for v in names])

    if start is not None:
        point = {v: start[i] for i, v in enumerate(names)}
        if roles["f"] is not None:
            f_at(point, start[-1], "at the start")
    prev = point if start is not None else None
    for row in rows:
        if len(row) != n:
            results.append(Result(row[0][1], "gradient-descent table row", None, None, UNPARSED,
                                  f"{len(row)} cells, expected {n}", (row[0][1],)))
            continue
        point = {v: row[roles["var"][v]] for v in names}
        new = {v: row[roles["new"][v]] for v in names}
        for v in names:
            x, g, x1 = point[v], row[roles["grad"][v]], new[v]
            if prev is not None:
                check(x, val(prev[v]), f"{v} carried from line {prev[v][1]}", [prev[v][1]])
            if f_def is not None:
                try:
                    grad = Evaluator(env={u: val(point[u]) for u in names})(diff(f_def, v))
                    check(g, grad, f"\\nabla f({v}) at ({', '.join(point[u][0] for u in names)})", [point[u][1] for u in names])
                except EvalError:
                    pass
            if eta is not None:
                step = Evaluator()(Bin("-", _number(x[0]), Bin("*", eta, _number(g[0]))))
                check(x1, step, f"{x[0]} - {eta.text} \\cdot {g[0]}", [x[1], g[1]])
        if roles["f"] is not None:
            f_at(new, row[roles["f"]], "at the new point")
        prev = new
    return results


# normalisation tables: "i0 -> Normalized i1 -> Normalized" then "70 -> 1.0 98 -> 1.0" rows

_ARROW_ROW = re.compile(r"^\s*(?:-?\d+(?:\.\d+)?\s*->\s*-?\d+(?:\.\d+)?\s*)+$")
_ARROW_PAIR = re.compile(r"(-?\d+(?:\.\d+)?)\s*->\s*(-?\d+(?:\.\d+)?)")
_MINMAX_LINE = re.compile(r"^\s*(\w+)\s*->\s*Min:\s*(-?\d+(?:\.\d+)?)\s*,\s*Max:\s*(-?\d+(?:\.\d+)?)\s*$", re.I)


def _listings(doc: Document) -> list[tuple[int, list[str], list[list[tuple[float, int]]]]]:
    """Datasets printed as a header of labels and comma-separated rows: (line, labels, rows)."""
    out, lines, i = [], doc.lines, 0
    while i < len(lines):
        labels = [c.strip() for c in lines[i].split(",")]
        if len(labels) >= 2 and all(re.fullmatch(r"[A-Za-z_]\w*", c) for c in labels):
            rows, j = [], i + 1
            while j < len(lines):
                cells = [c.strip() for c in lines[j].split(",")]
                if len(cells) != len(labels) or not all(_NUM_CELL.match(c) for c in cells):
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
    for k, line in enumerate(doc.lines, start=1):
        m = _MINMAX_LINE.match(line)
        if not m:
            continue
        label = m.group(1)
        found = [(at, labels, rows) for at, labels, rows in listings if at < k and label in labels]
        if not found:
            continue
        at, labels, rows = found[-1]
        col = [r[labels.index(label)] for r in rows]
        for word, printed, true in (("min", m.group(2), min(v for v, _ in col)), ("max", m.group(3), max(v for v, _ in col))):
            ok = abs(float(printed) - true) <= number_band(printed)
            results.append(Result(k, f"{word} of {label} in the dataset at line {at}", printed, true, OK if ok else SLIP,
                                  "" if ok else f"the dataset's {word} is {true:g}", (k, *(l for _, l in col))))
    return results


def check_normalisation_tables(doc: Document) -> list[Result]:
    results, lines, i = [], doc.lines, 0
    declared: dict[str, tuple[float, float]] = {}
    while i < len(lines):
        if m := _MINMAX_LINE.match(lines[i]):
            declared[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        if not _ARROW_ROW.match(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _ARROW_ROW.match(lines[j]):
            j += 1
        rows = [(_ARROW_PAIR.findall(lines[k]), k + 1) for k in range(i, j)]
        ncols = len(rows[0][0])
        labels = re.findall(r"(\w+)\s*->\s*Normali[sz]ed", lines[i - 1], re.I) if i else []
        if len(labels) != ncols:
            labels = [f"column {c + 1}" for c in range(ncols)]
        # which scaling: the latest "[-1, 1]" or "[0, 1]" the text names before the table
        marks = re.findall(r"\[\s*(-1|0)\s*,\s*1\s*\]", "\n".join(lines[:i]))
        method = ({"-1": "minus-one-to-one", "0": "zero-to-one"}[marks[-1]]) if marks else None
        for c in range(ncols):
            col = [(float(r[c][0]), r[c][1], line) for r, line in rows if len(r) == ncols]
            values = [v for v, _, _ in col]
            lo, hi = declared.get(labels[c], (min(values), max(values)))
            meth = method or ("minus-one-to-one" if any(float(p) < 0 for _, p, _ in col) else "zero-to-one")
            for v, printed, line in col:
                u = 0.5 if hi == lo else (v - lo) / (hi - lo)
                expr = f"({v:g} - {lo:g}) / ({hi:g} - {lo:g})"
                if meth == "minus-one-to-one":
                    u = 0.0 if hi == lo else 2 * u - 1
                    expr += r" \times 2 - 1"
                ok = abs(float(printed) - u) <= number_band(printed) * (1 + 1e-9)
                results.append(Result(line, f"{labels[c]}: {expr}", printed, u, OK if ok else SLIP,
                                      "" if ok else f"{v:g} normalises to {u:.6g}", (line,)))
        i = j
    return results


# --------------------------------------------------------------------------
# against a config

_NAME = re.compile(r"^(s|a|y|\\delta|w|b)_(h|o)((?:\[\d+\])*)(_?new)?$")


def _quantity(head: str):
    """(symbol, side, indices, new) for the document's notation, e.g. w_{h[1][0]}; else None."""
    h = re.sub(r"\s+|\\left|\\right|[{}]", "", head)
    m = _NAME.match(h)
    if not m:
        return None
    idx = [int(x) for x in re.findall(r"\d+", m.group(3))]
    return m.group(1), m.group(2), idx, bool(m.group(4))


def _true_value(trace, sym: str, side: str, idx: list[int], new: bool) -> tuple[float | None, str]:
    L = len(trace.w)
    layer = 0 if side == "h" else L - 1
    try:
        if sym in ("s", "a", "y", "\\delta"):
            if sym == "y" and side != "o":
                return None, "y is the output"
            node = idx[0] if idx else 0
            if len(idx) > 1 or (side == "h" and not idx):
                return None, "cannot tell which node"
            arr = {"s": trace.s, "a": trace.a, "y": trace.a, "\\delta": trace.delta}[sym][layer][0]
            return float(arr[node]), ""
        if sym == "w":
            if side == "h":
                if len(idx) != 2:
                    return None, "cannot tell which weight"
                j, i = idx
                node = j
            else:
                if len(idx) == 1:
                    node, i = 0, idx[0]
                elif len(idx) == 2:
                    node, i = idx
                else:
                    return None, "cannot tell which weight"
            arr = trace.w_new(layer)[0] if new else trace.w[layer][0]
            return float(arr[node, i]), ""
        node = idx[0] if idx else 0
        if side == "h" and not idx:
            return None, "cannot tell which bias"
        arr = trace.b_new(layer)[0] if new else trace.b[layer][0]
        return float(arr[node]), ""
    except IndexError:
        return None, "the config's network has no such node"


class _Traces:
    """The first recorded step of the config, once per activation asked for."""

    def __init__(self, config_path: str):
        from . import config as config_mod

        self.cfg = config_mod.load(config_path)
        self.cache: dict[str, Any] = {}

    @property
    def default(self) -> str:
        acts = set(self.cfg.activations)
        return acts.pop() if len(acts) == 1 else "mixed"

    def get(self, activation: str | None):
        from .run import record

        key = activation or self.default
        if key not in self.cache:
            cfg = self.cfg if key in (self.default, "mixed") else self.cfg.with_activation(key)
            self.cache[key] = record(cfg, policy="first:1")[0]
        return self.cache[key]


def check_config(doc: Document, traces: _Traces, tables: list[Table]) -> list[Result]:
    results = []
    for chain in doc.chains:
        q = _quantity(chain.head)
        if q is None or len(chain.terms) < 2:
            continue
        sym, side, idx, new = q
        last = chain.terms[-1]
        kind = classify(last.text)
        if not kind or kind[0] != "numeric" or not _is_bare_number(kind[1]):
            continue
        computed = any(
            (k := classify(t.text)) and k[0] == "numeric" and not _is_bare_number(k[1]) for t in chain.terms[1:]
        )
        if sym in ("w", "b") and (computed or new):
            new = True  # a weight worked out by the update rule is the new weight
        act = chain.activation or traces.default
        true, why = _true_value(traces.get(chain.activation), sym, side, idx, new)
        printed = _printed(last, kind[1])
        label = f"{_squash(chain.head)}{' after the update' if sym in ('w', 'b') and new else ''} ({act})"
        span = (chain.terms[0].line, last.line)
        if true is None:
            results.append(Result(last.line, label, printed, None, MISMATCH, why, span))
            continue
        ok = abs(float(printed) - true) <= number_band(printed) * (1 + 1e-9)
        results.append(Result(last.line, label, printed, true, OK if ok else MISMATCH,
                              "" if ok else f"the config's value rounds to {true:.{_decimals(printed)}f}", span))
    for table in tables:
        if [_norm(h).lower() for h in table.header] not in (["iteration", "loss"], ["epoch", "loss"]):
            continue
        k = bisect.bisect_left([c.start for c in doc.chains], _offset_of_line(doc, table.line)) - 1
        act = doc.chains[k].activation if k >= 0 else None
        trace = traces.get(act)
        rows = table.rows or [table.cells[i : i + 2] for i in range(0, len(table.cells) - 1, 2)]
        for row in rows:
            if len(row) != 2 or not re.fullmatch(r"\d+", row[0][0]):
                continue
            it, (printed, line) = int(row[0][0]), row[1]
            if it < trace.epochs:
                true = float(trace.epoch_loss[it])
            elif it == trace.epochs:
                true = float(trace.final_loss)
            else:
                results.append(Result(line, f"loss at iteration {it}", printed, None, MISMATCH,
                                      f"the config trains {trace.epochs} epochs", (row[0][1], line)))
                continue
            ok = abs(float(printed) - true) <= number_band(printed) * (1 + 1e-9)
            results.append(Result(line, f"loss at iteration {it} ({act or traces.default})", printed, true,
                                  OK if ok else MISMATCH,
                                  "" if ok else f"the config's loss rounds to {true:.{_decimals(printed)}f}",
                                  (row[0][1], line)))
    return results


def _decimals(printed: str) -> int:
    return len(printed.partition(".")[2])


def _offset_of_line(doc: Document, line: int) -> int:
    return sum(len(l) + 1 for l in doc.lines[: line - 1])


# --------------------------------------------------------------------------
# the whole document


def verify_text(path: str, text: str, config: str | None = None, traces: _Traces | None = None) -> Report:
    doc = parse_document(path, text)
    tables = find_tables(doc)
    results = check_chains(doc)
    for t in tables:
        results.extend(check_gd_table(doc, t) or [])
    results.extend(check_normalisation_tables(doc))
    results.extend(check_minmax_lines(doc))
    if config is not None or traces is not None:
        results.extend(check_config(doc, traces or _Traces(config), tables))
    results.sort(key=lambda r: r.line)
    return Report(path, results, config is not None or traces is not None)


def verify_file(path: str | Path, config: str | None = None) -> Report:
    """Check one document (and, with ``config``, its named numbers against that config)."""
    return verify_text(str(path), files.read_text(path), config)


# --------------------------------------------------------------------------
# output


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_report(report: Report, everything: bool = False) -> str:
    shown = [r for r in report.results if everything or r.verdict in FAILING]
    unparsed = [r for r in report.results if r.verdict == UNPARSED]
    out = [report.file]
    if shown:
        rows = [("line", "expression", "printed", "recomputed", "verdict")]
        for r in shown:
            if r.verdict == UNPARSED:
                continue
            rows.append((str(r.line), _clip(r.expression, 56), r.printed or "", _fmt(r.recomputed, r.printed), r.verdict))
        widths = [max(len(row[c]) for row in rows) for c in range(5)]
        for row in rows:
            out.append("  " + "  ".join(
                cell.rjust(w) if c in (0, 2, 3) else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))
            ).rstrip())
        notes = [r for r in shown if r.verdict in FAILING and r.note]
        if notes:
            out.append("  notes:")
            out.extend(f"    line {r.line}: {r.note}" for r in notes)
    if unparsed:
        out.append(f"  not parsed ({len(unparsed)}, counted, not checked):")
        out.extend(f"    line {r.line}: {_clip(r.expression, 56)}  ({r.note})" for r in unparsed)
    checked = len(report.results) - len(unparsed)
    slips, mism = report.count(SLIP), report.count(MISMATCH)
    summary = (f"  {checked} checks on {len(report.evaluated_lines)} lines: {report.count(OK)} ok, "
               f"{slips} slip{'s' if slips != 1 else ''}")
    if report.with_config:
        summary += f", {mism} mismatch{'es' if mism != 1 else ''} with the config"
    summary += f"; {len(unparsed)} not parsed"
    out.append(summary)
    return "\n".join(out)


def main(args) -> int:
    docs = list(args.docs)
    json_path = getattr(args, "json", None)
    if json_path and json_path != "-":
        files.check_not_input([json_path], docs + ([args.config] if args.config else []))
    texts = [(d, files.read_text(d)) for d in docs]  # every input read before anything is written
    traces = _Traces(args.config) if args.config else None
    reports = [verify_text(d, t, traces=traces) for d, t in texts]
    if json_path:
        payload = json.dumps([r.to_json(rep.file) for rep in reports for r in rep.results], indent=1) + "\n"
        if json_path == "-":
            sys.stdout.write(payload)
        else:
            files.atomic_write(json_path, payload)
    if json_path != "-":
        print("\n\n".join(format_report(rep, getattr(args, "all", False)) for rep in reports))
    bad = sum(len(rep.failures) for rep in reports)
    if bad:
        where = ", ".join(f"{rep.file} ({len(rep.failures)})" for rep in reports if rep.failures)
        raise CheckFailed(f"{bad} number{'s' if bad != 1 else ''} disagree: {where}")
    return 0
