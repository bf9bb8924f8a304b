"""Every number of the document's worked example, at the precision it prints.

Where the document's arithmetic is wrong, the test asserts the correct value
and the comment names the document's slip.  The expected numbers are the
document's (or, for its slips, a hand calculation shown beside them).
"""

from __future__ import annotations

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.core.dataset import column_minmax, normalise
from tracer.config.run import record

from conftest import EXAMPLES


def r(v, digits):
    return round(float(v), digits)


@pytest.fixture(scope="module")
def sig():
    trace, _ = record(config.load(None))
    return trace


@pytest.fixture(scope="module")
def tanh():
    trace, _ = record(config.load(None).with_activation("tanh"))
    return trace


# --- step 2: min & max values of the four-row dataset ----------------------

def test_minmax_of_four_row_dataset():
    cfg = config.load(None)
    lo, hi = column_minmax(cfg.illustrate_raw)
    # i0 -> Min: 25, Max: 70;  i1 -> Min: 67, Max: 98;  z0: 68 .. 91
    assert lo.tolist() == [25, 67, 68]
    assert hi.tolist() == [70, 98, 91]


# --- step 3: the two normalisation tables ------------------------------------

def _normalised(method):
    cfg = config.load(None)
    raw = cfg.illustrate_raw
    lo, hi = column_minmax(raw)
    return np.round(normalise(raw, lo, hi, method), 3)


def test_normalisation_zero_to_one_table():
    assert _normalised("zero-to-one").tolist() == [
        [1.0, 1.0, 1.0],
        [0.556, 0.581, 0.609],
        [0.889, 0.0, 0.522],
        [0.0, 0.903, 0.0],
    ]


def test_normalisation_minus_one_to_one_table():
    assert _normalised("minus-one-to-one").tolist() == [
        [1.0, 1.0, 1.0],
        [0.111, 0.161, 0.217],
        [0.778, -1.0, 0.043],
        [-1.0, 0.806, -1.0],
    ]


def test_normalised_65():
    # The document prints (65 - 25)/(70 - 25) = 0.8888; 40/45 = 0.88888... is 0.8889 at 4 decimals.
    v = normalise(np.array([65.0]), np.array([25.0]), np.array([70.0]), "zero-to-one")[0]
    assert r(v, 4) == 0.8889


def test_one_row_rule_and_target():
    # The worked step trains on the single row 70, 98, 91: min equals max for the
    # inputs, so both become 0.5; the target 91 with output range 0..100 is 0.91.
    trace, _ = record(config.load(None), "first:1")
    assert trace.x[0].tolist() == [0.5, 0.5]
    assert trace.z[0].tolist() == [0.91]
    assert normalise(np.array([[70.0]]), np.array([70.0]), np.array([70.0]), "minus-one-to-one")[0, 0] == 0.0


# --- step 4: forward pass ----------------------------------------------------

def test_hidden_sums(sig):
    assert [r(v, 4) for v in sig.s[0][0]] == [-0.25, 0.5, 1.0]


def test_hidden_activations_sigmoid(sig):
    # The document prints a_h[2] = sigma(1.0) = 0.7310; 1/(1+e^-1) = 0.731058..., so 0.7311.
    assert [r(v, 4) for v in sig.a[0][0]] == [0.4378, 0.6225, 0.7311]


def test_hidden_activations_tanh(tanh):
    assert [r(v, 4) for v in tanh.a[0][0]] == [-0.2449, 0.4621, 0.7616]


def test_output_sum_and_activation_sigmoid(sig):
    # The document prints s_o = 0.0964, adding its rounded terms 0.2189 - 0.6225 + 0.5;
    # with the unrounded activations s_o = 0.0964524..., which is 0.0965 at 4 decimals.
    assert r(sig.s[1][0][0], 4) == 0.0965
    assert r(sig.a[1][0][0], 4) == 0.5241


def test_output_sum_and_activation_tanh(tanh):
    # The document prints -0.1225 - 0.4621 + 0.0 + 0.5 = -0.0836; that sum is -0.0846
    # (s_o = -0.0845765...).  Its y_o = tanh(-0.0836) = -0.0834 carries the slip:
    # tanh(-0.0845765) = -0.0843754, -0.0844 (the document itself uses -0.08438 later).
    assert r(tanh.s[1][0][0], 4) == -0.0846
    assert r(tanh.a[1][0][0], 4) == -0.0844
    assert r(tanh.a[1][0][0], 5) == -0.08438


# --- loss ------------------------------------------------------------------

def test_first_loss(sig):
    # 1/2 (0.5240944 - 0.91)^2 = 0.0744616
    assert r(sig.loss[0], 5) == 0.07446


# --- step 5: error signals ---------------------------------------------------

def test_output_delta(sig, tanh):
    assert r(sig.delta[1][0][0], 6) == -0.096252
    # (1 - (-0.08438)^2)(-0.08438 - 0.91) = 0.99288 * -0.99438 = -0.9873
    assert r(tanh.delta[1][0][0], 4) == -0.9873


def test_hidden_deltas_sigmoid(sig):
    # delta_h[1]: the document writes "-1.0 . -0.986252" (a typo for -0.096252) and
    # prints 0.02261; 0.6224593 * 0.3775407 * 1.0 * 0.0962524 = 0.0226197, so 0.02262.
    assert [r(v, 5) for v in sig.delta[0][0]] == [-0.01185, 0.02262, 0.0]


def test_hidden_deltas_tanh(tanh):
    assert [r(v, 5) for v in tanh.delta[0][0]] == [-0.46404, 0.77646, 0.0]


def test_new_output_weights_sigmoid(sig):
    # w_o[1]: -1.0 - (0.1 * -0.096252 * 0.6225) = -1.0 + 0.0059917 = -0.99401;
    #   the document prints -0.99938.
    # w_o[2]: 0.0 - (0.1 * -0.096252 * 0.7311) = 0.0070366, so 0.00704;
    #   the document prints 0.00070.
    assert [r(v, 5) for v in sig.w_new(1)[0][0]] == [0.50421, -0.99401, 0.00704]
    assert r(sig.b_new(1)[0][0], 5) == 0.50963


def test_new_hidden_weights_sigmoid(sig):
    # w_h[1][1]: 0.5 - (0.1 * 0.0226197 * 0.5) = 0.4988690, so 0.49887 (0.4989 at 4
    #   decimals); the document prints 0.4988.
    w = sig.w_new(0)[0]
    assert [[r(v, 5) for v in row] for row in w] == [[-0.49941, -0.99941], [-0.50113, 0.49887], [1.0, 0.0]]
    # b_h[0]: 0.5 - (0.1 * -0.0118455) = 0.5011845, so 0.50118; the document prints
    #   0.50119, from its rounded delta -0.01185.
    assert [r(v, 5) for v in sig.b_new(0)[0]] == [0.50118, 0.49774, 0.5]


# --- the loss over iterations -------------------------------------------------

DOCUMENT_LOSS_TABLE = {
    0: 0.07446, 1: 0.07242, 2: 0.07044, 3: 0.06852, 4: 0.06666,
    5: 0.06486, 6: 0.06312, 7: 0.06143, 8: 0.05979, 9: 0.05820,
    100: 0.00985, 1000: 0.00006,
}


def test_loss_table(sig):
    table = dict(sig.loss_table())
    for k, v in DOCUMENT_LOSS_TABLE.items():
        assert r(table[k], 5) == v, k
    # iterations 0-9, every power of ten, and the last
    assert [k for k, _ in sig.loss_table()] == list(range(10)) + [10, 100, 1000]


def test_train_command_prints_the_loss_table(capsys):
    from tracer.cli import main

    assert main(["train"]) == 0
    out = capsys.readouterr().out
    for k, v in DOCUMENT_LOSS_TABLE.items():
        assert f"{k} │ {v:.5f}" in out or f"{k} | {v:.5f}" in out, (k, v)


def test_examples_reproduce_the_worked_example():
    """examples/seed/{sigmoid,tanh}.toml give the same first step as the embedded default."""
    for name, expected_y in (("sigmoid.toml", 0.5241), ("tanh.toml", -0.0844)):
        trace, _ = record(config.load(EXAMPLES / "seed" / name), "first:1")
        assert r(trace.y[0][0], 4) == expected_y
