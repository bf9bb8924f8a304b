"""verify --config with a batch config: a batch step's values are read row by row, never a traceback.

The document is mlptrace's per-row report of examples/seed/four-rows.toml;
the config is the same network trained with batches of two rows.  The
forward pass of the first row is the same under both rules; the new
weights are not: the batch moves them by the mean of rows 0 and 1's
gradients, worked out here with the plain-Python reference.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import reference
from conftest import EXAMPLES


def _normalised_rows():
    rows = [[70, 98, 91], [50, 85, 82], [65, 67, 80], [25, 95, 68]]  # examples/seed/four-rows.csv
    cols = list(zip(*rows))
    lo, hi = [min(c) for c in cols], [max(c) for c in cols]
    return [[(v - a) / (b - a) for v, a, b in zip(r, lo, hi)] for r in rows]


def test_a_batch_config_reads_the_first_row_and_flags_the_per_row_weights(tmp_path):
    seed = EXAMPLES / "seed"
    for name in ("four-rows.toml", "four-rows.csv", "init-weights-biases.json"):
        shutil.copy(seed / name, tmp_path / name)
    doc = tmp_path / "r.md"
    subprocess.run([sys.executable, "-m", "tracer", "report", "four-rows.toml", "-o", str(doc)],
                   cwd=tmp_path, check=True, capture_output=True)
    batch = tmp_path / "batch.toml"
    batch.write_text((tmp_path / "four-rows.toml").read_text().replace("[training]", "[training]\nbatch_size = 2"))
    done = subprocess.run([sys.executable, "-m", "tracer", "verify", str(doc), "--config", str(batch)],
                          cwd=tmp_path, capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    mismatched = [ln for ln in done.stdout.splitlines() if ln.rstrip().endswith("mismatch")]
    assert mismatched and all("after the update" in ln or "loss" in ln for ln in mismatched)

    rows = _normalised_rows()
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    reference.variant_train(W, B, ["sigmoid", "sigmoid"], [r[:2] for r in rows[:2]], [r[2:] for r in rows[:2]],
                            0.1, 1, batch_size=2)
    line = next(ln for ln in mismatched if "w_{o[0]}" in ln)
    recomputed = float(re.split(r"\s+", line.strip())[-2])
    assert abs(recomputed - W[1][0][0]) < 5e-7
