"""train --out DIR writes DIR/trained.toml, so that test and predict use the trained network.

The numbers come from tests/reference.py (plain-Python SGD from the
document's equations): the four-row dataset of the document's normalisation
section, the worked example's initial weights, 200 epochs.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib

import pytest

import reference
from badinput import lay_out, run, run_bad_input, seed_with
from conftest import EXAMPLES

EPOCHS = 200
UNTRAINED = "untrained: the config's initial weights"


def _reference_four_rows(epochs: int = EPOCHS):
    """Initial and trained mean loss, the trained weights and the min-max, all by the reference."""
    rows = [[float(v) for v in line.split(",")] for line in (EXAMPLES / "seed" / "four-rows.csv").read_text().splitlines()[1:]]
    cols = list(zip(*rows))
    lo, hi = [min(c) for c in cols], [max(c) for c in cols]
    norm = [reference.normalise_column(c, lo[j], hi[j], "zero-to-one") for j, c in enumerate(cols)]
    X = [[norm[0][r], norm[1][r]] for r in range(4)]
    Z = [[norm[2][r]] for r in range(4)]
    init = json.loads((EXAMPLES / "seed" / "init-weights-biases.json").read_text())
    W = [init["hiddenWeights"][0], init["outputWeights"]]
    B = [init["hiddenBias"][0], init["outputBias"]]
    acts = ["sigmoid", "sigmoid"]

    def mean_loss():
        total = 0.0
        for x, z in zip(X, Z):
            _, a = reference.forward(W, B, acts, x)
            total += 0.5 * sum((y - t) ** 2 for y, t in zip(a[-1], z))
        return total / len(X)

    before = mean_loss()
    reference.train(W, B, acts, X, Z, 0.1, epochs)
    return before, mean_loss(), W, B, (lo, hi)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    lay_out(folder, {})
    r = run(folder, ["train", "four-rows.toml", "--epochs", str(EPOCHS), "--out", "out"])
    assert r.returncode == 0, r.stderr
    return folder, r.stdout


def test_train_writes_a_config_of_the_trained_network(trained):
    folder, stdout = trained
    out = folder / "out"
    assert sorted(p.name for p in out.iterdir()) == ["minmax.json", "trained-weights-biases.json",
                                                     "trained.toml", "training-data.csv"]
    data = tomllib.loads((out / "trained.toml").read_text())
    # every path names a file beside it, so the folder can be moved
    assert data["init"] == {"method": "file", "file": "trained-weights-biases.json", "trained": True}
    assert data["normalize"] == {"method": "zero-to-one", "inputs": "file", "outputs": "file", "minmax": "minmax.json"}
    assert data["training"]["dataset"] == "training-data.csv"
    assert data["training"]["epochs"] == EPOCHS
    assert data["network"] == {"inputs": ["i0", "i1"], "hidden": [3], "outputs": ["z0"], "activation": "sigmoid"}
    # the copy of the rows reads back as the same numbers
    copied = [[float(v) for v in line.split(",")] for line in (out / "training-data.csv").read_text().splitlines()[1:]]
    original = [[float(v) for v in line.split(",")] for line in (EXAMPLES / "seed" / "four-rows.csv").read_text().splitlines()[1:]]
    assert copied == original
    assert "trained.toml" in stdout


def test_test_on_trained_toml_gives_the_loss_after_training(trained):
    folder, train_out = trained
    before, after, _, _, _ = _reference_four_rows()
    # train's own last row of the loss table is the loss after training
    assert re.search(rf"│\s+{EPOCHS} │\s+{after:.5f} │", train_out), train_out
    r = run(folder, ["test", "out/trained.toml"])
    assert r.returncode == 0, r.stderr
    assert f"mean loss {after:.5f} over 4 rows" in r.stdout
    assert UNTRAINED not in r.stdout
    # the config it was trained from still holds the initial weights, and says so
    r = run(folder, ["test", "four-rows.toml"])
    assert f"mean loss {before:.5f} over 4 rows" in r.stdout
    assert UNTRAINED in r.stdout
    assert f"{before:.5f}" != f"{after:.5f}"  # the two are told apart at the printed precision


def test_the_folder_can_be_moved(trained, tmp_path):
    folder, _ = trained
    _, after, _, _, _ = _reference_four_rows()
    shutil.copytree(folder / "out", tmp_path / "elsewhere")
    r = run(tmp_path, ["test", "elsewhere/trained.toml"])
    assert r.returncode == 0, r.stderr
    assert f"mean loss {after:.5f} over 4 rows" in r.stdout


def test_predict_on_trained_toml_uses_the_trained_weights(trained):
    folder, _ = trained
    _, _, W, B, (lo, hi) = _reference_four_rows()
    x = [65.0, 67.0]
    xn = [reference.normalise_column([v], lo[j], hi[j], "zero-to-one")[0] for j, v in enumerate(x)]
    _, a = reference.forward(W, B, ["sigmoid", "sigmoid"], xn)
    expected = lo[2] + a[-1][0] * (hi[2] - lo[2])  # denormalised with the output min-max
    r = run(folder, ["predict", "out/trained.toml", "--input", "65,67"])
    assert r.returncode == 0, r.stderr
    header, row = r.stdout.splitlines()
    assert header == "i0,i1,z0"
    assert float(row.split(",")[2]) == pytest.approx(expected, rel=1e-12)
    assert r.stderr == ""
    r = run(folder, ["predict", "four-rows.toml", "--input", "65,67"])
    assert r.stdout.splitlines()[0] == "i0,i1,z0"  # the CSV stays clean; the note goes to stderr
    assert UNTRAINED in r.stderr
    # --weights names trained weights itself: no note
    r = run(folder, ["predict", "four-rows.toml", "--input", "65,67", "--weights", "out/trained-weights-biases.json"])
    assert r.stderr == ""


def test_trained_toml_keeps_the_activation_trained_with(tmp_path):
    lay_out(tmp_path, {})
    r = run(tmp_path, ["train", "--activation", "tanh", "--epochs", "3", "--out", "out"])
    assert r.returncode == 0, r.stderr
    data = tomllib.loads((tmp_path / "out" / "trained.toml").read_text())
    assert data["network"]["activation"] == "tanh"
    assert data["training"]["epochs"] == 3
    assert "report" not in data  # its dataset is outside the folder
    # the seed's output side reads a min-max file, its input side is calculated: both are fixed now
    assert data["normalize"]["inputs"] == data["normalize"]["outputs"] == "file"


def test_an_off_side_stays_off(tmp_path):
    lay_out(tmp_path, {"c.toml": seed_with('inputs = "calculate"', 'inputs = "off"')})
    r = run(tmp_path, ["train", "c.toml", "--epochs", "2", "--out", "out"])
    assert r.returncode == 0, r.stderr
    data = tomllib.loads((tmp_path / "out" / "trained.toml").read_text())
    assert data["normalize"]["inputs"] == "off" and data["normalize"]["outputs"] == "file"


@pytest.mark.parametrize("value", ['"yes"', "1"])
def test_trained_must_be_a_boolean(tmp_path, value):
    run_bad_input(tmp_path, {"c.toml": seed_with('file = "init-weights-biases.json"',
                                                 f'file = "init-weights-biases.json"\ntrained = {value}')},
                  ["test", "c.toml"], ["c.toml", "init.trained", "true or false"])


def test_trained_toml_in_the_way_fails_before_training(tmp_path):
    run_bad_input(tmp_path, {"out/trained.toml/": None}, ["train", "--out", "out"], ["out/trained.toml", "directory"])
