"""A document read for checking: code and comments blanked, its math spans and their chains, lines, activations named.

Every scan here is linear in the document's size (see each one's docstring
for the regex it replaces and why): hostile documents are part of the tests.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from tracer.verify.chains import Chain, chains_in
from tracer.verify.printed import Precision

# --------------------------------------------------------------------------
# code and comments, blanked so that nothing in them is read as math


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


# Verbatim material in LaTeX: its content is never math, and a % inside it is no comment.
_LATEX_HIDDEN = re.compile(
    r"(?<!\\)%|\\verb\*?(?=[^A-Za-z*\s])|\\iffalse(?![A-Za-z@])"
    r"|\\begin\{(verbatim|Verbatim|lstlisting|minted|comment|filecontents)\*?\}"
)
_IF_OR_FI = re.compile(r"\\if[A-Za-z@]*|\\fi(?![A-Za-z@])")


def _latex_hidden(text: str) -> Iterable[tuple[int, int]]:
    """Comments, verbatim environments, \\verb|...| and \\iffalse ... \\fi: one scan, left to right.

    Each hit is skipped past in one step (a comment to its line's end, an
    environment to its \\end, \\iffalse to the \\fi that closes it, counting the
    \\if... opened between), so the scan is linear in the text.
    """
    i, n = 0, len(text)
    while (m := _LATEX_HIDDEN.search(text, i)) is not None:
        hit, start = m.group(0), m.start()
        if hit == "%":
            end = text.find("\n", start)
        elif hit.startswith("\\verb"):
            delimiter = text[m.end()]
            eol = text.find("\n", m.end())
            end = text.find(delimiter, m.end() + 1, n if eol < 0 else eol)
            end = (n if eol < 0 else eol) if end < 0 else end + 1
        elif hit.startswith("\\iffalse"):
            depth, end = 1, n
            for f in _IF_OR_FI.finditer(text, m.end()):
                if f.group(0) == "\\iff":  # the relation, no conditional
                    continue
                depth += -1 if f.group(0) == "\\fi" else 1
                if depth == 0:
                    end = f.end()
                    break
        else:
            close = re.compile(r"\\end\{" + m.group(1) + r"\*?\}")
            c = close.search(text, m.end())
            end = n if c is None else c.end()
        end = n if end < 0 else end
        yield start, end
        i = max(end, m.end())


def _markdown_blocks(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(code to blank, math fence contents): the block structure as CommonMark reads it.

    markdown-it reads the blocks (its inline rules are off: the inline code and
    math scans below are linear and keep offsets); the dollar-math and amsmath
    rules keep an indented line inside ``$$ ... $$`` or ``\\begin{align}`` from
    being read as an indented code block.  Fenced and indented code and HTML
    comment blocks are code; a fence whose info string is ``math`` is display
    math (GitHub's ``\u0060\u0060\u0060math``), its fence lines blanked.
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    ends = [s - 1 for s in starts[1:]] + [len(text)]  # each line's end, before its newline
    code, fences = [], []
    for tok in _markdown_parser().parse(text):
        if tok.map is None:
            continue
        first, last = tok.map[0], tok.map[1] - 1
        last = min(last, len(starts) - 1)
        if tok.type == "fence" and tok.info.strip().split(" ")[0].lower() == "math":
            closed = last > first and text[starts[last]:ends[last]].strip().startswith(tok.markup)
            inner_last = last - 1 if closed else last
            code.append((starts[first], ends[first]))
            if inner_last > first:
                fences.append((starts[first + 1], ends[inner_last]))
            if closed:
                code.append((starts[last], ends[last]))
        elif tok.type in ("fence", "code_block") or (tok.type == "html_block" and tok.content.lstrip().startswith("<!--")):
            code.append((starts[first], ends[last]))
    return sorted(code), sorted(fences)


_PARSER: list[Any] = []


def _markdown_parser():
    if not _PARSER:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.amsmath import amsmath_plugin
        from mdit_py_plugins.dollarmath import dollarmath_plugin

        # no table rule: a table holds no code, and its tokens would cost more than the rest of the parse
        md = MarkdownIt("commonmark").use(dollarmath_plugin).use(amsmath_plugin)
        md.disable("inline")  # blocks only: inline code and math are found by the linear scans here
        # setext headings and link definitions hold no code; their rules re-read every paragraph's lines
        md.disable(["lheading", "reference"])
        _PARSER.append(md)
    return _PARSER[0]


def _html_comments(text: str) -> Iterable[tuple[int, int]]:
    """Inline ``<!-- ... -->``: each found by one search forward (an unclosed one is text)."""
    i = 0
    while (start := text.find("<!--", i)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            return
        yield start, end + 3
        i = end + 3


def _hide_code_and_comments(text: str, latex: bool) -> tuple[str, list[tuple[int, int]]]:
    """The text with code and comments blanked, and the spans of display math fences (Markdown's ```math)."""
    if latex:
        return _blank(text, _latex_hidden(text)), []
    code, fences = _markdown_blocks(text)
    out = _blank(text, _merge(code))
    # $`...`$ is GitHub's inline math: its backticks go, the dollars stay for the math scan
    spans, math_ticks = [], []
    for start, end in _code_spans(out):
        run = len(out[start:end]) - len(out[start:end].lstrip("`"))
        if start > 0 and out[start - 1] == "$" and out[end:end + 1] == "$" and end - start > 2 * run:
            math_ticks += [(start, start + run), (end - run, end)]
        else:
            spans.append((start, end))
    out = _blank(out, _merge(spans + math_ticks))
    return _blank(out, list(_html_comments(out))), fences


# MathML with its TeX source kept as an annotation (mlptrace's HTML reports, KaTeX, MathJax's assistive MathML)
_TEX_ANNOTATION = re.compile(r'<annotation\s+encoding="application/x-tex">([^<]*)</annotation>')
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _html_math(text: str) -> tuple[str, list[tuple[int, int, bool]]]:
    """An HTML page reduced to its TeX annotations: everything else blanked, each annotation a math span.

    An entity (&amp; for an aligned &) becomes its character padded with
    spaces to its length, so offsets and line numbers stay those of the page.
    """
    pieces, spans, at = [], [], 0
    for m in _TEX_ANNOTATION.finditer(text):
        start, end = m.span(1)
        opening = text.rfind("<math", 0, start)
        display = 'display="block"' in text[opening : text.find(">", opening) + 1] if opening >= 0 else False
        content = _ENTITY.sub(lambda e: html.unescape(e.group(0)).ljust(len(e.group(0)))[: len(e.group(0))], m.group(1))
        pieces += [re.sub(r"[^\n]", " ", text[at:start]), content]
        spans.append((start, end, display))
        at = end
    pieces.append(re.sub(r"[^\n]", " ", text[at:]))
    return "".join(pieces), spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order with overlaps joined, as _blank takes them."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --------------------------------------------------------------------------
# math spans

# display environments, at the top level of a .tex file or (as MathJax reads them) of Markdown
_ENVS = (r"equation\*?|align\*?|alignat\*?|gather\*?|multline\*?|eqnarray\*?|displaymath|math|flalign\*?"
         r"|aligned|alignedat|gathered|split|array|cases\*?")
_ENV_ARGUMENT = re.compile(r"\{(?:[^{}]|\{[^{}]*\})*\}")  # one level of braces inside: {@{}ll@{}}
_OPEN = re.compile(r"\$\$|\\\[|\\\(|\\begin\{(" + _ENVS + r")\}|(?<!\\)\$")


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
        begin = m.end()
        if opener.startswith("\\begin") and (arg := _ENV_ARGUMENT.match(text, begin, end)):
            begin = arg.end()  # alignat's {2}, array's {cc}: no math
        spans.append((begin, end, display))
        i = end + len(close)


class Lines:
    """The line number (1-based) of an offset in the text, by bisection over the line starts."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


# --------------------------------------------------------------------------
# which activation a passage is about

_ACT_WORDS = re.compile(r"\b(sigmoid|tanh|relu)\b|\blinear (?=activation|function)", re.I)
ACTIVATION_SYMBOLS = {"sigmoid": re.compile(r"\\sigma(?![A-Za-z])"), "tanh": re.compile(r"\\tanh(?![A-Za-z])"),
                      "relu": re.compile(r"\\operatorname\{relu\}|\\mathrm\{ReLU\}|\\text\{ReLU\}", re.I)}


def _activation_marks(prose: str, line_of: Lines) -> tuple[list[int], list[str | None]]:
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
    found = {name for name, rx in ACTIVATION_SYMBOLS.items() if any(rx.search(t.text) for t in chain.terms)}
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
    precision: Precision = field(default_factory=Precision)  # what a printed input stands for (set by the pipeline)
    # indexes built once per document (captions, named ranges, layers, definitions): looked
    # up per table, never searched for again from each table
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def activation_at(self, line: int) -> str | None:
        """The activation the prose last named before ``line``."""
        offsets, names = self.marks
        k = bisect.bisect_left(offsets, self.line_starts[line - 1]) - 1
        return names[k] if k >= 0 else None


_MATH_COMMENT = re.compile(r"(?<!\\)%[^\n]*")


def parse_document(path: str, text: str) -> Document:
    suffix = Path(path).suffix.lower()
    latex = suffix in (".tex", ".latex", ".ltx")
    if suffix in (".html", ".htm", ".xhtml"):
        visible, spans = _html_math(text)
    else:
        visible, fences = _hide_code_and_comments(text, latex)
        # math fences are math already: the delimiter scan does not look inside them
        spans = sorted(math_spans(_blank(visible, fences)) + [(start, end, True) for start, end in fences])
    line_of = Lines(visible)
    chains: list[Chain] = []
    prose = _blank(visible, ((start, end) for start, end, _ in spans))
    math_lines: set[int] = set()
    for start, end, display in spans:
        content = visible[start:end]
        if not latex and "%" in content:  # in math, MathJax reads % as a comment (a .tex file's are gone already)
            content = _MATH_COMMENT.sub(lambda m: " " * len(m.group(0)), content)
        chains.extend(chains_in(content, start, line_of))
        if display:
            math_lines.update(range(line_of(start) - 1, line_of(end) + 2))  # with the $$ lines
    offsets, names = _activation_marks(prose, line_of)
    for c in chains:
        k = bisect.bisect_left(offsets, c.start) - 1
        c.activation = _chain_activation(c) or (names[k] if k >= 0 else None)
    return Document(path, text, visible.split("\n"), chains, line_of.starts, (offsets, names), math_lines,
)
