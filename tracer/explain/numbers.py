"""How every number is shown: one formatter, several precisions.
"""

from __future__ import annotations

import math

__all__ = ["fmt"]


# --------------------------------------------------------------------------
# numbers


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


