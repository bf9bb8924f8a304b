"""Chains of equalities: cutting a math span into them, and checking each step (numbers, matrices, identities).

A chain is ``A = B = C`` (``\\approx`` too); ``<``, ``\\to`` and the like
start a new one, as do ``\\quad or \\quad`` separators; rows of an
``aligned`` block continue it, and a term broken over rows is joined.  Each
numeric term is compared with the numeric term before it in its chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from tracer.verify.arith import EvalError, Evaluator, Interval, Mat, classify, is_matrix, uses_f, variables
from tracer.verify.printed import band, band_of, bare_text, compare, is_bare_number, squash
from tracer.verify.results import OK, SLIP, UNPARSED, Result


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
    text = _SPACER.sub("", text)  # "& \quad y = 2": the spacing before a second equation is no part of it
    return text.rstrip(".,;:").strip()


_SPACER = re.compile(r"^(?:\s|\\q?quad(?![A-Za-z])|\\[,;: ])+")


_CELL = re.compile(r"(?<!\\)&")
_COMMA = re.compile(",")
_RELATION_END = re.compile(r"(?:" + _EQUAL.pattern + r")\s*$")
_RELATION_START = re.compile(r"\s*(?:" + _EQUAL.pattern + ")")


def _cell_groups(row: str) -> list[tuple[int, int]]:
    """A row's &-cells joined into the expressions they are: (start, end) in the row.

    An alignment point sits at a relation (``a &= b``, ``a &=& b``) or leads a
    row (``&= b``, ``& + c``): there the cells are one expression.  Every other
    & separates expressions -- a second equation of an align row, an array's
    or a table's next column -- so a row label (``5 & 0.3 + 0.2 = 0.5``) is no
    part of the chain beside it.
    """
    if "&" not in row:
        return [(0, len(row))]
    cells = _depth_split(row, _CELL)
    groups: list[tuple[int, int]] = []
    joined = False  # whether the next cell joins the group before it
    for k, (c0, c1, _) in enumerate(cells):
        text = row[c0:c1]
        if groups and (joined or _RELATION_START.match(text)):
            groups[-1] = (groups[-1][0], c1)
        else:
            groups.append((c0, c1))
        joined = not text.strip() or bool(_RELATION_END.search(text))
    return groups


def chains_in(content: str, base: int, line_of: Callable[[int], int]) -> list[Chain]:
    """The chains of equalities in one math span (``content`` starts at offset ``base``; ``line_of`` numbers an offset's line)."""
    content = _INNER.sub(lambda m: " " * len(m.group(0)), content)
    chains: list[Chain] = []
    by_column: dict[int, Chain | None] = {}  # the chain each column of expressions continues
    for r0, r1, _ in _depth_split(content, _ROW):
        for column, (g0, g1) in enumerate(_cell_groups(content[r0:r1])):
            current = by_column.get(column)
            g0, row = r0 + g0, content[r0 + g0 : r0 + g1]
            segments = _depth_split(row, _SEPARATOR)
            for si, (s0, s1, _) in enumerate(segments):
                seg = row[s0:s1]
                parts = _depth_split(seg, _COMMA) if "," in seg else [(0, len(seg), "")]
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
                        off = base + g0 + s0 + p0 + t0 + lead
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
                            row_start = si == 0 and pi == 0 and current is not None
                            # "z1 = 0.15 * 0.05 + ... \\ z1 = 0.3275": a row that repeats the
                            # chain's head goes on with it, as "&= 0.3275" would
                            repeats = row_start and len(pieces) > 1 and bool(current.terms) and text == current.terms[0].text
                            if not ((not text and row_start) or repeats):
                                current = Chain([], off)
                                chains.append(current)
                            if text and not repeats:
                                current.terms.append(term)
                        elif _BREAK.fullmatch(rel.strip()):
                            current = Chain([term] if text else [], off)
                            chains.append(current)
                        else:
                            current.terms.append(term)
                # a separator ("\quad or \quad") ends the chain
                if si < len(segments) - 1:
                    current = None
            by_column[column] = current
    for c in chains:
        for t in c.terms:
            if t.more:
                t.text, t.more = " ".join([t.text, *t.more]), []
    chains.sort(key=lambda c: c.start)
    return [c for c in chains if c.terms]


# --------------------------------------------------------------------------
# checking the steps


def _value(tree, activation: str | None, inputs=None):
    """A term as an interval (or a matrix of them); printed results keep their rounding band."""
    if is_bare_number(tree):
        return band(tree)
    if isinstance(tree, Mat) and all(is_bare_number(x) for row in tree.rows for x in row):
        return tuple(tuple(band(x) for x in row) for row in tree.rows)
    return Evaluator(activation, inputs=inputs)(tree)


def _printed(term: Term, tree) -> str:
    """What the document printed: the number itself when the term is one, else the term."""
    if is_bare_number(tree):
        return bare_text(tree)
    if isinstance(tree, Mat) and all(is_bare_number(x) for row in tree.rows for x in row):
        return "[" + "; ".join(", ".join(bare_text(x) for x in row) for row in tree.rows) + "]"
    return squash(term.text)


def _mids(v):
    return [[x.mid for x in row] for row in v] if is_matrix(v) else v.mid


def check_chains(chains: Iterable[Chain], inputs=None) -> list[Result]:
    """Every numeric term against the numeric term before it in its chain.

    ``inputs`` (a printed.Precision) says what a printed input stands for.  A
    chain's last number is the result of its first computed term; one that
    rounds it (not equal to it) is a rounded result, and an input printed as
    one is rounded wherever it is used.  A document whose results are mostly
    rounded prints its numbers rounded: an input with as many decimals as
    its results usually have is rounded too (a report at --digits 2 prints
    its random initial weights as 0.25).  The chains with an input these
    findings make rounded are checked again once every chain has been read.
    """
    chains = list(chains)
    checked = [_check_chain(c, inputs) for c in chains]
    if inputs is not None:
        worked = [(text, rounds) for _, text, _, rounds in checked if rounds is not None]
        found = inputs.add_results(text for text, rounds in worked if rounds)
        usual = inputs.note_usual(worked)
        for k, (_, _, short, _) in enumerate(checked):
            if short & found or (usual and any(inputs.rounded_like_results(key) for key in short)):
                checked[k] = _check_chain(chains[k], inputs)
    return [r for results, _, _, _ in checked for r in results]


def _check_chain(chain: Chain, inputs) -> tuple[list[Result], str, set, bool | None]:
    """(the chain's results, its last number, its short inputs taken as exact, whether the number rounds its
    first computed term -- None when the chain works nothing out)."""
    results: list[Result] = []
    short: set = set()  # the keys of its inputs printed short, taken as exact unless printed as a result
    first = last = None  # the first computed value; the last printed number
    if len(chain.terms) < 2:
        return results, "", short, None
    if inputs is not None:
        inputs.short = short  # the evaluations below note there which short inputs they took as exact
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
            results.append(Result(term.line, squash(term.text), None, None, UNPARSED, kind[1], span))
            continue
        tree = kind[1]
        notes = []
        if uses_f(tree):
            if chain.activation is None:
                results.append(Result(term.line, squash(term.text), None, None, UNPARSED,
                                      "f is the activation in use; neither this chain nor the text before it says which", span))
                continue
            notes.append(f"f read as {chain.activation}")
        try:
            value = _value(tree, chain.activation, inputs)
        except EvalError as exc:
            results.append(Result(term.line, squash(term.text), None, None, UNPARSED, str(exc), span))
            continue
        if first is None and inputs is not None and not is_bare_number(tree) and not is_matrix(value):
            first = value
        last = bare_text(tree) if is_bare_number(tree) else None
        if prev is not None and not _alternatives(prev[0], term):
            a_term, a_val = prev
            ok, why = compare(a_val, value)
            if _SIGNED_POWER.search(a_term.text):
                notes.append("-c^k read as (-c)^k, the substituted value to the power")
            results.append(Result(
                term.line, squash(a_term.text), _printed(term, tree), _mids(a_val), OK if ok else SLIP,
                "; ".join(notes + ([] if ok else [why])),
                tuple(range(a_term.line, a_term.last_line + 1)) + span,
            ))
        prev = (term, value)
    # exactly equal, to float64's own rounding (-0.3 + 0.2 + 0.2 is 0.10000000000000003): no rounding shown
    if first is None or last is None or not first.overlaps(band_of(last)):
        return results, "", short, None  # nothing worked out, or a slip: no evidence of how the document rounds
    exact = first.overlaps(Interval.of(float(last))) and first.hi - first.lo <= 1e-12 * max(1.0, abs(first.mid))
    return results, last, short, not exact


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
    return [Result(b_term.line, squash(a_term.text), squash(b_term.text), None,
                   SLIP if bad else OK, note, tuple(range(a_term.line, a_term.last_line + 1)) + span)]


_SIGNED_POWER = re.compile(r"(?:^|[-+(]|\\cdot|\\times)\s*-\s*\d[\d.]*\s*\^")
