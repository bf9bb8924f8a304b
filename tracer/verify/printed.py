"""A printed number: the band it promises (half a unit of its last digit) and whether a recomputed value can equal it.

The rule every check applies: a step ``A = B`` is consistent when B, as
printed, can equal A; A's rounded inputs are carried through A as intervals
(see tracer.verify.arith).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

from tracer.verify.arith import Interval, Neg, Num, decimals, is_matrix, number_band


_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")  # 0.4378; not 1.2.3, not x2.5, not 1e-5


def _significant(key: tuple[float, int]) -> int:
    """The significant digits of a number printed with ``key[1]`` decimals: (0.0096, 4) -> 2."""
    return len(f"{key[0]:.{key[1]}f}".replace(".", "").lstrip("0")) or 1


class Precision:
    """What a printed input stands for, judged by how the document prints its numbers.

    The rule, one for every check: a number a step of the document ends in is
    a result, rounded, and stands for half a unit of its last digit either
    side.  An input is taken as rounded when it has three or more significant
    digits (0.524, 0.0965); when the document printed it as the rounded
    result of a step (0.44 in a report at --digits 2, worked out from the
    unrounded 0.4378); or when most of the document's results are rounded and
    the input has the decimals or the significant digits they usually have
    (a report at --digits 2 prints its random initial weights as 0.25).  Any
    other short number (0.5, -1.0, 0.1 beside four-decimal results, or in a
    document whose results are exact) is given data, exact.  And an input of
    three or more significant digits that the document printed elsewhere with
    more digits (1.92 after a table's 1.9200) stands for that more precise
    print, so its band cannot hide a slip.  Only the same value counts, and
    only from three digits: 1.2288 printed elsewhere, or a rate 0.10 beside a
    0.1 that rounds 0.14, is another quantity.
    """

    def __init__(self, text: str = ""):
        """``text``: the document's math and table cells (where a value may be printed more precisely)."""
        self.results: set[tuple[float, int]] = set()  # (magnitude, decimals) of the rounded results
        self.short: set[tuple[float, int]] = set()  # the short inputs taken as exact, collected for the caller
        self.usual: tuple[int, int] | None = None  # decimals and significant digits of a rounding document's results
        self.longest: dict[float, int] = {}  # a value -> the most decimals it is printed with
        for m in _DECIMAL.finditer(text):
            value, places = float(m.group(1)), len(m.group(1).partition(".")[2])
            self.longest[value] = max(places, self.longest.get(value, 0))

    @staticmethod
    def _key(text: str) -> tuple[float, int] | None:
        text = text.lstrip("-")
        return (float(text), len(text.partition(".")[2])) if _DECIMAL.fullmatch(text) else None

    def note_usual(self, worked: list[tuple[str, bool]]) -> bool:
        """From the document's worked-out results (text, rounded?): when most are rounded, the decimals and the
        significant digits they usually have (an input printed with as many is rounded too); whether they are known."""
        rounded = [k for t, r in worked if r and (k := self._key(t)) is not None]
        if len(rounded) * 2 <= len(worked) or not rounded:
            return False  # the document's numbers are exact: 0.3 + 0.4 = 0.7
        places, digits = Counter(d for _, d in rounded), Counter(_significant(k) for k in rounded)
        # a tie goes to the fewer: a report prints 0.44 and, for small values, 0.0096 (two significant digits)
        self.usual = (max(places, key=lambda d: (places[d], -d)), max(digits, key=lambda d: (digits[d], -d)))
        return True

    def rounded_like_results(self, key: tuple[float, int]) -> bool:
        """Whether a short input has the decimals or the significant digits the document's rounded results usually have."""
        return self.usual is not None and (key[1] >= self.usual[0] or _significant(key) >= self.usual[1])

    def add_results(self, texts: Iterable[str]) -> set[tuple[float, int]]:
        """Note numbers the document printed as rounded results; the keys that are new."""
        keys = {k for t in texts if (k := self._key(t)) is not None} - self.results
        self.results |= keys
        return keys

    def __call__(self, n: Num) -> Interval:
        text = n.text.lstrip("-")
        if not text or "e" in text or "E" in text or ("." not in text and not n.half):
            return Interval.of(n.value, n.half)  # pi, an integer; a number in e-notation keeps its own band
        if not n.half:
            key = (abs(n.value), len(text.partition(".")[2]))
            if key not in self.results and not self.rounded_like_results(key):
                self.short.add(key)  # exact unless the document prints it as a result somewhere
                return Interval.of(n.value, 0.0)  # given data
        d = decimals(text)
        # a value printed more precisely elsewhere: only for three significant digits or more, where
        # two quantities rarely share a print (0.1 at --digits 1 may be 0.14 here and a rate 0.10 there)
        more = self.longest.get(abs(n.value), 0) if _significant((abs(n.value), d)) >= 3 else 0
        return Interval.of(n.value, 0.5 * 10.0 ** -max(d, more))


def squash(text: str) -> str:
    """A term as a result shows it: on one line, each run of white space one space."""
    return re.sub(r"\s+", " ", text).strip()


def is_bare_number(tree) -> bool:
    """A number as printed; \\pi is a Num too, but with no digits printed it is a value to compute."""
    num = tree.x if isinstance(tree, Neg) else tree
    # "- -0.0836" negates a signed number: computed, not printed as one number
    return isinstance(num, Num) and bool(num.text) and not (num is not tree and num.text.startswith("-"))


def bare_text(tree) -> str:
    """The digits of a bare number as the document printed them, with its sign."""
    num = tree if isinstance(tree, Num) else tree.x
    return ("-" if isinstance(tree, Neg) else "") + num.text


def band(tree) -> Interval:
    """A printed result: half a unit of its last digit either side."""
    return band_of(bare_text(tree))


def band_of(text: str) -> Interval:
    """A number printed as ``text`` (with its sign): half a unit of its last digit either side."""
    return Interval.of(float(text), number_band(text.lstrip("-")))


def compare(a, b) -> tuple[bool, str]:
    """Whether a recomputed value (or matrix) can equal a printed one; a note when not."""
    if not is_matrix(a) and not is_matrix(b):
        return (True, "") if a.overlaps(b) else (False, slip_note(a, b))
    if not (is_matrix(a) and is_matrix(b)) or (len(a), len(a[0])) != (len(b), len(b[0])):
        return False, "a matrix and a value of another shape"
    for i, (ra, rb) in enumerate(zip(a, b)):
        for j, (x, y) in enumerate(zip(ra, rb)):
            if not x.overlaps(y):
                return False, f"entry ({i + 1}, {j + 1}): {slip_note(x, y)}"
    return True, ""


def slip_note(recomputed: Interval, printed: Interval) -> str:
    """Why a recomputed value cannot be the printed one, in the terms of the two ranges.

    Shown with two digits more than the printed value has (its band's width
    says how many), so the two ranges read side by side; a range narrower
    than that is one value.
    """
    width = printed.hi - printed.lo
    places = max(0, round(-math.log10(width)) + 2) if width > 0 else None

    def shown(x: float) -> str:
        return f"{x:.7g}" if places is None or places > 17 else f"{x:.{places}f}"

    if recomputed.lo == recomputed.hi:
        return f"{shown(recomputed.mid)} is outside the printed value's rounding, {shown(printed.lo)}..{shown(printed.hi)}"
    lo, hi = shown(recomputed.lo), shown(recomputed.hi)
    return f"the inputs as printed give {lo}" if lo == hi else f"the inputs as printed allow only {lo}..{hi}"
