"""The one way mlptrace makes a rich console: no markup, no emoji, no raw control characters.

Every command that prints through rich gets its console from
:func:`console`.  Labels, file names, documents and expressions are user
text, so nothing printed is ever parsed as rich markup (a label ``[/]``
raised MarkupError; ``[link=...]``, ``[blink]`` and ``:skull:`` became a
terminal link, blinking text and an emoji), and every string and ``Text``
is passed through :func:`tracer.errors.visible` before it is laid out, so an
escape sequence or a bidi override shows as ``\\x1b`` or ``\\u202e`` (and
tables stay aligned, since the visible form is what is measured).  Where
mlptrace wants styling it builds ``Text`` and ``Style`` objects itself; rich's
own escape codes for those styles are untouched, because it is the text that
is filtered, not the stream.

One gap rich leaves: a ``Text`` table cell is measured by rich itself,
before this console sees it, so a ``Text`` holding user text for a table
is built from ``visible(...)`` first (the walkthrough's views do); a plain
``str`` cell is measured through this console and needs nothing.

rich is imported here, so only commands that already print through rich
import this module (``mlptrace --help`` loads no rich).
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Span, Text

from tracer.errors import is_visible, visible

__all__ = ["console", "SafeConsole", "visible_text"]


def visible_text(text: Text) -> Text:
    """A copy of ``text`` with its control characters written out, its styles moved along with the characters."""
    plain = text.plain
    if is_visible(plain, newlines=True):
        return text
    pieces: list[str] = []
    at = [0] * (len(plain) + 1)  # at[i]: where old character i starts in the new text
    pos = 0
    for i, ch in enumerate(plain):
        at[i] = pos
        shown = visible(ch, newlines=True)
        pieces.append(shown)
        pos += len(shown)
    at[len(plain)] = pos
    out = text.copy()
    out.plain = "".join(pieces)
    out.spans = [Span(at[s.start], at[min(s.end, len(plain))], s.style) for s in text.spans]
    return out


class SafeConsole(Console):
    """A rich Console that shows every character it is given, parses nothing and emits no raw control character."""

    def on_broken_pipe(self) -> None:
        # rich exits with status 1 when the reader goes away (mlptrace walk |
        # head); a reader that has read enough is no error, so the command
        # line's one handler turns this into exit status 0.
        super_quiet = self.quiet
        try:
            super().on_broken_pipe()
        except SystemExit:
            pass
        if not super_quiet:
            raise BrokenPipeError

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        # Whatever a caller asks for, a string is plain text: no markup, no
        # emoji codes, no highlighter colouring numbers or paths.
        kwargs.update(markup=False, emoji=False, highlight=False)
        return super().render_str(visible(text, newlines=True), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        # A Text built by mlptrace around a label is made visible before it
        # is measured; any segment another renderable yields is checked too,
        # so nothing reaches the terminal raw whatever built it.  Control
        # segments (cursor movement of the live display) are rich's own.
        if isinstance(renderable, Text):
            renderable = visible_text(renderable)
        for segment in super().render(renderable, options):
            if segment.control is None and not is_visible(segment.text, newlines=True):
                segment = Segment(visible(segment.text, newlines=True), segment.style)
            yield segment


def console(**kwargs: Any) -> SafeConsole:
    """A console for mlptrace's output (``kwargs`` as rich's Console: ``stderr``, ``width``, ``file`` ...)."""
    kwargs.update(markup=False, emoji=False, highlight=False)
    return SafeConsole(**kwargs)
