"""``mlptrace verify``: re-check the numbers of a Markdown or LaTeX document.

Pipeline: find the math (``$$ ... $$``, ``\\[ ... \\]``, display environments,
``\\begin{aligned}`` rows split at ``\\\\``, inline ``$ ... $``), cut it into
chains of equalities, and check every step whose two sides are numbers
(:mod:`tracer.verify.arith` reads them).  Tables are checked where their columns
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
import itertools
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from tracer.config import files
from tracer.verify.arith import (
    Bin,
    Call,
    Evaluator,
    EvalError,
    Interval,
    Mat,
    Neg,
    Num,
    classify,
    diff,
    is_matrix,
    make_num,
    number_band,
    range_error,
    uses_f,
    variables,
)

__all__ = ["Result", "Report", "verify_file", "verify_text", "format_report"]

OK, SLIP, MISMATCH, UNPARSED = "ok", "slip", "mismatch", "unparsed"
FAILING = (SLIP, MISMATCH)


@dataclass
class Result:
    """One checked step, table cell or named value."""

    line: int
    expression: str
    printed: str | None
    recomputed: float | list[list[float]] | None  # a matrix step recomputes a matrix
    verdict: str  # ok | slip | mismatch | unparsed
    note: str = ""
    lines: tuple[int, ...] = field(default=(), repr=False)  # every line the check read

    def to_json(self, file: str) -> dict[str, Any]:
        d = asdict(self)
        del d["lines"]
        d["recomputed"] = _finite_or_none(d["recomputed"])
        return {"file": file, **d}


def _finite_or_none(x):
    """A value for strict JSON: a config's diverged run can hold NaN or an infinity, which JSON cannot."""
    if isinstance(x, list):
        return [_finite_or_none(v) for v in x]
    return x if x is None or math.isfinite(x) else None


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
    more: list[str] = field(default_factory=list, repr=False)  # rows that continue it, joined once at the end


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
_INNER = re.compile(  # environments inside math, except matrices (their rows are not equations)
    r"\\begin\{(?![pbBvV]?matrix\})[A-Za-z*]+\}(?:\{[^{}]*\})?|\\end\{(?![pbBvV]?matrix\})[A-Za-z*]+\}|\\label\{[^{}]*\}|\\tag\*?\{[^{}]*\}|\\nonumber|\\notag"
)
_SEPARATOR = re.compile(
    r"\\q?quad\s*(?:\\text\{\s*(?:or|and)\s*\}|\b(?:or|and)\b)\s*\\q?quad|[,;]\s*\\q?quad"
)
_EQUAL = re.compile(r"=|\\approx(?![A-Za-z])|\\simeq(?![A-Za-z])|\u2248")
_BREAK = re.compile(
    r"<|>|\\(?:le|leq|ge|geq|ne|neq|lt|gt|to|rightarrow|Rightarrow|longrightarrow|implies|iff|mapsto)(?![A-Za-z])"
)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace each text[start:end] by spaces, keeping newlines (so offsets and lines stay put).

    One pass for all the spans (in order, not overlapping): blanking them one
    at a time would copy the whole document once per span.
    """
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], re.sub(r"[^\n]", " ", text[start:end])]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _fences(text: str) -> Iterable[tuple[int, int]]:
    """The fenced code blocks, as ``^([ \\t]*)(```+|~~~+)[^\\n]*\\n.*?^[ \\t]*\\2[^\\n]*$`` (re.M, re.S) finds them.

    That regex, when a fence of r backticks is not closed, tries r, r - 1, ... 3
    and reads to the end of the document each time.  Here: the fence used is the
    longest the lines below can close, min(r, the longest fence below), closed by
    the first line below with a fence at least that long; one pass over the lines.
    """
    lines = text.split("\n")
    runs = []  # (fence character, length) at the start of each line, after spaces and tabs
    for line in lines:
        body = line.lstrip(" \t")
        c = body[:1]
        runs.append((c, len(body) - len(body.lstrip(c))) if c in ("`", "~") else ("", 0))
    longest_below = {"`": [0] * (len(lines) + 1), "~": [0] * (len(lines) + 1)}
    for k in range(len(lines) - 1, -1, -1):
        for c, below in longest_below.items():
            below[k] = max(below[k + 1], runs[k][1] if runs[k][0] == c else 0)
    starts = [0] + list(itertools.accumulate(len(line) + 1 for line in lines))
    i = 0
    while i < len(lines) - 1:  # the last line has no newline after it, so opens nothing
        c, r = runs[i]
        m = min(r, longest_below[c][i + 1]) if r >= 3 else 0
        if m < 3:
            i += 1
            continue
        j = i + 1
        while not (runs[j][0] == c and runs[j][1] >= m):
            j += 1
        yield starts[i], starts[j] + len(lines[j])
        i = j + 1


def _code_spans(text: str) -> Iterable[tuple[int, int]]:
    """The inline code spans, as ``(`+)[^`\\n].*?\\1`` finds them, in time linear in the text.

    That regex retries inside a run of backticks it could not close, and each
    try reads to the end of the line: quadratic on a line of ever shorter runs.
    From a run of r backticks it fails for r, r - 1, ... until some later run on
    the line is that long; so the span starts max(r - M, 0) into the run, M the
    longest later run, and ends in the first later run at least that long.
    """
    base = 0
    for line in text.split("\n"):
        runs = [(m.start(), m.end() - m.start()) for m in re.finditer(r"`+", line)]
        longest_after = [0] * (len(runs) + 1)
        for k in range(len(runs) - 1, -1, -1):
            longest_after[k] = max(runs[k][1], longest_after[k + 1])
        i, part = 0, None  # part: what is left of run i after a span ended inside it
        while i < len(runs):
            p, r = part or runs[i]
            part = None
            m = min(r, longest_after[i + 1])
            if p + r >= len(line) or m == 0:  # nothing after the run, or no run after it
                i += 1
                continue
            j = i + 1
            while runs[j][1] < m:
                j += 1
            yield base + p + r - m, base + runs[j][0] + m
            if runs[j][1] > m:
                part, i = (runs[j][0] + m, runs[j][1] - m), j
            else:
                i = j + 1
        base += len(line) + 1


def _hide_code_and_comments(text: str, latex: bool) -> str:
    if latex:
        # % starts a comment unless escaped
        return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)
    out = _blank(text, _fences(text))
    return _blank(out, list(_code_spans(out)))


def math_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, display) of the content of every math span, in order."""
    spans = []
    i = 0
    # Each closer is looked for once per occurrence: where the last search for
    # it found it (or that there is none) still holds for a later opener, so
    # 200,000 unclosed \[ do not each read the rest of the document.
    found: dict[str, tuple[int, int]] = {}  # closer -> (searched from, found at or -1)

    def find(close: str, start: int) -> int:
        hit = found.get(close)
        if hit is not None and hit[0] <= start and (hit[1] < 0 or hit[1] >= start):
            return hit[1]
        at = text.find(close, start)
        found[close] = (start, at)
        return at

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
            end = find(close, m.end())
        if end < 0 or end == m.end():
            i = m.end()
            continue
        spans.append((m.end(), end, display))
        i = end + len(close)


# What changes the depth: an escaped bracket (which does not), \begin{..} and \end{..}, a bracket.
_STRUCTURE = re.compile(r"\\[{}()\[\]]|\\(begin|end)\{[^{}]*\}|[{}()\[\]]")


def _next_split(pattern: re.Pattern[str], text: str, i: int) -> re.Match[str] | None:
    m = pattern.search(text, i)
    while m is not None and m.end() == m.start():  # an empty match splits nothing
        m = pattern.search(text, m.start() + 1) if m.start() < len(text) else None
    return m


def _depth_split(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """Split at matches of ``pattern`` outside braces and brackets; (start, end, separator before).

    It jumps from one bracket or separator to the next, each found by a regex
    search and kept until it is passed (a search again per bracket would read
    to a far separator each time): stepping through every character in Python,
    four times per span, made a 1 MB span take many seconds.
    """
    pieces, depth, start, sep, i, n = [], 0, 0, "", 0, len(text)
    brace = split = None  # the next bracket (or \begin, \end) and the next split at or after i
    brace_from = split_from = n + 1  # where each was searched from (None found: none after there)
    while i < n:
        if not (brace_from <= i and (brace is None or brace.start() >= i)):
            brace, brace_from = _STRUCTURE.search(text, i), i
        if depth == 0:
            if not (split_from <= i and (split is None or split.start() >= i)):
                split, split_from = _next_split(pattern, text, i), i
            if split is not None and split.start() < (brace.start() if brace else n):
                pieces.append((start, split.start(), sep))
                sep, start, i = split.group(0), split.end(), split.end()
                continue
        if brace is None:
            break
        token = brace.group(0)
        if brace.group(1):
            depth = depth + 1 if brace.group(1) == "begin" else max(depth - 1, 0)
        elif len(token) == 1:
            depth = depth + 1 if token in "{([" else max(depth - 1, 0)
        i = brace.end()
    pieces.append((start, n, sep))
    return pieces


_ROW = re.compile(r"\\\\(?:\[[^\]]*\])?")
_OPERATOR_START = re.compile(r"(?:\\q?quad\b|\{\s*\}|\s)*(?:[+-]|\\cdot\b|\\times\b)")
_OPERATOR_END = re.compile(r"(?:[+-]|\\cdot|\\times)\s*$")
_RELATION = re.compile(_EQUAL.pattern + "|" + _BREAK.pattern)


class _Lines:
    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


_MATRIX_EDGE = re.compile(r"\\(begin|end)\{[pbBvV]?matrix\}")


def _clean_term(text: str) -> str:
    # alignment & goes; a matrix (from a \begin to the first \end after it) keeps the & between its entries.
    # Found by one scan: a lazy regex to the \end reads the rest of the term per unclosed \begin.
    pieces, at, inside = [], 0, None
    for m in _MATRIX_EDGE.finditer(text):
        if inside is None and m.group(1) == "begin":
            inside = m.start()
        elif inside is not None and m.group(1) == "end":
            pieces += [text[at:inside].replace("&", " "), text[inside : m.end()]]
            at, inside = m.end(), None
    pieces.append(text[at:].replace("&", " "))
    text = "".join(pieces).strip()
    # sentence punctuation at the end (the text ends there: "0.5." -> "0.5"); rstrip, not a
    # regex anchored at $, which is tried at every comma of a long run
    return text.rstrip(".,;:").strip()


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
                    end = off - lead + len(raw.rstrip(" \t\n&")) - 1
                    term = Term(text, line_of(off), line_of(max(end, off)), off)
                    first = k == 0
                    if first and text and si == 0 and pi == 0 and current and current.terms and (
                        (len(pieces) == 1 and _OPERATOR_START.match(text))
                        or _OPERATOR_END.search((current.terms[-1].more or [current.terms[-1].text])[-1])
                    ):
                        # a long term broken over rows: "&\quad {} + 0.81 \cdot 0.96 + ...";
                        # the rows are joined when the span is read, not once per row (quadratic)
                        last = current.terms[-1]
                        last.more.append(text)
                        last.last_line = term.last_line
                    elif first:
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
    for c in chains:
        for t in c.terms:
            if t.more:
                t.text, t.more = " ".join([t.text, *t.more]), []
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
    line_starts: list[int] = field(default_factory=list)
    marks: tuple[list[int], list[str | None]] = ((), ())  # where the prose names an activation
    math_lines: set[int] = field(default_factory=set)  # lines inside display math
    # indexes built once per document (captions, named ranges, layers, definitions): looked
    # up per table, never searched for again from each table
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def activation_at(self, line: int) -> str | None:
        """The activation the prose last named before ``line``."""
        offsets, names = self.marks
        k = bisect.bisect_left(offsets, self.line_starts[line - 1]) - 1
        return names[k] if k >= 0 else None


def parse_document(path: str, text: str) -> Document:
    latex = Path(path).suffix.lower() in (".tex", ".latex", ".ltx")
    visible = _hide_code_and_comments(text, latex)
    line_of = _Lines(visible)
    spans = math_spans(visible)
    chains: list[Chain] = []
    prose = _blank(visible, ((start, end) for start, end, _ in spans))
    math_lines: set[int] = set()
    for start, end, display in spans:
        chains.extend(chains_in(visible[start:end], start, line_of))
        if display:
            math_lines.update(range(line_of(start) - 1, line_of(end) + 2))  # with the $$ lines
    offsets, names = _activation_marks(prose, line_of)
    for c in chains:
        k = bisect.bisect_left(offsets, c.start) - 1
        c.activation = _chain_activation(c) or (names[k] if k >= 0 else None)
    return Document(path, text, visible.split("\n"), chains, line_of.starts, (offsets, names), math_lines)


# --------------------------------------------------------------------------
# checking chains


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_bare_number(tree) -> bool:
    """A number as printed; \\pi is a Num too, but with no digits printed it is a value to compute."""
    num = tree.x if isinstance(tree, Neg) else tree
    # "- -0.0836" negates a signed number: computed, not printed as one number
    return isinstance(num, Num) and bool(num.text) and not (num is not tree and num.text.startswith("-"))


def _bare_text(tree) -> str:
    num = tree if isinstance(tree, Num) else tree.x
    return ("-" if isinstance(tree, Neg) else "") + num.text


def _band(tree) -> Interval:
    """A printed result: half a unit of its last digit either side."""
    return Interval.of(float(_bare_text(tree)), number_band(_bare_text(tree).lstrip("-")))


def _value(tree, activation: str | None):
    """A term as an interval (or a matrix of them); printed results keep their rounding band."""
    if _is_bare_number(tree):
        return _band(tree)
    if isinstance(tree, Mat) and all(_is_bare_number(x) for row in tree.rows for x in row):
        return tuple(tuple(_band(x) for x in row) for row in tree.rows)
    return Evaluator(activation)(tree)


def _printed(term: Term, tree) -> str:
    """What the document printed: the number itself when the term is one, else the term."""
    if _is_bare_number(tree):
        return _bare_text(tree)
    if isinstance(tree, Mat) and all(_is_bare_number(x) for row in tree.rows for x in row):
        return "[" + "; ".join(", ".join(_bare_text(x) for x in row) for row in tree.rows) + "]"
    return _squash(term.text)


def _fmt(x, printed: str | None) -> str:
    """A recomputed value with two digits more than the printed one."""
    if x is None:
        return ""
    if isinstance(x, list):
        return "[" + "; ".join(", ".join(f"{v:.6g}" for v in row) for row in x) + "]"
    x = x + 0.0  # no "-0.000"
    if x == 0:
        x = 0.0
    if printed and re.fullmatch(r"-?\d+(\.\d+)?", printed):
        return f"{x:.{len(printed.partition('.')[2]) + 2}f}"
    return f"{x:.6g}"


def _compare(a, b) -> tuple[bool, str]:
    """Whether a recomputed value (or matrix) can equal a printed one; a note when not."""
    if not is_matrix(a) and not is_matrix(b):
        return (True, "") if a.overlaps(b) else (False, _slip_note(a, b))
    if not (is_matrix(a) and is_matrix(b)) or (len(a), len(a[0])) != (len(b), len(b[0])):
        return False, "a matrix and a value of another shape"
    for i, (ra, rb) in enumerate(zip(a, b)):
        for j, (x, y) in enumerate(zip(ra, rb)):
            if not x.overlaps(y):
                return False, f"entry ({i + 1}, {j + 1}): {_slip_note(x, y)}"
    return True, ""


def _mids(v):
    return [[x.mid for x in row] for row in v] if is_matrix(v) else v.mid


def check_chains(doc: Document) -> list[Result]:
    """Every numeric term against the numeric term before it in its chain."""
    results = []
    for chain in doc.chains:
        if len(chain.terms) < 2:
            continue
        prev = prev_formula = None
        for term in chain.terms:
            kind = classify(term.text)
            span = tuple(range(term.line, term.last_line + 1))
            if kind and kind[0] == "symbolic" and _is_formula(kind[1]):
                if prev_formula is not None and not _alternatives(prev_formula[0], term):
                    results.extend(_check_identity(prev_formula, (term, kind[1]), span))
                prev_formula = (term, kind[1])
                continue
            if kind is None or kind[0] == "symbolic":
                continue
            if kind[0] == "unparsed":
                results.append(Result(term.line, _squash(term.text), None, None, UNPARSED, kind[1], span))
                continue
            tree = kind[1]
            notes = []
            if uses_f(tree):
                if chain.activation is None:
                    results.append(Result(term.line, _squash(term.text), None, None, UNPARSED,
                                          "f is the activation in use; neither this chain nor the text before it says which", span))
                    continue
                notes.append(f"f read as {chain.activation}")
            try:
                value = _value(tree, chain.activation)
            except EvalError as exc:
                results.append(Result(term.line, _squash(term.text), None, None, UNPARSED, str(exc), span))
                continue
            if prev is not None and not _alternatives(prev[0], term):
                a_term, a_val = prev
                ok, why = _compare(a_val, value)
                if _SIGNED_POWER.search(a_term.text):
                    notes.append("-c^k read as (-c)^k, the substituted value to the power")
                results.append(Result(
                    term.line, _squash(a_term.text), _printed(term, tree), _mids(a_val), OK if ok else SLIP,
                    "; ".join(notes + ([] if ok else [why])),
                    tuple(range(a_term.line, a_term.last_line + 1)) + span,
                ))
            prev = (term, value)
    return results


# "... \ for \ sigmoid = ... \quad for \ tanh": two cases side by side, not an equality.
# A case word after \quad, \qquad, "\ " or \text{, with spaces and "\ " between, as the regex
# (?:\\q?quad|\\ |\\text\{)\s*(?:\\ \s*)*(?:for|if|when|otherwise)\b says; but searched for from
# each case word back: the regex, tried from every "\ " of a long run of them, reads to the run's end each time.
_CASE_WORD = re.compile(r"(?=(?:for|if|when|otherwise)\b)")


def _names_a_case(text: str) -> bool:
    for m in _CASE_WORD.finditer(text):
        k, spacer = m.start(), False
        while k > 0:
            if text[k - 1] == " " and k >= 2 and text[k - 2] == "\\":
                k, spacer = k - 2, True
            elif text[k - 1].isspace():
                k -= 1
            else:
                break
        if spacer or text.endswith(("\\quad", "\\qquad", "\\text{"), 0, k):
            return True
    return False


def _alternatives(a: Term, b: Term) -> bool:
    return _names_a_case(a.text) or _names_a_case(b.text)


# Symbols that are operators, not quantities: a formula holding one is not evaluated.
_OPERATOR_SYMBOLS = {"\\partial", "\\nabla", "\\sum", "\\prod", "\\int", "\\cdots", "\\ldots", "\\dots", "\\lim"}
_SAMPLES = (0.37, 0.81, 1.42)  # where two formulas in the same variables must agree


def _is_formula(tree) -> bool:
    """A formula whose every symbol is a variable (no f, no d/dx, no sum) can be evaluated at sample points."""
    if tree is None or uses_f(tree) or isinstance(tree, Mat):
        return False
    return not any(v.split("_")[0] in _OPERATOR_SYMBOLS for v in variables(tree))


def _check_identity(a: tuple[Term, Any], b: tuple[Term, Any], span: tuple[int, ...]) -> list[Result]:
    """A step between two formulas in the same variables: both sides must agree wherever they are evaluated."""
    (a_term, a_tree), (b_term, b_tree) = a, b
    names = sorted(variables(a_tree))
    if set(names) != variables(b_tree):
        return []
    values = []
    for p, x in enumerate(_SAMPLES):
        env = {v: Interval.of(x + 0.29 * ((p + i) % 3)) for i, v in enumerate(names)}
        try:
            left, right = Evaluator(env=env)(a_tree), Evaluator(env=env)(b_tree)
        except EvalError:
            return []
        if is_matrix(left) or is_matrix(right):
            return []
        values.append((env, left, right))
    bad = [(env, l, r) for env, l, r in values if not l.overlaps(r)]
    note = f"the same formula in {', '.join(names)}: checked at {len(values)} points"
    if bad:
        env, l, r = bad[0]
        at = ", ".join(f"{v} = {i.mid:g}" for v, i in env.items())
        note = f"the two sides differ at {at}: {l.mid:.6g} and {r.mid:.6g}"
    return [Result(b_term.line, _squash(a_term.text), _squash(b_term.text), None,
                   SLIP if bad else OK, note, tuple(range(a_term.line, a_term.last_line + 1)) + span)]


_SIGNED_POWER = re.compile(r"(?:^|[-+(]|\\cdot|\\times)\s*-\s*\d[\d.]*\s*\^")


def _slip_note(recomputed: Interval, printed: Interval) -> str:
    if recomputed.lo == recomputed.hi:
        return f"{recomputed.mid:.7g} is outside the printed value's rounding, {printed.lo:.7g}..{printed.hi:.7g}"
    return f"the inputs as printed allow only {recomputed.lo:.7g}..{recomputed.hi:.7g}"


# --------------------------------------------------------------------------
# tables

_NUMBER_TEXT = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_NUM_CELL = re.compile(rf"^\s*({_NUMBER_TEXT})\s*$")


def _num_cell(text: str) -> re.Match[str] | None:
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
        return [c.strip().strip("$").strip() for c in s.strip().strip("|").split("|")]

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
        if lines[i].strip().startswith("|") and "-" in nxt and re.fullmatch(r"[\s:|-]+", nxt):
            rows, j = [], i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
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
        while k < len(lines) and (_num_cell(lines[k]) or lines[k].strip() in ("...", "\u2026", r"\vdots")):
            if _num_cell(lines[k]):
                cells.append((lines[k].strip(), k + 1))
            k += 1
        if len(header) >= 2 and len(cells) >= len(header):
            tables.append(Table(header, cells, None, i + 1, _caption(doc, i)))
            i = k
            continue
        i = max(j, i + 1)
    return tables


def _norm(cell: str) -> str:
    return re.sub(r"\s+|\\left|\\right|\\,|\\mathbf|\\boldsymbol", "", cell)


def _cell_value(cell: Cell) -> Interval:
    """A printed table entry: half a unit of its last digit either side."""
    return Interval.of(float(cell[0]), number_band(cell[0].lstrip("-")))


def _cell_result(cell: Cell, recomputed: Interval, expression: str, used: Iterable[int], note: str = "") -> Result:
    ok, why = _compare(recomputed, _cell_value(cell))
    return Result(cell[1], expression, cell[0], recomputed.mid, OK if ok else SLIP,
                  note if ok else "; ".join(filter(None, [note, why])), (cell[1], *used))


# gradient-descent tables: x, \nabla f(x), x_{new}, ..., f(x, y)

def _gd_columns(header: list[str]) -> dict[str, Any] | None:
    """Column of each role in a gradient-descent table, or None when it is not one."""
    roles: dict[str, Any] = {"var": {}, "grad": {}, "new": {}, "f": None}
    for i, h in enumerate(header):
        h = _norm(h)
        if m := re.fullmatch(r"([a-z])", h):
            roles["var"][m.group(1)] = i
        elif m := re.fullmatch(r"\\nablaf\(([a-z])\)|\\frac\{\\partialf\}\{\\partial([a-z])\}|\\partialf/\\partial([a-z])", h):
            roles["grad"][next(g for g in m.groups() if g)] = i
        elif m := re.fullmatch(r"([a-z])_\{?(?:\\text\{)?new\}?\}?", h):
            roles["new"][m.group(1)] = i
        elif re.fullmatch(r"f\(([a-z],?)+\)", h):
            roles["f"] = i
        elif h.lower() not in ("step", "k", "iteration", "i", "n"):
            return None
    vs = roles["var"]
    if not vs or set(vs) != set(roles["grad"]) or set(vs) != set(roles["new"]):
        return None
    return roles


def _definitions(doc: Document, before_line: int):
    """The latest f(x, ...) = expression and eta = number the document gives before a line."""
    if "definitions" not in doc.cache:
        # the definitions in force after each chain, found in one pass: read again for
        # every gradient-descent table, they take quadratic time
        lines, states, f_def, eta = [], [], None, None
        for c in doc.chains:
            f_def, eta = _definition(c, f_def, eta)
            lines.append(max(c.terms[0].line, lines[-1] if lines else 0))  # the chains before a line
            states.append((f_def, eta))
        doc.cache["definitions"] = lines, states
    lines, states = doc.cache["definitions"]
    k = bisect.bisect_left(lines, before_line)
    return states[k - 1] if k else (None, None)


def _definition(c: Chain, f_def, eta):
    """f(x, ...) and eta after one chain."""
    head = _norm(c.head)
    if m := re.fullmatch(r"f\(([a-z](?:,[a-z])*)\)", head):
        names = set(m.group(1).split(","))
        for t in c.terms[1:]:
            kind = classify(t.text)
            if kind and kind[0] == "symbolic" and kind[1] is not None and variables(kind[1]) <= names:
                f_def = kind[1]
                break
    elif head == r"\eta":
        for t in c.terms[1:]:
            kind = classify(t.text)
            if kind and kind[0] == "numeric" and _is_bare_number(kind[1]):
                eta = kind[1]
    return f_def, eta


def check_gd_table(doc: Document, table: Table) -> list[Result]:
    """x_new = x - eta * grad, grad = the derivative of f, f at the new point, x carried to the next row."""
    roles = _gd_columns(table.header)
    if roles is None:
        return []
    names = sorted(roles["var"], key=lambda v: roles["var"][v])
    n = len(table.header)
    has_f = roles["f"] is not None

    def row_of(cells: list[Cell]) -> dict[str, Cell]:
        row = {v: cells[roles["var"][v]] for v in names}
        for v in names:
            row["grad " + v], row["new " + v] = cells[roles["grad"][v]], cells[roles["new"][v]]
        if has_f:
            row["f"] = cells[roles["f"]]
        return row

    start, rows = None, []
    if table.rows is None:  # one cell per line: a short first row is the start (x, y, f(x, y))
        cells, lead = table.cells, len(table.cells) % n
        if lead:
            if lead != len(names) + has_f:
                return [Result(table.line, "gradient-descent table", None, None, UNPARSED,
                               f"{len(cells)} numbers do not fill rows of {n} columns", (table.line,))]
            start = {v: cells[k] for k, v in enumerate(names)} | ({"f": cells[lead - 1]} if has_f else {})
            cells = cells[lead:]
        rows = [row_of(cells[k : k + n]) for k in range(0, len(cells), n)]
    else:
        for k, cells in enumerate(table.rows):
            if len(cells) != n:
                return [Result(cells[0][1], "gradient-descent table row", None, None, UNPARSED,
                               f"{len(cells)} cells, expected {n}", (cells[0][1],))]
            row = row_of(cells)
            if k == 0 and all(not row["grad " + v][0] for v in names):
                start = {key: c for key, c in row.items() if c[0]}
            else:
                rows.append(row)
    if any(not _num_cell(c[0]) for row in rows + [start or {}] for c in row.values()):
        return [Result(table.line, "gradient-descent table", None, None, UNPARSED, "a cell is not a number",
                       (table.line,))]
    f_def, eta = _definitions(doc, table.line)
    results: list[Result] = []

    def f_at(point: dict[str, Cell], cell: Cell, where: str) -> None:
        try:
            value = Evaluator(env={v: _cell_value(point[v]) for v in names})(f_def)
        except EvalError:
            return
        results.append(_cell_result(cell, value, f"f({', '.join(point[v][0] for v in names)}) {where}",
                                    [point[v][1] for v in names]))

    if start is not None and has_f and f_def is not None and "f" in start:
        f_at(start, start["f"], "at the start")
    prev = {v: start[v] for v in names} if start is not None else None
    for row in rows:
        env = {v: _cell_value(row[v]) for v in names}
        for v in names:
            x, g, x1 = row[v], row["grad " + v], row["new " + v]
            if prev is not None:
                results.append(_cell_result(x, _cell_value(prev[v]), f"{v} carried from line {prev[v][1]}", [prev[v][1]]))
            if f_def is not None:
                try:
                    grad = Evaluator(env=env)(diff(f_def, v))
                    at = ", ".join(row[u][0] for u in names)
                    results.append(_cell_result(g, grad, f"\\nabla f({v}) at ({at})", [row[u][1] for u in names]))
                except EvalError:
                    pass
            if eta is not None:
                expression = f"{x[0]} - {_bare_text(eta)} \\cdot {g[0]}"
                try:
                    update = Evaluator()(Bin("-", _cell_num(x), Bin("*", eta, _cell_num(g))))
                except EvalError as exc:  # 1e308 - 10 \cdot 1e308 overflows
                    results.append(Result(x1[1], expression, x1[0], None, UNPARSED, str(exc), (x1[1], x[1], g[1])))
                else:
                    results.append(_cell_result(x1, update, expression, [x[1], g[1]]))
        if has_f and f_def is not None:
            f_at({v: row["new " + v] for v in names}, row["f"], "at the new point")
        prev = {v: row["new " + v] for v in names}
    return results


def _cell_num(cell: Cell) -> Num:
    text = cell[0]
    return make_num(text.lstrip("-"), negative=text.startswith("-"))


# normalisation: "i0 -> Normalized" tables of "70 -> 1.0" rows, pipe tables of
# (label, normalised) column pairs, and "value | min | max | fed in" rows (mlptrace's; once "fed to the network")

# Each number is an atomic group: without one, "1->111->111->..." lets every
# number give digits to the next, and a line that is no row takes exponential time.
_ARROW_ROW = re.compile(rf"^\s*(?:(?>{_NUMBER_TEXT})\s*->\s*(?>{_NUMBER_TEXT})\s*)+$")
_ARROW_PAIR = re.compile(rf"({_NUMBER_TEXT})\s*->\s*({_NUMBER_TEXT})")


def _arrow_row(line: str) -> bool:
    return bool(_ARROW_ROW.match(line)) and all(
        range_error(x) is None for pair in _ARROW_PAIR.findall(line) for x in pair)
_MINMAX_LINE = re.compile(rf"^\s*(\w+)\s*->\s*Min:\s*({_NUMBER_TEXT})\s*,\s*Max:\s*({_NUMBER_TEXT})\s*$", re.I)
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
    return _cell_result(cell, Interval.of(u), expr, ())


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
            method = _scaling(doc, t.line, [r[fed][0] for r in t.rows if _num_cell(r[fed][0])])
            for r in t.rows:
                if all(_num_cell(r[k][0]) for k in (vk, lk, hk, fed)):
                    label = r[0][0] if r[0][0] and not _num_cell(r[0][0]) else "value"
                    results.append(_normalise_result(float(r[vk][0]), float(r[lk][0]), float(r[hk][0]),
                                                     method, r[fed], label))
            continue
        pairs = [(k, h[k]) for k in range(0, len(h) - 1, 2) if _SCALED.search(h[k + 1]) and not _SCALED.search(h[k])]
        if t.rows and pairs and len(pairs) * 2 == len(h):
            for k, label in pairs:
                cells = [(float(r[k][0]), r[k + 1]) for r in t.rows
                         if len(r) == len(h) and _num_cell(r[k][0]) and _num_cell(r[k + 1][0])]
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
                if len(cells) != len(labels) or not all(_num_cell(c) for c in cells):
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
            results.append(_cell_result((printed, k), Interval.of(true), f"{word} of {label} in the dataset at line {at}",
                                        [l for _, l in col]))
    return results


# node tables: | node | s_{h_{1}} | a_{h_{1}} | -> a = f(s) in every row

def _layer_activation(doc: Document, layer: str, line: int) -> str | None:
    """The activation of a layer ('h', 'h1', 'o'): what its chains a_{h[j]} = \\sigma(...) use, else the prose."""
    if "layers" not in doc.cache:  # every chain read once, not once per table
        layers: dict[str, set[str]] = {}
        for c in doc.chains:
            q = _quantity(c.head)
            if q and q[0] in ("a", "y"):
                layers.setdefault(q[1], set()).update(
                    name for name, rx in _ACT_SYMBOLS.items() if any(rx.search(t.text) for t in c.terms))
        doc.cache["layers"] = layers
    found = doc.cache["layers"].get(layer, set())
    if len(found) == 1:
        return next(iter(found))
    return doc.activation_at(line) if not found else None


def _node_columns(table: Table) -> tuple[int, dict[str, str]] | None:
    """The node column and {column: header} of a table indexed by node, else None."""
    h = [_norm(x).lower() for x in table.header]
    if not table.rows or "node" not in h:
        return None
    return h.index("node"), {k: _norm(x) for k, x in enumerate(table.header) if h[k] != "node"}


def check_node_tables(doc: Document, tables: list[Table]) -> list[Result]:
    results = []
    for t in tables:
        nodes = _node_columns(t)
        if nodes is None:
            continue
        _, cols = nodes
        tags: dict[str, dict[str, int]] = {}  # layer -> {"s": column, "a": column}
        for k, h in cols.items():
            q = _quantity(h)
            if q and q[0] in ("s", "a") and not q[2]:
                tags.setdefault(q[1], {})[q[0]] = k
        for tag, ks in tags.items():
            if set(ks) != {"s", "a"}:
                continue
            act = _layer_activation(doc, tag, t.line)
            for r in t.rows:
                s_cell, a_cell = r[ks["s"]], r[ks["a"]]
                if not (_num_cell(s_cell[0]) and _num_cell(a_cell[0])):
                    continue
                if act is None:
                    results.append(Result(a_cell[1], f"a = f(s) for {tag}", a_cell[0], None, UNPARSED,
                                          "the text does not say which activation", (a_cell[1],)))
                    continue
                try:
                    value = Evaluator(act)(Call("f", _cell_num(s_cell)))
                except EvalError as exc:  # "linear" in the prose is no activation f reads
                    results.append(Result(a_cell[1], f"a = f(s) for {tag}", a_cell[0], None, UNPARSED, str(exc),
                                          (a_cell[1],)))
                    continue
                results.append(_cell_result(a_cell, value, f"f({s_cell[0]}) for {tag}", [s_cell[1]], f"f read as {act}"))
    return results


# --------------------------------------------------------------------------
# against a config

_NAME = re.compile(r"^(s|a|y|\\delta|w|b)_(h(?:_?\d+)?|o)((?:\[\d+\])*)(_?new)?$")


def _quantity(head: str):
    """(symbol, layer, indices, new) in the document's notation -- s_{h[0]}, w_{h_{2}[0][6]},
    w_{o[1]}^{\\text{new}} -- else None; layer is 'o', 'h' (the only hidden layer) or 'h<k>' (1-based)."""
    h = re.sub(r"\s+|\\left|\\right|\\mathbf|\\boldsymbol|[{}]", "", head)
    h = re.sub(r"\^\\?(?:text|mathrm)?new$", "_new", h)
    m = _NAME.match(h)
    if not m:
        return None
    idx = [int(x) for x in re.findall(r"\d+", m.group(3))]
    return m.group(1), m.group(2).replace("_", ""), idx, bool(m.group(4))


def _true_value(trace, sym: str, layer: str, idx: list[int], new: bool) -> tuple[float | None, str]:
    n_hidden = len(trace.w) - 1
    if layer == "o":
        l = n_hidden
    elif layer == "h":
        if n_hidden != 1:
            return None, f"the config has {n_hidden} hidden layers; h does not say which"
        l = 0
    else:
        l = int(layer[1:]) - 1
        if not 0 <= l < n_hidden:
            return None, f"the config has no hidden layer {l + 1}"
    try:
        if sym in ("s", "a", "y", "\\delta"):
            if sym == "y" and layer != "o":
                return None, "y is the output"
            if len(idx) > 1 or (layer != "o" and not idx):
                return None, "cannot tell which node"
            arr = {"s": trace.s, "a": trace.a, "y": trace.a, "\\delta": trace.delta}[sym][l][0]
            return float(arr[idx[0] if idx else 0]), ""
        if sym == "w":
            if len(idx) == 2:
                node, i = idx
            elif len(idx) == 1 and layer == "o":
                node, i = 0, idx[0]  # the document's w_{o[i]}: the one output node
            else:
                return None, "cannot tell which weight"
            arr = trace.w_new(l)[0] if new else trace.w[l][0]
            return float(arr[node, i]), ""
        if len(idx) > 1 or (layer != "o" and not idx):
            return None, "cannot tell which bias"
        arr = trace.b_new(l)[0] if new else trace.b[l][0]
        return float(arr[idx[0] if idx else 0]), ""
    except IndexError:
        return None, "the config's network has no such node"


class Traces:
    """The first recorded step of the config, once per activation a passage is about."""

    def __init__(self, config_path: str | None):
        from tracer.config import schema as config_mod

        self.cfg = config_mod.load(config_path)
        self.cache: dict[str, Any] = {}

    def label(self, activation: str | None) -> str:
        return activation or "/".join(dict.fromkeys(self.cfg.activations))

    def get(self, activation: str | None):
        """The config as it is when it uses ``activation`` (or it is None); else with every layer switched to it."""
        from tracer.config.run import record

        key = "" if activation is None or activation in self.cfg.activations else activation
        if key not in self.cache:
            cfg = self.cfg.with_activation(key) if key else self.cfg
            self.cache[key] = record(cfg, policy="first:1")[0]
        return self.cache[key]


def _named_result(traces: Traces, head: str, activation: str | None, cell: Cell, used, force_new=None):
    q = _quantity(head)
    if q is None:
        return None
    sym, layer, idx, new = q
    if force_new is not None and sym in ("w", "b"):
        new = new or force_new
    true, why = _true_value(traces.get(activation), sym, layer, idx, new)
    label = f"{_squash(head)}{' after the update' if sym in ('w', 'b') and new else ''} ({traces.label(activation)})"
    printed, line = cell
    if true is None:
        return Result(line, label, printed, None, MISMATCH, why, tuple(used))
    ok = abs(float(printed) - true) <= number_band(printed.lstrip("-")) * (1 + 1e-9)
    digits = max(-int(math.floor(math.log10(2 * number_band(printed.lstrip("-"))) + 0.5)), 0)
    return Result(line, label, printed, true, OK if ok else MISMATCH,
                  "" if ok else f"the config's value rounds to {true:.{digits}f}", tuple(used))


def check_config(doc: Document, traces: Traces, tables: list[Table]) -> list[Result]:
    """Named values (chains headed s_{h[0]}, w_{o[1]}, ...; node tables; the loss table) against the config's trace."""
    results = []
    for chain in doc.chains:
        last = chain.terms[-1]
        kind = classify(last.text)
        if len(chain.terms) < 2 or not kind or kind[0] != "numeric" or not _is_bare_number(kind[1]):
            continue
        # a weight worked out by the update rule (a computed term in its chain) is the new weight
        computed = any((k := classify(t.text)) and k[0] == "numeric" and not _is_bare_number(k[1])
                       for t in chain.terms[1:])
        r = _named_result(traces, chain.head, chain.activation, (_bare_text(kind[1]), last.line),
                          (chain.terms[0].line, last.line), force_new=computed)
        if r is not None:
            results.append(r)
    for t in tables:
        h = [_norm(x).lower() for x in t.header]
        if h in (["iteration", "loss"], ["epoch", "loss"]):
            results.extend(_check_loss_table(doc, traces, t))
            continue
        nodes = _node_columns(t)
        if nodes is None:
            continue
        node_col, cols = nodes
        # "Initial weights ..." are the old values; "... for the next step", or a table in a
        # section about the new weights, the new ones
        caption, heading = t.caption.split("\n")
        old_words, new_words = r"\binitial|\bbefore\b|\bstart", r"next step|\bnew\b|\bupdated?\b|\bafter\b"
        new = not re.search(old_words, caption, re.I) and bool(re.search(new_words, t.caption, re.I))
        for r in t.rows:
            if not re.fullmatch(r"\d+", r[node_col][0]):
                continue
            j = r[node_col][0]
            for k, head in cols.items():
                if not _num_cell(r[k][0]):
                    continue
                name = head.replace("[j]", f"[{j}]")
                q = _quantity(name)
                if name == head and q and q[0] in ("s", "a", "y", "\\delta") and not q[2]:
                    # s_{h_{1}}: one column per layer, the row is the node
                    name = head[:-1] + f"[{j}]}}" if head.endswith("}") else f"{head}[{j}]"
                    q = _quantity(name)
                act = _layer_activation(doc, q[1], t.line) if q else None
                res = _named_result(traces, name, act, r[k], (r[k][1],), force_new=new)
                if res is not None:
                    results.append(res)
    return results


def _check_loss_table(doc: Document, traces: Traces, t: Table) -> list[Result]:
    act = doc.activation_at(t.line)
    trace = traces.get(act)
    rows = t.rows or [t.cells[i : i + 2] for i in range(0, len(t.cells) - 1, 2)]
    results = []
    for row in rows:
        if len(row) != 2 or not re.fullmatch(r"\d+", row[0][0]) or not _num_cell(row[1][0]):
            continue
        it, cell = int(row[0][0]), row[1]
        if it < trace.epochs:
            true = float(trace.epoch_loss[it])
        elif it == trace.epochs:
            true = float(trace.final_loss)
        else:
            results.append(Result(cell[1], f"loss at iteration {it}", cell[0], None, MISMATCH,
                                  f"the config trains {trace.epochs} epochs", (row[0][1], cell[1])))
            continue
        ok = abs(float(cell[0]) - true) <= number_band(cell[0]) * (1 + 1e-9)
        results.append(Result(cell[1], f"loss at iteration {it} ({traces.label(act)})", cell[0], true,
                              OK if ok else MISMATCH,
                              "" if ok else f"the config's loss rounds to {true:.{_decimals(cell[0])}f}",
                              (row[0][1], cell[1])))
    return results


def _decimals(printed: str) -> int:
    return len(printed.partition(".")[2])


# --------------------------------------------------------------------------
# the whole document


def verify_text(path: str, text: str, config: str | None = None, traces: Traces | None = None) -> Report:
    doc = parse_document(path, text)
    tables = find_tables(doc)
    results = check_chains(doc)
    for t in tables:
        results.extend(check_gd_table(doc, t))
    results.extend(check_normalisation(doc, tables))
    results.extend(check_minmax_lines(doc))
    results.extend(check_node_tables(doc, tables))
    if config is not None or traces is not None:
        results.extend(check_config(doc, traces or Traces(config), tables))
    results.sort(key=lambda r: r.line)
    return Report(path, results, config is not None or traces is not None)


def verify_file(path: str | Path, config: str | None = None) -> Report:
    """Check one document (and, with ``config``, its named numbers against that config)."""
    return verify_text(str(path), files.read_text(path, "document"), config)


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


