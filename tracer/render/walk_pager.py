"""The walkthrough's pages and the pager that shows them one at a time, or prints them all.

At a terminal the pager shows one page at a time and reads single keys;
anywhere else (a pipe, a file, ``--no-pause``) ``print_all`` prints every
page once, plain, without colour or cursor codes, so it can be saved or
grepped.  ``termios`` (POSIX only) is imported by the pager alone, so
printing works where it does not exist (Windows): :func:`can_page` says
whether this system can page.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from dataclasses import dataclass, field
from typing import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.text import Text

__all__ = ["Page", "Section", "Pager", "print_all", "plain_console", "can_page"]


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
# the pager

NEXT_KEYS = {"\r", "\n", " ", "n", "j", "\x1b[B", "\x1b[C", "\x1b[6~", "\x1bOB", "\x1bOC"}
BACK_KEYS = {"b", "p", "k", "\x7f", "\x08", "\x1b[A", "\x1b[D", "\x1b[5~", "\x1bOA", "\x1bOD"}
INTERRUPT = "\x03"  # Ctrl-C: it quits like q, then the command exits 130, as an interrupted command does
QUIT_KEYS = {"q", "Q", INTERRUPT, "\x04", "\x1b"}  # q, Ctrl-C, Ctrl-D, Esc
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
        self.interrupted = False  # left by Ctrl-C

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
            self.interrupted = key == INTERRUPT
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
        """Show pages until q or the end; the terminal is put back however the loop ends.

        Ctrl-C raises KeyboardInterrupt once the terminal is back, so the
        command line reports it as every command does (exit status 130).
        """
        import termios  # POSIX only: the one thing that needs it is this loop

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
        if self.interrupted:
            raise KeyboardInterrupt
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


def can_page() -> bool:
    """Whether this system has what the pager reads keys with (termios: not on Windows)."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return True


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
