"""How every number is shown: one module, a preset per kind of number.

Here, below everything that prints (explain, render's figures and terminal
views, the commands), because each of them needs it and the figures may
not import explain.  Presets:

- ``fmt``: the document's numbers (the report, the walkthrough, the equations)
- ``slot``: ``fmt`` where a symbol stood, a negative in parentheses
- ``signed``: a change, with its sign; "0" only when nothing moved
- ``fixed``: fixed decimals (losses, a figure's weights, gd's table)
- ``cell``: ``fixed`` for a table column that may hold a diverging run
- ``short``: as short as it reads, 10 significant digits (gd's messages)
- ``gradient``: ``short`` for a gradient check, "—" for NaN, "0" for any zero
- ``error``: a relative error, one decimal in scientific notation
- ``compact``: three significant digits, scientific outside 0.001 to 10,000 (a chart's scale)

(tracer.verify keeps its own reading of numbers on purpose: the verifier
shares no code with what it checks.)
"""

from __future__ import annotations

import math

__all__ = ["fmt", "slot", "signed", "fixed", "cell", "short", "gradient", "error", "compact"]


def fmt(value: float, digits: int = 4) -> str:
    """A number as the document prints it.

    ``digits`` decimals; a number below 0.1 gets one more decimal per
    leading zero (at most ``digits`` more) so it keeps its significant
    digits (0.09625, 0.01185).  A number that the decimals show exactly --
    up to float64's rounding, so (1.2 - 0.5) / 2.5 = 0.27999999999999997
    is 0.28 like 0.52 beside it, not 0.2800 -- drops its trailing zeros but
    keeps one (0.5, -1.0, 0.0), as the document writes the configured
    weights.  Zero has no sign: -1e-12 rounds to 0.00000000, not -0.00000000.
    """
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    d = digits
    if 0 < abs(v) < 0.1:
        d += min(-math.floor(math.log10(abs(v))) - 1, digits)
    s = f"{v:.{d}f}"
    if abs(float(s) - v) <= EXACT_ULPS * math.ulp(v):
        s = s.rstrip("0")
        s = s + "0" if s.endswith(".") else s
    if float(s) == 0:
        s = s.lstrip("-")  # no "-0.0", no "-0.00000000"
    return s


EXACT_ULPS = 4  # a float this close to a short decimal is that decimal (the rounding of the arithmetic that made it)


def slot(value: float, digits: int) -> str:
    # A number put where a symbol stood: parentheses keep "- (-0.5)" and
    # "(-0.5)^2" meaning what the symbolic form meant.
    s = fmt(value, digits)
    return f"({s})" if s.startswith("-") else s


def signed(change: float, digits: int = 4) -> str:
    """A change with its sign, as precise as every other number shown; exactly "0" only when nothing moved."""
    return "0" if change == 0 else ("+" if change > 0 else "") + fmt(change, digits)


def fixed(v: float, digits: int = 5) -> str:
    """Exactly ``digits`` decimals; an exact zero never shows as -0 (a tiny negative keeps its sign)."""
    return f"{v + 0.0:.{digits}f}"


def loss(v: float, digits: int = 5) -> str:
    """A loss: ``fixed``, unless that would print a nonzero loss as 0.00000 -- then scientific (2.40e-06).

    A loss is never negative and falls by orders of magnitude; "0.00000"
    would say training reached zero when it did not.
    """
    s = fixed(v, digits)
    if v != 0 and math.isfinite(v) and float(s) == 0:
        return f"{v:.2e}"
    return s


def cell(v: float | None, digits: int) -> str:
    """``fixed`` in a table column: empty for None, scientific past 1e12 (a diverging run: 1.0142e+306,
    not 306 digits), and no "-0.0000" for a tiny negative."""
    if v is None:
        return ""
    if abs(v) >= 1e12:
        return f"{v:.{digits}e}"
    s = f"{v:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def short(v: float) -> str:
    """A number as short as it reads: 0.1, 3, 2.5e-07 (10 significant digits at most)."""
    return format(v, ".10g")


def gradient(v: float) -> str:
    """A gradient as a check shows it: ``short``, an em dash for NaN, "0" for any zero (sympy's may be -0.0)."""
    if math.isnan(v):
        return "—"
    return "0" if v == 0 else short(v)


def error(v: float) -> str:
    """A relative error: one decimal in scientific notation (1.2e-09), an em dash for NaN."""
    return "—" if math.isnan(v) else f"{v:.1e}"


def compact(v: float) -> str:
    """Three significant digits where they read plainly (0.0123, 45.6), else scientific (1.23e-05)."""
    return f"{v:.3g}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.2e}"
