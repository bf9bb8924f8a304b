"""mlptrace walk: the document's worked example in the terminal, one equation at a time.

The walkthrough is a list of sections in the document's order, each a list
of pages (one equation, table or picture per page).  At a terminal a pager
shows one page at a time and reads single keys; anywhere else (a pipe, a
file, ``--no-pause``) every page is printed once, plain, without colour or
cursor codes, so it can be saved or grepped.

The equations are not written here: they come from ``tracer.explain``
(sympy, built once per network structure), the same forms the report shows.
This module adds what only a terminal needs: the network drawn in text,
tables, and the pager.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import sys
import termios
from dataclasses import dataclass, field
from typing import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from tracer.errors import visible

__all__ = ["build", "Section", "Page", "Pager", "NetworkDiagram", "print_all"]


@dataclass
class Page:
    """One screen: a heading and what it shows."""

    title: str
    body: RenderableType


@dataclass
class Section:
    """One section of the document (its title) and its pages."""

    number: int
    title: str
    pages: list[Page] = field(default_factory=list)


# ---------------------------------------------------------------------------
# numbers


def fmt_change(c: float, digits: int = 4) -> str:
    """A change with its sign, as precise as every other number shown; exactly "0" only when nothing moved."""
    from tracer.explain.numbers import fmt

    return "0" if c == 0 else ("+" if c > 0 else "") + fmt(c, digits)


# ---------------------------------------------------------------------------
# the network drawn in text

# (up, down, left, right) -> the box-drawing character joining those sides
_JOIN = {
    (False, True, True, False): "┐", (False, True, False, True): "┌", (False, True, True, True): "┬",
    (True, False, True, False): "┘", (True, False, False, True): "└", (True, False, True, True): "┴",
    (True, True, True, False): "┤", (True, True, False, True): "├", (True, True, True, True): "┼",
    (True, True, False, False): "│", (False, False, True, True): "─", (False, False, True, False): "╴",
    (False, False, False, True): "╶", (False, False, False, False): " ",
}
MAX_DRAWN = 7  # nodes drawn per layer; a larger layer shows its first and last few around a "⋮"


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def node_names(layers: Sequence[int], input_labels: Sequence[str], output_labels: Sequence[str]) -> list[list[str]]:
    """Names for the drawn nodes, as the equations index them: the input labels, h[j] (h₁[j], h₂[j], ...
    with several hidden layers), and o, or o[k] with several outputs."""
    hidden = layers[1:-1]
    names = [list(input_labels)]
    for l, n in enumerate(hidden):
        prefix = "h" if len(hidden) == 1 else "h" + str(l + 1).translate(_SUB)
        names.append([f"{prefix}[{j}]" for j in range(n)])
    names.append(["o"] if layers[-1] == 1 else [f"o[{k}]" for k in range(layers[-1])])
    return names


def _shown(n: int) -> list[int | None]:
    """Indices of the nodes drawn for a layer of ``n``; None marks the elided middle."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return [0, 1, 2, None, n - 2, n - 1]


class NetworkDiagram:
    """The network as text: one column per layer, every node joined to every node of the next.

    Between two layers a vertical bus collects every node on the left and
    feeds every node on the right, which is how a fully connected layer is
    wired.  When the drawing is wider than the terminal it becomes a list,
    one line per layer.
    """

    def __init__(self, layers: Sequence[int], names: Sequence[Sequence[str]], acts: Sequence[str],
                 output_labels: Sequence[str]):
        # Labels written out before the drawing is laid out by len(): a bidi
        # override, one character to len(), is shown as the six of \u202e.
        self.layers, self.acts = list(layers), list(acts)
        self.names = [[visible(n) for n in col] for col in names]
        self.output_labels = [visible(lab) for lab in output_labels]

    def _headers(self) -> list[tuple[str, str]]:
        n_hidden = len(self.layers) - 2
        heads = [("input", "")]
        for l in range(n_hidden):
            heads.append(("hidden" if n_hidden == 1 else f"hidden {l + 1}", self.acts[l]))
        heads.append(("output", self.acts[-1]))
        return heads

    def _columns(self) -> list[list[str | None]]:
        cols = []
        for l, n in enumerate(self.layers):
            col: list[str | None] = []
            for j in _shown(n):
                if j is None:
                    col.append(f"⋮ {n - 5} more")
                else:
                    text = f"({self.names[l][j]})"
                    if l == len(self.layers) - 1:
                        text += f" → {self.output_labels[j]}"
                    col.append(text)
            cols.append(col)
        return cols

    def lines(self) -> list[str]:
        cols = self._columns()
        heads = self._headers()
        height = 2 * max(len(c) for c in cols) - 1
        rows_of = []
        for col in cols:
            start = (height - 1) // 2 - (len(col) - 1)
            rows_of.append([start + 2 * i for i in range(len(col))])
        widths = [max(len(h[0]), len(h[1]), *(len(t) for t in col)) for col, h in zip(cols, heads)]
        grid = [[] for _ in range(height)]
        head1, head2 = [], []
        for l, col in enumerate(cols):
            at = dict(zip(rows_of[l], col))
            last = l == len(cols) - 1
            for r in range(height):
                text = at.get(r, "")
                if text and not last and not text.startswith("⋮"):
                    # the node's own wire runs from its name to the bus
                    grid[r].append(f"{text} ".ljust(widths[l] + 1, "─")[: widths[l] + 1])
                else:
                    grid[r].append(f"{text:<{widths[l] + (0 if last else 1)}}")
            head1.append(f"{heads[l][0]:<{widths[l]}}")
            head2.append(f"{heads[l][1]:<{widths[l]}}")
            if l == len(cols) - 1:
                break
            # the connector to the next layer: stubs in, a bus, stubs out
            left = {r for r, t in zip(rows_of[l], col) if t is not None and not t.startswith("⋮")}
            right = {r for r, t in zip(rows_of[l + 1], cols[l + 1]) if not t.startswith("⋮")}
            top, bottom = min(left | right), max(left | right)
            for r in range(height):
                key = (top < r <= bottom, top <= r < bottom, r in left, r in right)
                grid[r].append(("─" if r in left else " ") + _JOIN[key] + ("──" if r in right else "  "))
            for h in (head1, head2):
                h.append("     ")
        out = ["".join(head1).rstrip(), "".join(head2).rstrip()]
        out += ["".join(row).rstrip() for row in grid]
        return out

    def list_lines(self) -> list[str]:
        """The fallback for a narrow terminal: one line per layer."""
        out = []
        for l, ((name, act), n) in enumerate(zip(self._headers(), self.layers)):
            shown = [self.names[l][j] if j is not None else "…" for j in _shown(n)]
            act_note = f", {act}" if act else ""
            out.append(f"{name} ({n} node{'s' if n != 1 else ''}{act_note}): {', '.join(shown)}")
            if l < len(self.layers) - 1:
                out.append(f"  ↓ every node to every node: {n}×{self.layers[l + 1]} weights")
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines()
        if max(len(s) for s in lines) > options.max_width:
            lines = self.list_lines()
        for i, line in enumerate(lines):
            yield Text(line, style="bold" if i == 0 else ("dim" if i == 1 else ""))


def _wiring_note(layers: Sequence[int]) -> str:
    pairs = list(zip(layers[:-1], layers[1:]))
    w = " + ".join(f"{a}×{b}" for a, b in pairs)
    b = " + ".join(str(n) for n in layers[1:])
    n_w = sum(a * b for a, b in pairs)
    n_b = sum(layers[1:])
    return (f"Every node feeds every node of the next layer: {w} = {n_w} weights, "
            f"and each hidden and output node has a bias: {b} = {n_b} biases.")


# ---------------------------------------------------------------------------
# equations and tables in a terminal

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
        lead = visible(eq.lhs.text) if eq.lhs is not None else ""
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
            for i, part in enumerate(wrap_math(visible(line.text), room)):
                rows.append(((prefix if i == 0 else indent) + part, KIND_STYLE.get(line.kind, ""), label if i == 0 else ""))
        at = max(len(text) for text, _, _ in rows) + 4
        show = self.labels and at + max(len(lab) for _, _, lab in rows) <= width
        for text, style, label in rows:
            out = Text(text, style=style)
            if show and label:
                out.append(" " * (at - len(text)) + label, style="dim")
            yield out


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class TableView:
    """A table of ``tracer.explain`` (caption, header, rows of Math or str) in as many parts as the width needs.

    A table wider than the terminal is split by columns, each part
    repeating the first column, rather than squeezed until its numbers wrap.
    """

    def __init__(self, table, styles: dict[tuple[int, int], str] | None = None):
        self.table, self.styles = table, styles or {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Cells written out first: widths are measured on what is shown.
        header = [visible(str(h)) for h in self.table.header]
        rows = [[visible(str(c)) for c in row] for row in self.table.rows]
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


# ---------------------------------------------------------------------------
# the pager

NEXT_KEYS = {"\r", "\n", " ", "n", "j", "\x1b[B", "\x1b[C", "\x1b[6~", "\x1bOB", "\x1bOC"}
BACK_KEYS = {"b", "p", "k", "\x7f", "\x08", "\x1b[A", "\x1b[D", "\x1b[5~", "\x1bOA", "\x1bOD"}
QUIT_KEYS = {"q", "Q", "\x03", "\x04", "\x1b"}  # q, Ctrl-C, Ctrl-D, Esc
CHROME = 4  # lines the pager itself uses besides the page title: heading, rule, rule, help line


FINISHED = ("That was one training step, every equation of it. Next: mlptrace train runs every epoch "
            "and saves the weights; mlptrace report -o worked.md writes this walkthrough as a document.")


class Pager:
    """One page at a time, moved by single keys.

    The state is plain (which page, how far scrolled) and ``press`` is a
    pure step, so the keys can be tested without a terminal; ``run`` adds
    the terminal: raw keys, the alternate screen, and putting both back.
    """

    def __init__(self, sections: Sequence[Section], console: Console):
        self.sections = list(sections)
        self.console = console
        # flat list of (section index, page index)
        self.order = [(s, p) for s, sec in enumerate(self.sections) for p in range(len(sec.pages))]
        self.first_of = {sec.number: next(i for i, (s, _) in enumerate(self.order) if s == k)
                         for k, sec in enumerate(self.sections) if sec.pages}
        self.pos = 0
        self.offset = 0  # lines scrolled within a page taller than the screen
        self.message = ""
        self.finished = False

    # ---------------------------------------------------------------- state
    @property
    def section(self) -> Section:
        return self.sections[self.order[self.pos][0]]

    @property
    def page(self) -> Page:
        s, p = self.order[self.pos]
        return self.sections[s].pages[p]

    def _body_lines(self) -> list[list[Segment]]:
        width = self.console.width
        return self.console.render_lines(self.page.body, self.console.options.update(width=width), pad=False)

    def _title(self) -> list[list[Segment]]:
        title = Text(self.page.title + (" (continued)" if self.offset else ""), style="bold")
        return self.console.render_lines(title, self.console.options.update(width=self.console.width), pad=False)

    def _space(self) -> int:
        """Lines left for the page under its title (which wraps on a narrow terminal)."""
        return max(3, self.console.height - CHROME - len(self._title()))

    def _room(self) -> int:
        """Body lines shown at once: one fewer when there is room for a blank line after the title."""
        space = self._space()
        return space - 1 if len(self._body_lines()) < space else space

    def press(self, key: str) -> bool:
        """Act on one key; False when the walkthrough should end."""
        self.message = ""
        if key in QUIT_KEYS:
            return False
        if key in NEXT_KEYS:
            if self.offset + self._room() < len(self._body_lines()):
                self.offset += self._room() - 1  # keep one line of context
            elif self.pos + 1 < len(self.order):
                self.pos, self.offset = self.pos + 1, 0
            else:
                self.finished = True
                return False
        elif key in BACK_KEYS:
            if self.offset > 0:
                self.offset = max(0, self.offset - (self._room() - 1))
            elif self.pos > 0:
                self.pos, self.offset = self.pos - 1, 0
            else:
                self.message = "This is the first page."
        elif key.isdigit():
            n = int(key)
            if n in self.first_of:
                self.pos, self.offset = self.first_of[n], 0
            else:
                self.message = f"There is no section {n}; the sections are {self._numbers()}."
        else:
            shown = key if key.isprintable() else repr(key)
            self.message = f"{shown} is not a key here. {self._help(short=True)}"
        return True

    def _numbers(self) -> str:
        nums = sorted(self.first_of)
        return f"{nums[0]} to {nums[-1]}"

    def _help(self, short: bool = False) -> str:
        if short:
            return f"Enter: next · b: back · {self._numbers()}: section · q: quit"
        return f"Enter or space: next · b: back · {self._numbers()}: jump to a section · q: quit"

    # ------------------------------------------------------------ drawing
    def screen(self) -> Group:
        """Everything on the screen now: heading, the visible part of the page, help line."""
        width, room = self.console.width, self._room()
        s, p = self.order[self.pos]
        sec = self.section
        left = Text(f"{sec.number}. {sec.title}", style="bold cyan")
        where = f"page {p + 1} of {len(sec.pages)}" if len(sec.pages) > 1 else ""
        right = Text(where, style="dim")
        heading = Text.assemble(left, " " * max(1, width - left.cell_len - right.cell_len), right)
        heading.truncate(width)
        lines = self._body_lines()
        shown = lines[self.offset:self.offset + room]
        parts: list[RenderableType] = [heading, Rule(style="dim"), *(_SegmentLine(line) for line in self._title())]
        gap = self._space() - room  # the blank line after the title, when it fits
        parts += [Text("")] * gap + [_SegmentLine(line) for line in shown]
        parts += [Text("")] * (room - len(shown))
        more = self.offset + room < len(lines)
        if self.message:
            help_text = Text(self.message, style="yellow")
        elif more:
            help_text = Text("More below: Enter or space scrolls down · b: back · q: quit", style="reverse")
        elif self.pos + 1 == len(self.order):
            help_text = Text("The end. Enter or q: finish · b: back · 0: contents", style="reverse")
        else:
            help_text = Text(self._help(short=width < 78), style="reverse")
        help_text.truncate(width)
        parts += [Rule(style="dim"), help_text]
        return Group(*parts)

    # ----------------------------------------------------------- terminal
    def run(self, fd_in: int | None = None) -> int:
        """Show pages until q or the end; the terminal is put back however the loop ends."""
        fd = sys.stdin.fileno() if fd_in is None else fd_in
        out = self.console.file
        saved = termios.tcgetattr(fd)
        raw = termios.tcgetattr(fd)
        # Raw input (no echo, no line buffering, no signals: Ctrl-C is a key
        # that quits cleanly), but output still turns "\n" into a new line.
        raw[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
        raw[0] &= ~(termios.IXON | termios.ICRNL)
        raw[6][termios.VMIN], raw[6][termios.VTIME] = 1, 0
        old_term = signal.getsignal(signal.SIGTERM)
        old_hup = signal.getsignal(signal.SIGHUP)

        def leave(signum, frame):  # a kill still restores the terminal
            raise SystemExit(128 + signum)

        try:
            signal.signal(signal.SIGTERM, leave)
            signal.signal(signal.SIGHUP, leave)
            termios.tcsetattr(fd, termios.TCSAFLUSH, raw)
            out.write("\x1b[?1049h\x1b[?25l")  # the alternate screen, cursor hidden
            self._draw()
            size = self.console.size
            while True:
                key = _read_key(fd, 0.25)
                if key is None:  # no key yet: redraw if the terminal was resized
                    if self.console.size != size:
                        size = self.console.size
                        self._draw()
                    continue
                if key.isdigit() and max(self.first_of, default=0) >= 10:
                    more = _read_key(fd, 0.7)  # a second digit for sections 10 and up
                    if more is not None and more.isdigit():
                        key += more
                if not self.press(key):
                    break
                self._draw()
        finally:
            out.write("\x1b[?25h\x1b[?1049l")
            out.flush()
            termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
            signal.signal(signal.SIGTERM, old_term)
            signal.signal(signal.SIGHUP, old_hup)
        if self.finished:
            self.console.print(Text(FINISHED))
        else:
            sec = self.section
            s, p = self.order[self.pos]
            self.console.print(Text(
                f"Left the walkthrough at {sec.number}. {sec.title}, page {p + 1} of {len(sec.pages)}. "
                f"mlptrace walk --no-pause prints all of it at once.", style="dim"))
        return 0

    def _draw(self) -> None:
        with self.console.capture() as cap:
            self.console.print(self.screen(), end="")
        text = cap.get()
        if text.endswith("\n"):
            text = text[:-1]  # a final new line would scroll the heading off a full screen
        self.console.file.write("\x1b[H\x1b[2J" + text)
        self.console.file.flush()


class _SegmentLine:
    """A line already rendered to segments, passed through unchanged."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.segments
        yield Segment.line()


def _read_key(fd: int, timeout: float) -> str | None:
    """One key press (an escape sequence counts as one key), or None after ``timeout`` seconds."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return None
    data = os.read(fd, 1)
    if data == b"\x1b":
        # An arrow key sends ESC [ X at once; a lone Esc sends nothing more.
        while select.select([fd], [], [], 0.03)[0]:
            data += os.read(fd, 1)
            if len(data) >= 3 and (data[-1:].isalpha() or data[-1:] == b"~"):
                break
    return data.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# printing it all


def print_all(console: Console, sections: Sequence[Section]) -> None:
    """The whole walkthrough, section by section, for a pipe, a file or --no-pause."""
    for sec in sections:
        console.print(Rule(f"{sec.number}. {sec.title}", align="left"))
        for page in sec.pages:
            console.print()
            console.print(Text(page.title, style="bold"))
            console.print(page.body)
        console.print()


class _StripLines:
    """A text file that drops the spaces rich leaves at the end of wrapped lines."""

    def __init__(self, file):
        self.file, self.pending = file, ""

    def write(self, text: str) -> int:
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        if lines:
            self.file.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.file.write(self.pending)
            self.pending = ""
        self.file.flush()

    def isatty(self) -> bool:
        return False


def plain_console(file=None) -> Console:
    """A console that writes no escape codes at all: no colour, no styles, no cursor movement."""
    file = file or sys.stdout
    width = None
    if file.isatty():
        width = os.get_terminal_size(file.fileno()).columns
    from tracer.render.terminal import console

    return console(file=_StripLines(file), color_system=None, force_terminal=False, force_interactive=False,
                   no_color=True, width=width)


# ---------------------------------------------------------------------------
# the sections

# The pager's sections (one key each) and the document's sections in them:
# numbered as the report's top-level sections, so page "4.5 The loss
# function" sits in section 4 and "8 Save ..." in section 8.
GROUPS = [
    ("Initialisation", ("network",)),
    ("Min and max values", ("minmax",)),
    ("Normalisation", ("normalise",)),
    ("The forward pass, the loss and gradient descent",
     ("hidden_sum", "hidden_activation", "output_sum", "output_activation", "loss", "gradient_descent")),
    ("The error signals and the new weights and biases", ("output_delta", "hidden_delta", "output_update", "hidden_update")),
    ("Update the weights and biases", ("update",)),
    ("The loss over the iterations", ("iterations",)),
    ("Save the min-max and the weights and biases", ("saved",)),
]

# What each of the document's sections is for, in a sentence or two.
PROSE = {
    "network": "A multi-layer perceptron: every input feeds every node of the first hidden layer, every "
               "hidden node feeds every node of the next layer, and the output layer gives the prediction.",
    "minmax": "Before normalising, find the smallest and largest value of each column.",
    "normalise": "Normalisation (min-max scaling) moves every column into the same range, so no input "
                 "outweighs another just because its numbers are bigger.",
    "hidden_sum": "Each node adds up its inputs, each times its own weight, plus its bias: the summation function.",
    "hidden_activation": "Each node's output is an activation function of its sum; it is what the next layer "
                         "receives.",
    "output_sum": "The output layer sums what the layer before it sends, the same way.",
    "output_activation": "The activation of the output sum is y, the network's prediction.",
    "loss": "The loss says how far the prediction y is from the target z. Training makes it small.",
    "gradient_descent": "To make the loss smaller, move every weight and bias a small step (the learning "
                        "rate η) against its gradient: the direction in which the loss grows fastest.",
    "output_delta": "How much does the loss change with each weight? The chain rule splits the question into "
                    "small derivatives; their product for the node's sum is its error signal δ.",
    "hidden_delta": "A hidden node's error signal: the error signals of the layer after it, sent back through "
                    "the weights that connect them (the old ones), times the derivative of its activation.",
    "output_update": "Gradient descent for every output weight and bias: the old value minus η times its gradient.",
    "hidden_update": "The same for a hidden layer; a weight's input is x for the first hidden layer and the "
                     "activation of the layer before it for any other.",
    "update": "Every new weight and bias replaces the old one, all at once; the next row of the dataset "
              "starts from them.",
    "iterations": "Doing this for every row, epoch after epoch, the loss falls.",
    "saved": "After training, mlptrace train --out DIR saves the min-max and the weights and biases in the "
             "Go package's files, for testing and prediction.",
}


@dataclass
class Walk:
    """What the sections are built from: the config, the trace, and which kept step to explain."""

    cfg: object
    trace: object
    k: int  # index of the explained step among the trace's kept steps
    digits: int = 4
    interactive: bool = False
    stopped: Exception | None = None  # training diverged after the explained step


def _para(*parts: str) -> Text:
    return Text(" ".join(parts))


def _is_default(cfg) -> bool:
    from tracer.config.resources import default_config_path

    try:
        return os.path.samefile(cfg.source, default_config_path())
    except OSError:
        return False


def _contents(walk: Walk, titles: Sequence[tuple[int, str]]) -> Page:
    t, cfg = walk.trace, walk.cfg
    raw = cfg.raw[int(t.row[walk.k])]
    inputs = ", ".join(f"{lab} = {v:g}" for lab, v in zip(t.input_labels, raw[: cfg.n_in]))
    targets = ", ".join(f"{lab} = {v:g}" for lab, v in zip(t.output_labels, raw[cfg.n_in:]))
    acts = ", ".join(dict.fromkeys(t.activations))
    source = "the document's worked example" if _is_default(cfg) else visible(os.path.basename(str(cfg.source)))
    body: list[RenderableType] = [
        _para(f"One training step of {source}, worked out the way the document",
              '"The math behind training MLP neural networks" does it:',
              f"a {'-'.join(map(str, t.layers))} network ({acts}), learning rate η = {t.learning_rate:g};",
              f"epoch {int(t.epoch[walk.k])}, row {int(t.row[walk.k])}: inputs {inputs}, target {targets}."),
        Text(""),
    ]
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for n, title in titles:
        table.add_row(str(n), title)
    body.append(table)
    if walk.interactive:
        body += [Text(""), _para("Enter or space: the next equation. A number: that section.")]
    return Page("The math behind training an MLP, one equation at a time", Group(*body))


def _pages(walk: Walk, sec) -> list[Page]:
    """The pages of one section of the explanation: one per equation, table or picture."""
    head = f"{sec.number} {sec.title}"
    intro: list[RenderableType] = [_para(PROSE[sec.key]), Text("")] if sec.key in PROSE else []
    pages: list[Page] = []

    def add(title: str, *body: RenderableType) -> None:
        nonlocal intro
        pages.append(Page(title, Group(*intro, *body)))
        intro = []  # the sentence goes on the section's first page only

    if sec.key == "network":
        t = walk.trace
        add(f"{head}: the network drawn", NetworkDiagram(t.layers, node_names(t.layers, t.input_labels, t.output_labels),
                                 t.activations, t.output_labels), Text(""), _para(_wiring_note(t.layers)))
    if sec.general:
        views: list[RenderableType] = []
        for eq in sec.general:
            views += [EquationView(eq, labels=False), Text("")]
        add(f"{head}: the formula" + ("s" if len(sec.general) > 1 else ""), *views[:-1])
    for n, eq in enumerate(sec.derivation, start=1):
        add(f"{head}: the chain rule, {n} of {len(sec.derivation)}", EquationView(eq))
    for eq in sec.equations:
        name = eq.lhs.text if eq.lhs is not None else "an example"
        add(f"{head}: {name}", EquationView(eq))
    for eq in sec.matrix:
        # In a terminal a matrix can only be written on one line; show it when that line fits.
        if all(len(line.text) + 8 <= 100 for line in eq.lines):
            add(f"{head}, every node at once", EquationView(eq))
    if sec.key == "update":
        for l in range(len(walk.trace.w)):
            add(f"{head}: {_layer_name(walk, l)}, before and after", *_changes(walk, l))
        if sec.facts.get("next_loss"):
            add(f"{head}: the next step", _para(f"With them the next step's loss is {sec.facts['next_loss']}."))
        return pages
    for table in sec.tables:
        add(f"{head}: {table.caption[:1].lower()}{table.caption[1:]}", TableView(table))
    step = int(walk.trace.kept[walk.k])
    if sec.key == "network" and step > 0:
        for l in range(len(walk.trace.w)):
            add(f"{head}: {_layer_name(walk, l)} at step {step}",
                _para(f"{step} update(s) later, these are the weights and biases the step starts from."),
                Text(""), TableView(_params(walk, l)))
    if sec.key == "iterations" and walk.trace.stopped:
        why = walk.trace.stopped
        add(f"{head}: training stopped", _para(f"{why[:1].upper()}{why[1:]}.",
                                               "The loss grew instead of falling; a smaller learning rate",
                                               "usually keeps it finite."))
    if sec.key == "iterations":
        from tracer.render.live import LossCurve

        t = walk.trace
        add(f"{head}: as a curve", LossCurve(t.epoch_loss, t.epochs, height=6))
    if sec.key == "saved" and sec.facts.get("minmax_json"):
        add(f"{head}: the min-max file", Text(_compact_json(sec.facts["minmax_json"])))
        add(f"{head}: the weights and biases file", Text(_compact_json(sec.facts["weights_json"])))
    if intro:  # a section of prose only
        add(head)
    return pages


def _compact_json(text: str) -> str:
    """JSON indented like the file, but each list of numbers on one line, so a file fits a screen."""

    def dump(v, indent: str) -> str:
        if isinstance(v, dict):
            items = [f"{indent}  {json.dumps(k)}: {dump(x, indent + '  ')}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + indent + "}"
        if isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v):
            return "[\n" + ",\n".join(indent + "  " + dump(x, indent + "  ") for x in v) + "\n" + indent + "]"
        return json.dumps(v)

    return dump(json.loads(text), "")


def _layer_name(walk: Walk, l: int) -> str:
    from tracer.explain.model import model

    return model(tuple(walk.trace.layers), tuple(walk.trace.activations)).n.layer_name(l)


def _changes(walk: Walk, l: int) -> list[RenderableType]:
    """Layer ``l``'s weights and biases before and after the step, the changed ones highlighted.

    One parameter per row: before, change, after.  A layer with many
    parameters shows its first node in full and then every node's changes
    as a matrix (the report's rule for large layers).  The change column
    carries the highlight in plain output too: a signed number where the
    value moved, "0" where it did not.
    """
    from tracer.explain.model import model
    from tracer.explain.numbers import fmt
    from tracer.explain.printing import FEW

    t, k, d = walk.trace, walk.k, walk.digits
    nm = model(tuple(t.layers), tuple(t.activations)).n
    w, b, w_new, b_new = t.w[l][k], t.b[l][k], t.w_new(l)[k], t.b_new(l)[k]
    nodes = range(w.shape[0]) if w.shape[0] <= FEW else [0]
    rows, styles = [], {}
    for j in nodes:
        params = [(nm.w(l, j, i)[1], w[j, i], w_new[j, i]) for i in range(w.shape[1])]
        params.append((nm.b(l, j)[1], b[j], b_new[j]))
        for name, old, new in params:
            c = new - old
            style = "dim" if c == 0 else ("green" if c > 0 else "red")
            styles[(len(rows), 2)] = styles[(len(rows), 3)] = style
            rows.append([name, fmt(old, d), fmt_change(c, d), fmt(new, d)])
    out: list[RenderableType] = [TableView(_Table("changes", "", ["parameter", "before", "change", "after"], rows),
                                           styles)]
    if len(nodes) < w.shape[0]:
        header = ["node", *(f"w[j][{i}]" for i in range(w.shape[1])), "b[j]"]
        matrix = [[str(j), *(fmt_change(v, d) for v in (w_new[j] - w[j])), fmt_change(b_new[j] - b[j], d)]
                  for j in range(w.shape[0])]
        out += [Text(""), _para(f"Node 0 in full above; the change of every weight and bias of all "
                                f"{w.shape[0]} nodes:"), Text(""), TableView(_Table("changes-all", "", header, matrix))]
    return out


def _params(walk: Walk, l: int) -> "_Table":
    """Layer ``l``'s weights and biases at the explained step, one row per node."""
    from tracer.explain.model import model
    from tracer.explain.numbers import fmt

    t, k, d = walk.trace, walk.k, walk.digits
    nm = model(tuple(t.layers), tuple(t.activations)).n
    w, b = t.w[l][k], t.b[l][k]
    header = ["node", *(nm.w(l, 0, i)[1].replace("[0]", "[j]", 1) if nm.idx(l, 0) else nm.w(l, 0, i)[1]
                        for i in range(w.shape[1])), nm.b(l, 0)[1].replace("[0]", "[j]")]
    return _Table("params", "", header, [[str(j), *(fmt(v, d) for v in w[j]), fmt(b[j], d)] for j in range(len(b))])


@dataclass
class _Table:
    """A table built here, shaped like ``tracer.explain.pieces.Table``."""

    key: str
    caption: str
    header: list
    rows: list


def build(walk: Walk) -> list[Section]:
    """Every section, in the document's order, with its pages."""
    from tracer.explain.sections import explain

    ex = explain(walk.trace, walk.k, walk.digits, config=walk.cfg)
    group_of = {key: g for g, (_, keys) in enumerate(GROUPS) for key in keys}
    sections = [Section(n, title) for n, (title, _) in enumerate(GROUPS, start=1)]
    g = 0
    for sec in ex.sections:
        g = group_of.get(sec.key, g)  # a section this module does not know joins the one before it
        sections[g].pages += _pages(walk, sec)
    sections = [s for s in sections if s.pages]
    contents = Section(0, "Start here", [_contents(walk, [(s.number, s.title) for s in sections])])
    return [contents, *sections]


# ---------------------------------------------------------------------------
# the command






