"""A number as printed: its decimals, the rounding band it stands for, and whether float64 holds it."""

from __future__ import annotations

import math
import re
import sys

from tracer.verify.arith.tree import Num, ParseError


# ASCII digits only: a superscript two is a digit to str.isdigit but not a number to float.
DIGITS = "0123456789"
NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")

# float64 holds magnitudes up to about 1.8e308 and, as normal numbers, down to
# 2.2e-308; a printed number's last digit stands for 10**-decimals, so that
# must be a normal float too.  Beyond that a number is "not parsed".
MAX_PLACES = 307
_MAX_EXPONENT_DIGITS = 6  # an exponent this long is far outside the range; int() of 5,000 digits would refuse


def decimals(text: str) -> int:
    """Digits after the point, counting an exponent: '0.00070' -> 5, '5.73e-05' -> 7, '12' -> 0."""
    text = text.lstrip("+-")
    mant, _, exp = text.partition("e") if "e" in text else text.partition("E")
    d = len(mant.partition(".")[2])
    if len(exp.lstrip("+-").lstrip("0")) > _MAX_EXPONENT_DIGITS:
        raise ParseError(f"{_shown(text)} is out of float64's range")
    return d - int(exp) if exp else d


def _shown(text: str) -> str:
    return text if len(text) <= 24 else text[:20] + "\u2026"


def range_error(text: str) -> str | None:
    """Why float64 cannot hold a printed number and its last digit, or None when it can."""
    body = text.lstrip("+-")
    try:
        places = decimals(body)
    except ParseError as exc:
        return str(exc)
    value = abs(float(body))
    mantissa = re.split(r"[eE]", body)[0]
    zero = mantissa.strip("0.") == ""
    if not math.isfinite(value) or (not zero and value < sys.float_info.min) or abs(places) > MAX_PLACES:
        return f"{_shown(body)} is out of float64's range"
    return None


def _significant(text: str) -> int:
    mant = re.split(r"[eE]", text.lstrip("+-"))[0]
    return len(mant.replace(".", "").lstrip("0"))


def number_band(text: str) -> float:
    """Half a unit of the last printed digit: what a printed *result* promises."""
    return 0.5 * 10.0 ** -decimals(text)


def make_num(text: str, negative: bool = False) -> Num:
    why = range_error(text)
    if why is not None:
        raise ParseError(why)
    value = float(text)
    if negative:
        value = -value
    rounded = ("." in text or "e" in text.lower()) and _significant(text) >= 3
    return Num(value, number_band(text) if rounded else 0.0, ("-" if negative else "") + text)
