"""The benchmark script runs: a smoke run of two rows prints each with a ratio and its target.

Structure only, never timings (this machine's load is not the code's speed).
pyproject's addopts leave tests/benchmarks out of the ordinary test run;
run this file by naming it: python -m pytest -q tests/benchmarks/test_bench.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "bench.py"

# | R1 | work | against | A | B | 4.86 (4.80–4.90, n=1) | ≤ 2 | MISS | peaks |
ROW = re.compile(r"^\| (R\d) \| (?!for the record)[^|]+\| [^|]+\| [^|]+\| [^|]+\| "
                 r"(\d+\.\d\d) \((\d+\.\d\d)–(\d+\.\d\d), n=(\d+)\) \| ≤ ([\d.]+) \| (PASS|MISS) \| "
                 r"[\d.]+ (KiB|MiB) \((tracemalloc|ru_maxrss)\); [\d.]+ (KiB|MiB) \((tracemalloc|ru_maxrss)\) \|$")


@pytest.fixture(scope="module")
def quick_run():
    return subprocess.run([sys.executable, str(BENCH), "--quick", "--rows", "R1,R6"],
                          capture_output=True, text=True, timeout=300)


def test_every_requested_row_has_a_ratio_a_target_and_peak_memory(quick_run):
    assert quick_run.returncode in (0, 1), quick_run.stdout + quick_run.stderr  # 2: a row failed to run
    rows = {m.group(1): m for m in map(ROW.match, quick_run.stdout.splitlines()) if m}
    assert set(rows) == {"R1", "R6"}, quick_run.stdout
    assert rows["R1"].group(6) == "2" and rows["R6"].group(6) == "6"  # issue 16's targets
    for m in rows.values():
        median, low, high, pairs = float(m.group(2)), float(m.group(3)), float(m.group(4)), int(m.group(5))
        assert pairs == 1 and low <= median <= high
        verdict = "PASS" if median <= float(m.group(6)) else "MISS"
        assert m.group(7) == verdict
    # R1 runs in process (tracemalloc), R6 runs the command line (the child's ru_maxrss)
    assert rows["R1"].group(9) == "tracemalloc" and rows["R6"].group(9) == "ru_maxrss"


def test_the_exit_status_says_whether_every_target_was_met(quick_run):
    verdicts = re.findall(r"\| (PASS|MISS) \|", quick_run.stdout)
    assert quick_run.returncode == (1 if "MISS" in verdicts else 0)


def test_the_references_appear_for_the_record(quick_run):
    record = [line for line in quick_run.stdout.splitlines() if line.startswith("| R1 | for the record")]
    labels = " ".join(record)
    for name in ("plain Python unrolled", "numpy loop with out= buffers", "numba loop", "mlptrace, nothing recorded"):
        assert name in labels
    assert all(re.search(r"n=1\)|skipped: ", line) for line in record)


def test_an_unknown_row_is_refused():
    r = subprocess.run([sys.executable, str(BENCH), "--quick", "R9"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "unknown row 'R9'" in r.stderr


def test_without_torch_and_numba_their_rows_and_lines_say_skipped(tmp_path):
    # a torch and a numba that fail to import, ahead of the installed ones on the path
    for name in ("torch", "numba"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('no {name} here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    r = subprocess.run([sys.executable, str(BENCH), "--quick", "--rows", "R1,R4"], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    r4 = [line for line in r.stdout.splitlines() if line.startswith("| R4 |")]
    assert len(r4) == 1 and "skipped: PyTorch float64, hand-written backprop, 1 thread: torch not installed" in r4[0]
    numba = [line for line in r.stdout.splitlines() if line.startswith("| R1 |") and "numba" in line]
    assert len(numba) == 1 and "skipped: numba not installed (optional)" in numba[0]
    assert ROW.match(next(line for line in r.stdout.splitlines() if line.startswith("| R1 | the document's")))


def test_a_reference_that_is_fast_because_it_is_wrong_fails_its_row(tmp_path):
    sys.path.insert(0, str(BENCH.parent))
    import bench
    import references

    def skips_the_hidden_update(params, X, Z, lr, epochs):
        # the plain loop, but the hidden layer never learns: less work, wrong weights
        frozen = [(params[0][0].copy(), params[0][1].copy()), params[1]]
        run, result = references.prepare_plain(params, X, Z, lr, epochs)
        return run, lambda: [frozen[0], result()[1]]

    t = bench.Training(None, tmp_path, "document")
    side, check = t.reference("wrong", skips_the_hidden_update)
    row = bench.Row("R1", "the document's 2-3-1", bench.Side("engine", t.untraced), side, 2.0, check=check)
    bench.measure(row, pairs=1, min_sample=0.0)
    assert row.failed.startswith("wrong: final weights differ from the engine's") and not row.times
    lines, status = bench.table([row])
    assert status == 2 and "| FAILED |" in lines[-1]
    # the honest reference passes the same check
    side, check = t.reference("plain", references.prepare_plain)
    check()
