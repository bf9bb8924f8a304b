"""A loss too small for five decimals is printed in scientific notation, never as 0.00000 (issue 15).

The document's network trained with tanh for 1,000 epochs ends with a loss
near 5e-12; the plain-Python reference (tests/reference.py) gives the value.
The document's row: x = (0.5, 0.5) normalised, z = 91 on 0-100 = 0.91.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

import reference
from conftest import EXAMPLES
from tracer.core import numbers


@pytest.mark.parametrize("value,shown", [
    (0.07446, "0.07446"), (0.0, "0.00000"), (0.00006, "0.00006"), (2.4e-06, "2.40e-06"), (4.77e-12, "4.77e-12"),
])
def test_the_loss_preset(value, shown):
    assert numbers.loss(value) == shown


def test_train_shows_the_tanh_runs_final_loss_not_zero():
    W = [[[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [[0.5, -1.0, 0.0]]]
    B = [[0.5, 0.5, 0.5], [0.5]]
    acts = ["tanh", "tanh"]
    reference.train(W, B, acts, [[0.5, 0.5]], [[0.91]], 0.1, 1000)
    after = reference.step([[r[:] for r in w] for w in W], [b[:] for b in B], acts, [0.5, 0.5], [0.91], 0.0)["loss"]
    assert 0 < after < 1e-8  # the case this is about
    done = subprocess.run([sys.executable, "-m", "tracer", "train", str(EXAMPLES / "seed" / "tanh.toml")],
                          capture_output=True, text=True, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    last = re.search(r"^\W*1000\W+(\S+)", done.stdout, re.M).group(1)
    assert math.isclose(float(last), after, rel_tol=5e-3)
