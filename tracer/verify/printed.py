"""A printed number: the band it promises (half a unit of its last digit) and whether a recomputed value can equal it.

The rule every check applies: a step ``A = B`` is consistent when B, as
printed, can equal A; A's rounded inputs are carried through A as intervals
(see tracer.verify.arith).
"""

from __future__ import annotations

import re

from tracer.verify.arith import Interval, Neg, Num, is_matrix, number_band


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
    return Interval.of(float(bare_text(tree)), number_band(bare_text(tree).lstrip("-")))


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
    """Why a recomputed value cannot be the printed one, in the terms of the two ranges."""
    if recomputed.lo == recomputed.hi:
        return f"{recomputed.mid:.7g} is outside the printed value's rounding, {printed.lo:.7g}..{printed.hi:.7g}"
    return f"the inputs as printed allow only {recomputed.lo:.7g}..{recomputed.hi:.7g}"
