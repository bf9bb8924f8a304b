"""examples/mazur reproduces Matt Mazur's "A Step by Step Backpropagation Example", computed by the engine.

The expected numbers are the post's own (2-2-2 sigmoid, inputs 0.05/0.10,
targets 0.01/0.99, learning rate 0.5, biases 0.35 and 0.60 shared by each
layer and never updated).  Where the post slipped, the true value is
asserted and the slip named; tests/test_reference.py establishes those
values independently (plain Python and a 40-digit mpmath run).

Mazur's names: w1 (i1->h1), w2 (i2->h1), w3 (i1->h2), w4 (i2->h2) are the
hidden layer's W[0] = [[w1, w2], [w3, w4]]; w5 (h1->o1), w6 (h2->o1),
w7 (h1->o2), w8 (h2->o2) the output layer's W[1] = [[w5, w6], [w7, w8]].
"""

from __future__ import annotations

import json

import pytest

from tracer.cli import main
from tracer.config import schema as config
from tracer.config.run import record

from conftest import EXAMPLES

MAZUR = EXAMPLES / "mazur" / "mazur.toml"


@pytest.fixture(scope="module")
def run():
    return record(config.load(MAZUR), "first:2")


def test_the_config_is_the_posts_variant():
    cfg = config.load(MAZUR)
    assert cfg.variant.bias == "shared" and cfg.variant.update_biases is False and cfg.loss == "mse"
    assert cfg.learning_rate == 0.5 and cfg.epochs == 10_000
    assert cfg.training_data()[0].tolist() == [[0.05, 0.10]] and cfg.training_data()[1].tolist() == [[0.01, 0.99]]


def test_the_forward_pass_is_the_posts(run):
    trace, _ = run
    assert round(trace.s[0][0][0], 4) == 0.3775  # net_h1 = w1 i1 + w2 i2 + b1
    assert round(trace.a[0][0][0], 9) == 0.593269992 and round(trace.a[0][0][1], 9) == 0.596884378  # out_h1, out_h2
    assert round(trace.s[1][0][0], 9) == 1.105905967  # net_o1
    assert round(trace.a[1][0][0], 8) == 0.75136507 and round(trace.a[1][0][1], 9) == 0.772928465  # out_o1, out_o2
    y, z = trace.a[1][0], trace.z[0]
    assert round(0.5 * (z[0] - y[0]) ** 2, 9) == 0.274811083  # E_o1
    assert round(0.5 * (z[1] - y[1]) ** 2, 9) == 0.023560026  # E_o2
    assert round(trace.loss[0], 9) == 0.298371109  # E_total


def test_every_new_weight_after_the_first_step_is_the_posts(run):
    trace, _ = run
    (w1, w2), (w3, w4) = trace.w_new(0)[0]
    (w5, w6), (w7, w8) = trace.w_new(1)[0]
    assert round(w5, 8) == 0.35891648 and round(w6, 9) == 0.408666186
    assert round(w7, 9) == 0.511301270 and round(w8, 9) == 0.561370121
    assert round(w1, 9) == 0.149780716 and round(w2, 8) == 0.19956143
    assert round(w3, 8) == 0.24975114 and round(w4, 8) == 0.29950229
    # the biases are shared and frozen: 0.35 and 0.60 for every node, before and after
    assert [b.tolist() for b in (trace.b[0][0], trace.b_new(0)[0], trace.b_new(0)[1])] == [[0.35, 0.35]] * 3
    assert trace.b_new(1)[0].tolist() == [0.6, 0.6]
    # the output layer's error signals, as the post derives them for w5: dE/dnet_o1 = 0.138498562
    assert round(trace.delta[1][0][0], 9) == 0.138498562


def test_the_error_after_the_first_step(run):
    trace, _ = run
    # The post prints 0.291027924; the true error after one update is
    # 0.291027774 (the post's 7th decimal slipped, as if from rounded weights).
    assert round(trace.loss[1], 9) == 0.291027774


def test_the_error_and_outputs_after_ten_thousand_iterations():
    trace, net = record(config.load(MAZUR), "epochs")
    # 10,000 updates: the true error is 0.0000351018778 and the outputs
    # 0.015913620, 0.984064274.  The post's 0.0000351085 is the error after
    # 9,999 updates (the loss the 10,000th update starts from), and its
    # outputs 0.015912196 / 0.984065734 fit no count of updates.
    assert round(trace.final_loss, 13) == 0.0000351018778
    assert [round(v, 9) for v in net.predict([[0.05, 0.10]])[0]] == [0.015913620, 0.984064274]
    assert round(trace.epoch_loss[9_999], 10) == 0.0000351085
    assert [b.tolist() for b in net.b] == [[0.35, 0.35], [0.6, 0.6]]


def test_train_writes_the_posts_weights_after_one_step(tmp_path, capsys):
    assert main(["train", str(MAZUR), "--epochs", "1", "--out", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "trained-weights-biases.json").read_text())
    assert [[round(v, 8) for v in row] for row in saved["outputWeights"]] == [[0.35891648, 0.40866619],
                                                                             [0.51130127, 0.56137012]]
    assert [[round(v, 8) for v in row] for row in saved["hiddenWeights"][0]] == [[0.14978072, 0.19956143],
                                                                                [0.24975114, 0.29950229]]
    assert saved["hiddenBias"] == [[0.35, 0.35]] and saved["outputBias"] == [0.6, 0.6]  # one value per node


def test_report_explains_the_posts_variant(tmp_path):
    # every value it shows: tests/explain/test_variant_explanations.py (the post's figures, and tests/reference.py)
    out = tmp_path / "m.md"
    assert main(["report", str(MAZUR), "-o", str(out)]) == 0
    text = out.read_text()
    assert "one bias per layer, shared by all its nodes" in text and "The biases are frozen" in text
    assert main(["verify", str(out)]) == 0
