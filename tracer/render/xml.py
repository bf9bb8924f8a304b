"""The one XML escape, for SVG figures and MathML alike.

Written by hand: xml.sax.saxutils imports urllib.request, about 17 ms that
every report would pay at start-up.  This module imports nothing.
"""

from __future__ import annotations

__all__ = ["escape"]


def escape(s: object, quote: bool = True) -> str:
    """``&``, ``<`` and ``>`` as entities, and ``"`` too unless ``quote`` is False (text that is never an attribute)."""
    s = str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if quote else s
