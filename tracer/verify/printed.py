"""A printed number: the band it promises (half a unit of its last digit) and whether a recomputed value can equal it.

The rule every check applies: a step ``A = B`` is consistent when B, as
printed, can equal A; A's rounded inputs are carried through A as intervals
(see tracer.verify.arith).
"""

from __future__ import annotations

import math
import re
from typing import Iterable

from tracer.verify.arith import Interval, Neg, Num, decimals, is_matrix, number_band


_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")  # 0.4378; not 1.2.3, not x2.5, not 1e-5


class Precision:
    """What a printed input stands for, judged by how the document prints its numbers.

    The rule, one for every check: a number a step of the document ends in is
    a result, rounded, and stands for half a unit of its last digit either
    side.  An input is taken as rounded when it has three or more significant
    digits (0.524, 0.0965), or when the document printed it as the result of a
    step (0.44 in a report at --digits 2, worked out from the unrounded
    0.4378; -0.2 at --digits 1); any other short number (0.5, -1.0, 0.1) is
    given data, exact.  And an input the document printed elsewhere with more
    digits (1.92 after a table's 1.9200) stands for that more precise print,
    so its band cannot hide a slip.  Only the same value counts: 1.2288
    printed elsewhere may be any other quantity, and reading 1.2 as it would
    invent a slip.
    """

    def __init__(self, text: str = ""):
        """``text``: the document's math and table cells (where a value may be printed more precisely)."""
        self.results: set[tuple[float, int]] = set()  # (magnitude, decimals) of the rounded results
        self.short: set[tuple[float, int]] = set()  # the short inputs taken as exact, collected for the caller
        self.longest: dict[float, int] = {}  # a value -> the most decimals it is printed with
        for m in _DECIMAL.finditer(text):
            value, places = float(m.group(1)), len(m.group(1).partition(".")[2])
            self.longest[value] = max(places, self.longest.get(value, 0))

    @staticmethod
    def _key(text: str) -> tuple[float, int] | None:
        text = text.lstrip("-")
        return (float(text), len(text.partition(".")[2])) if _DECIMAL.fullmatch(text) else None

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
            if key not in self.results:
                self.short.add(key)  # exact unless the document prints it as a result somewhere
                return Interval.of(n.value, 0.0)  # given data
        d = decimals(text)
        return Interval.of(n.value, 0.5 * 10.0 ** -max(d, self.longest.get(abs(n.value), 0)))


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
