"""step_index finds the step that trains a row, for one row per step and for batches.

By hand: 5 rows in batches of 2 are 3 steps an epoch (rows 0-1, 2-3, 4), so
epoch 1, row 3 is in the batch of rows 2-3: step 1 * 3 + 1 = 4; per row,
epoch 1, row 3 is step 1 * 5 + 3 = 8.
"""

from __future__ import annotations

import pytest

from tracer.config.run import record
from tracer.config.schema import from_mapping
from tracer.explain.pieces import step_index

# five rows of a 2-3-1 network; the values do not matter here, only the count
ROWS = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [0.2, 0.4, 0.6], [0.9, 0.1, 0.5]]


def _trace(batch: int):
    cfg = from_mapping({
        "network": {"inputs": 2, "hidden": [3], "outputs": 1, "activation": "sigmoid"},
        "training": {"learning_rate": 0.1, "epochs": 2, "data": ROWS, "batch_size": batch},
        "normalize": {"method": "none"},
        "init": {"method": "random", "seed": 1},
    })
    return record(cfg, "all")[0]


@pytest.mark.parametrize("batch,expected", [(1, 8), (2, 4)])
def test_the_step_of_a_row(batch, expected):
    trace = _trace(batch)
    k = step_index(trace, 1, 3)
    assert int(trace.kept[k]) == expected


def test_a_step_not_kept_is_a_key_error():
    trace = _trace(1)
    with pytest.raises(KeyError):
        step_index(trace, 2, 0)
