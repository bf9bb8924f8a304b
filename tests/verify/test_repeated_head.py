"""A row that repeats its chain's head goes on with the chain (melfm/notes' backprop.md writes sums this way).

    z1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.30 \\\\ z1 = 0.3275

0.15 * 0.05 + 0.2 * 0.1 + 0.30 = 0.0075 + 0.02 + 0.30 = 0.3275 by hand.
"""

from __future__ import annotations

from tracer.verify import verify_text

DOC = "\\begin{{align}}\n  z1 = w1 * x1 + w2 * x2 + b1 \\\\\n  z1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.30 \\\\\n  z1 = {}\n\\end{{align}}\n"


def _verdicts(text):
    return [(r.printed, r.verdict) for r in verify_text("doc.md", text).results]


def test_the_repeated_head_continues_the_chain():
    assert ("0.3275", "ok") in _verdicts(DOC.format("0.3275"))


def test_a_wrong_sum_under_a_repeated_head_is_a_slip():
    assert ("0.3375", "slip") in _verdicts(DOC.format("0.3375"))


def test_a_new_head_still_starts_a_new_chain():
    text = "\\begin{align}\n  z1 = 0.15 * 0.05 \\\\\n  z2 = 0.3275\n\\end{align}\n"
    assert ("0.3275", "slip") not in _verdicts(text)
