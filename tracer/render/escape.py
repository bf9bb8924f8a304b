"""One escaper per report format, for user text (labels, file names) put into a document.

Every escaper first spells out what must never reach a document raw, with
the filter the terminal uses (:func:`tracer.errors.visible`): control
characters (a newline would end a table row or a code span, a blank line
the paragraph), line separators, bidi overrides, lone surrogates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from tracer.errors import visible

__all__ = ["escape_md", "escape_tex", "escape_html", "code_md", "basename", "ESCAPERS"]

_MD_SPECIAL = set("\\`*_[]<>&|~$#")


def escape_md(text: Any) -> str:
    """Backslash the characters Markdown (or its $ math) could read as syntax inside a line."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in visible(str(text)))


def escape_html(text: Any) -> Markup:
    """HTML entities for ``& < > " '``, control characters spelled out (see :func:`tracer.errors.visible`)."""
    return escape(visible(str(text)))


def code_md(text: Any) -> str:
    """``text`` as a Markdown code span (a file name).

    Backslashes are literal inside a code span, so escaping cannot work
    there; the fence is one backtick longer than any run inside instead, and
    padded with a space (which Markdown strips) when the text starts or ends
    with a backtick.
    """
    s = visible(str(text))  # a newline, above all a blank line, would end the span
    fence = "`" * (max((len(run) for run in re.findall("`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


_TEX = {
    "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    # accents and math-font glyphs: the text-companion symbols (even \$'s
    # \textdollar) would need bitmap fonts built on the fly
    "~": r"\~{}", "^": r"\^{}", "\\": r"\textbackslash{}",
    # not special, but the default OT1 font prints them as other glyphs
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    # a backtick is a left quote (and `` a double one); the grave accent is its glyph
    "`": r"\`{}",
}


def escape_tex(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters (and < > |) spelled out."""
    return "".join(_TEX.get(c, c) for c in visible(str(text)))



ESCAPERS = {"md": escape_md, "tex": escape_tex, "html": escape_html}  # format -> its one escaper (the ``esc`` filter)


def basename(path: Any) -> str:
    """A path's last part (the ``basename`` filter); a file name may hold any character but "/" and NUL, shown visibly."""
    return visible(Path(str(path)).name) if path else ""
