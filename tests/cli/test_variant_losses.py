"""test and train's summary measure the loss the config trains on, not always the document's ½Σ(y − z)².

The expected values are worked out here in plain Python from Mazur's
network (examples/mazur: weights .15 .20 .25 .30 / .40 .45 .50 .55, shared
biases .35 and .60, input 0.05 0.10, targets 0.01 0.99), with the
untrained weights so that no training is involved.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mazur"


def _sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-s))


def _mazur_output_sums() -> tuple[float, float]:
    x1, x2 = 0.05, 0.10
    h1 = _sigmoid(0.15 * x1 + 0.20 * x2 + 0.35)
    h2 = _sigmoid(0.25 * x1 + 0.30 * x2 + 0.35)
    return 0.40 * h1 + 0.45 * h2 + 0.60, 0.50 * h1 + 0.55 * h2 + 0.60


def _per_output(loss: str, output: str) -> list[float]:
    """Each output's term of the loss, from the definitions in issue 13."""
    s = _mazur_output_sums()
    z = (0.01, 0.99)
    if output == "softmax":
        total = sum(math.exp(v) for v in s)
        y = [math.exp(v) / total for v in s]
    else:
        y = [_sigmoid(v) for v in s]
    if loss == "cross-entropy" and output == "softmax":
        return [-zo * math.log(yo) for yo, zo in zip(y, z)]
    if loss == "cross-entropy":
        return [-(zo * math.log(yo) + (1 - zo) * math.log(1 - yo)) for yo, zo in zip(y, z)]
    scale = {"mse": 0.5, "sse": 1.0, "mean-squared": 1.0 / len(z)}[loss]
    return [scale * (yo - zo) ** 2 for yo, zo in zip(y, z)]


def _config(folder: Path, loss: str, output: str, epochs: int = 1) -> Path:
    for f in EXAMPLE.iterdir():
        shutil.copy(f, folder / f.name)
    cfg = folder / "mazur.toml"
    text = cfg.read_text()
    text = text.replace('activation = "sigmoid"', f'activation = ["sigmoid", "{output}"]')
    text = text.replace('loss = "mse"', f'loss = "{loss}"').replace("epochs = 10000", f"epochs = {epochs}")
    cfg.write_text(text)
    return cfg


def _mlptrace(*argv: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "tracer", *argv], cwd=cwd, capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout


CASES = [("mse", "sigmoid"), ("sse", "sigmoid"), ("mean-squared", "sigmoid"),
         ("cross-entropy", "sigmoid"), ("cross-entropy", "softmax")]


@pytest.mark.parametrize("loss,output", CASES)
def test_test_reports_the_configs_loss(tmp_path, loss, output):
    cfg = _config(tmp_path, loss, output)
    out = _mlptrace("test", cfg.name, cwd=tmp_path)
    shown = float(re.search(r"mean loss (\S+) over 1 row", out).group(1))
    assert shown == pytest.approx(sum(_per_output(loss, output)), abs=5e-6)  # printed with 5 decimals


@pytest.mark.parametrize("loss,output", CASES)
def test_trains_summary_starts_from_each_outputs_share_of_that_loss(tmp_path, loss, output):
    cfg = _config(tmp_path, loss, output)
    out = _mlptrace("train", cfg.name, cwd=tmp_path)
    start = [float(re.search(rf"^\W*{name}\W+(\S+)", out, re.M).group(1)) for name in ("o1", "o2")]
    assert start == pytest.approx(_per_output(loss, output), abs=5e-6)
