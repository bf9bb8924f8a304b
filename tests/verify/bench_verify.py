"""Benchmark, not a test: verify's time grows linearly with the document's length.

    python tests/verify/bench_verify.py

The seed document repeated 10 and 50 times: the ratio of the two times should
be near 5 (it was 11 when the document was copied once per math span).  Not
collected by pytest: a timed assertion would fail on a busy machine, not on a
regression.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tracer.verify import verify_text  # noqa: E402

SEED = (ROOT / "tests" / "data" / "docs" / "seed.txt").read_text()


def seconds(copies: int) -> tuple[float, int, int]:
    doc = "\n".join([SEED] * copies)
    start = time.perf_counter()
    report = verify_text("seed.md", doc)
    return time.perf_counter() - start, len(doc), len(report.results)


def main() -> None:
    verify_text("seed.md", SEED)  # imports and compiled patterns out of the way
    times = {}
    for copies in (10, 50):
        t, size, checks = seconds(copies)
        times[copies] = t
        print(f"seed x{copies}: {size:,} characters, {checks:,} checks, {t:.2f} s")
    print(f"x50 / x10: {times[50] / times[10]:.2f} (linear: 5)")


if __name__ == "__main__":
    main()
