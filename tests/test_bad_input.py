"""Bad input: one line naming the file and the place, exit 2, no traceback, nothing written.

Each case is (name, files to create beside a copy of the seed example, the
command line, words the message must contain).  The command runs in a
subprocess so the real console script's output is what is checked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES

SEED = (EXAMPLES / "seed" / "sigmoid.toml").read_text()


def seed_with(old: str, new: str) -> str:
    assert old in SEED, old
    return SEED.replace(old, new)


CASES = [
    ("toml syntax", {"c.toml": "[network\n"}, ["train", "c.toml"], ["c.toml", "line 1"]),
    ("json syntax", {"c.json": '{"network": '}, ["train", "c.json"], ["c.json", "line 1"]),
    ("json top level not an object", {"c.json": "[1, 2]"}, ["train", "c.json"], ["c.json", "top level"]),
    ("unknown section", {"c.toml": SEED + "\n[extra]\nx = 1\n"}, ["train", "c.toml"], ["c.toml", "extra", "unknown section"]),
    ("unknown key", {"c.toml": seed_with("hidden = [3]", "hidden = [3]\nhiden = 2")}, ["train", "c.toml"], ["network.hiden", "unknown key"]),
    ("missing key", {"c.toml": seed_with('outputs = ["z0"]', "")}, ["train", "c.toml"], ["network.outputs", "missing"]),
    ("unknown activation", {"c.toml": seed_with('activation = "sigmoid"', 'activation = "swish"')}, ["train", "c.toml"], ["network.activation", "swish"]),
    ("activation list of wrong length", {"c.toml": seed_with('activation = "sigmoid"', 'activation = ["tanh"]')}, ["train", "c.toml"], ["network.activation", "list of 2"]),
    ("negative learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = -0.1")}, ["train", "c.toml"], ["training.learning_rate", "positive"]),
    ("learning rate not a number", {"c.toml": seed_with("learning_rate = 0.1", 'learning_rate = "fast"')}, ["train", "c.toml"], ["training.learning_rate", "number"]),
    ("infinite learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = inf")}, ["train", "c.toml"], ["training.learning_rate", "finite"]),
    ("zero epochs", {"c.toml": seed_with("epochs = 1000", "epochs = 0")}, ["train", "c.toml"], ["training.epochs"]),
    ("hidden size zero", {"c.toml": seed_with("hidden = [3]", "hidden = [0]")}, ["train", "c.toml"], ["network.hidden[0]"]),
    ("empty label list", {"c.toml": seed_with('inputs = ["i0", "i1"]', "inputs = []")}, ["train", "c.toml"], ["network.inputs"]),
    ("unknown loss", {"c.toml": seed_with('loss = "mse"', 'loss = "hinge"')}, ["train", "c.toml"], ["training.loss", "hinge"]),
    ("unknown normalisation", {"c.toml": seed_with('method = "zero-to-one"', 'method = "z-score"')}, ["train", "c.toml"], ["normalize.method"]),
    ("wrong weight shapes", {"c.toml": seed_with("hidden = [3]", "hidden = [4]")}, ["train", "c.toml"], ["init-weights-biases.json", "hiddenWeights[0]"]),
    ("weights with a string", {"w.json": '{"hiddenWeights": [[[-0.5, "x"], [-0.5, 0.5], [1, 0]]], "hiddenBias": [[0.5, 0.5, 0.5]], "outputWeights": [[0.5, -1, 0]], "outputBias": [0.5]}',
                               "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')}, ["train", "c.toml"], ["w.json", "hiddenWeights[0][0][1]", "number"]),
    ("weights missing a key", {"w.json": '{"hiddenWeights": [], "hiddenBias": []}',
                               "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')}, ["train", "c.toml"], ["w.json", "outputWeights", "missing"]),
    ("min-max wrong length", {"m.json": '{"minInput": [0], "maxInput": [100, 100], "minOutput": [0], "maxOutput": [100]}',
                              "c.toml": seed_with('minmax = "minmax-output-0-100.json"', 'minmax = "m.json"')}, ["train", "c.toml"], ["m.json", "minInput"]),
    ("csv row too short", {"d.csv": "i0,i1,z0\n1,2\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 2"]),
    ("csv non-number", {"d.csv": "i0,i1,z0\n1,2,3\n4,abc,6\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 3, column 3", "abc"]),
    ("csv empty", {"d.csv": "", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "empty"]),
    ("csv header only", {"d.csv": "i0,i1,z0\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "no data rows"]),
    ("csv wrong column count", {"d.csv": "i0,z0\n1,2\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 1", "columns"]),
    ("csv not UTF-8", {"d.csv": b"i0,i1,z0\n1,2,\xff\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 2", "UTF-8"]),
    ("missing dataset file", {"c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "nope.csv"')}, ["train", "c.toml"], ["nope.csv", "no such file"]),
    ("missing config", {}, ["train", "nope.toml"], ["nope.toml", "no such file"]),
    ("bad --epochs", {}, ["train", "--epochs", "ten"], ["--epochs"]),
    ("bad --record", {}, ["train", "--record", "often"], ["--record", "often"]),
    ("--out inside a missing directory", {}, ["train", "--out", "no/such/dir"], ["no/such/dir", "does not exist"]),
    ("predict wrong count", {}, ["predict", "--input", "1,2,3"], ["--input", "3 value"]),
    ("predict non-number", {}, ["predict", "--input", "1,x"], ["--input"]),
    ("test weights of the wrong network", {}, ["test", "--weights", "CLASSIFICATION_WEIGHTS"], ["trained-weights-biases.json", "hiddenWeights"]),
    ("unknown command", {}, ["teach"], ["command line"]),
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name,files,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, name, files, argv, words):
    for p in (EXAMPLES / "seed").iterdir():
        if p.is_file():
            shutil.copy(p, tmp_path / p.name)
    for fname, content in files.items():
        target = tmp_path / fname
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = [str(EXAMPLES / "classification" / "trained-weights-biases.json") if a == "CLASSIFICATION_WEIGHTS" else a for a in argv]
    before = snapshot(tmp_path)
    r = subprocess.run([sys.executable, "-m", "tracer", *argv], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("mlptrace: error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert r.stdout == ""
    assert snapshot(tmp_path) == before
