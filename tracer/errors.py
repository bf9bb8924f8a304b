"""The exceptions mlptrace raises; ``cli`` turns each into a message and an exit status.

Also :func:`visible`, the one filter every user-supplied string passes on its
way to a terminal: the error line here, rich's consoles (``tracer.render.terminal``)
and the plain prints of user text.
"""

from __future__ import annotations

import re

__all__ = ["MlptraceError", "InputError", "CheckFailed", "NumericalError", "Interrupted", "visible", "is_visible"]

# What must never reach a terminal raw: C0 controls but tab (ESC starts every
# escape sequence, CR overwrites a line, a newline would split a one-line
# error), DEL and the C1 controls (U+009B is a one-character CSI), the bidi
# marks, embeddings, overrides and isolates (they reorder what is shown), the
# Unicode line and paragraph separators, and lone surrogates (an undecodable
# byte in a file name: the streams cannot encode them, so they would crash).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_LINE = re.compile(f"[\n{_UNSAFE}]")
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE}]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _shown(m: re.Match) -> str:
    c = m.group()
    n = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    if n < 0x100:
        return f"\\x{n:02x}"
    if 0xDC80 <= n <= 0xDCFF:  # os.fsdecode's stand-in for the byte n - 0xDC00: show the byte
        return f"\\x{n - 0xDC00:02x}"
    return f"\\u{n:04x}"


def visible(text: str, newlines: bool = False) -> str:
    """``text`` with every character that could act on a terminal written out: ESC as the four characters ``\\x1b``.

    Printable text, tabs and backslashes are left as they are (a LaTeX
    ``\\frac`` stays readable).  A newline becomes ``\\n`` unless
    ``newlines`` (for multi-line text such as verify's report).
    """
    return (_UNSAFE_TEXT if newlines else _UNSAFE_LINE).sub(_shown, text)


def is_visible(text: str, newlines: bool = False) -> bool:
    """Whether :func:`visible` would leave ``text`` unchanged (a fast check before copying)."""
    return (_UNSAFE_TEXT if newlines else _UNSAFE_LINE).search(text) is None


class MlptraceError(Exception):
    """Base of every error mlptrace reports to the user."""

    exit_status = 2


class InputError(MlptraceError):
    """Bad input: a file, a key, a value or an argument the user gave."""

    exit_status = 2

    def __init__(self, source: str, where: str, what: str):
        self.source, self.where, self.what = str(source), str(where), str(what)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [p for p in (self.source, self.where, self.what) if p]
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.message


class CheckFailed(MlptraceError):
    """A check (verify, gradient check) found a mismatch."""

    exit_status = 1


class NumericalError(MlptraceError):
    """Training produced a NaN or an infinity."""

    exit_status = 3


class Interrupted(MlptraceError):
    """The user pressed Ctrl-C; training stopped between two steps."""

    exit_status = 130
