"""Go-format files, CSV datasets, save/load round trips, test and predict."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.config import files
from tracer.cli import main

import reference
from conftest import EXAMPLES, ROOT

GO = EXAMPLES / "classification"


def test_go_example_files_load():
    params = files.read_weights(EXAMPLES / "seed" / "init-weights-biases.json", [2, 3, 1])
    assert params[0][0].tolist() == [[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]]
    assert params[0][1].tolist() == [0.5, 0.5, 0.5]
    assert params[1][0].tolist() == [[0.5, -1.0, 0.0]]
    assert params[1][1].tolist() == [0.5]
    trained = files.read_weights(GO / "trained-weights-biases.json", [2, 15, 15, 1])
    assert [w.shape for w, _ in trained] == [(15, 2), (15, 15), (1, 15)]
    assert trained[0][0][0, 0] == 0.4104537746408362
    mm = files.read_minmax(GO / "minmax.json", 2, 1)
    assert {k: v.tolist() for k, v in mm.items()} == {
        "minInput": [45, 55], "maxInput": [80, 98], "minOutput": [52], "maxOutput": [87]}


def test_csv_without_final_newline_with_spaces():
    header, rows = files.read_csv(EXAMPLES / "seed" / "dataset.csv")
    assert (EXAMPLES / "seed" / "dataset.csv").read_bytes()[-1:] != b"\n"
    assert header == ["i0", "i1", "z0"]
    assert rows.tolist() == [[70, 98, 91]]


def test_csv_with_bom_and_windows_line_endings(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"\xef\xbb\xbfa, b ,c\r\n1, 2,3\r\n\r\n4,5 ,6\r\n")
    header, rows = files.read_csv(p)
    assert header == ["a", "b", "c"] and rows.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_train_save_load_round_trip_restores_every_float(tmp_path):
    out = tmp_path / "out"
    assert main(["train", str(GO / "train.toml"), "--epochs", "7", "--out", str(out)]) == 0
    saved = json.loads((out / "trained-weights-biases.json").read_text())
    assert set(saved) == {"hiddenWeights", "hiddenBias", "outputWeights", "outputBias"}
    # the file holds exactly the engine's floats ...
    from tracer.config.run import record

    _, net = record(config.load(GO / "train.toml").replace(epochs=7), "epochs")
    loaded = files.read_weights(out / "trained-weights-biases.json", [2, 15, 15, 1])
    for (w, b), W, B in zip(loaded, net.W, net.b):
        assert np.array_equal(w, W) and np.array_equal(b, B)
    # ... and writing what was read gives the same bytes again
    again = tmp_path / "again.json"
    files.write_weights(again, loaded)
    assert again.read_bytes() == (out / "trained-weights-biases.json").read_bytes()
    # the saved min-max is the training dataset's, as the Go package's minmax.json
    mm = json.loads((out / "minmax.json").read_text())
    assert mm == {"minInput": [45.0, 55.0], "maxInput": [80.0, 98.0], "minOutput": [52.0], "maxOutput": [87.0]}


def test_awkward_floats_survive_the_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    vals = [5e-324, 1e-7, -2.5e-310, 0.1 + 0.2, 1 / 3, -0.0, 1.7976931348623157e308, 123456789.123456789]
    params = [(np.array([vals[:4], vals[4:]]), np.array(vals[:2])), (rng.normal(size=(1, 2)), np.array([math.pi]))]
    p = tmp_path / "w.json"
    files.write_weights(p, params)
    back = files.read_weights(p, [4, 2, 1])
    for (w, b), (W, B) in zip(back, params):
        assert w.tobytes() == W.tobytes() and b.tobytes() == B.tobytes()


def _reference_predict(weights_path, minmax_path, rows):
    data = json.loads(Path(weights_path).read_text())
    mm = json.loads(Path(minmax_path).read_text())
    layers = [(w, b) for w, b in zip(data["hiddenWeights"], data["hiddenBias"])]
    layers.append((data["outputWeights"], data["outputBias"]))
    out = []
    for row in rows:
        x = [(v - lo) / (hi - lo) for v, lo, hi in zip(row, mm["minInput"], mm["maxInput"])]
        for w, b in layers:
            x = [reference.act("sigmoid", sum(wi * xi for wi, xi in zip(wr, x)) + bj) for wr, bj in zip(w, b)]
        out.append([y * (hi - lo) + lo for y, lo, hi in zip(x, mm["minOutput"], mm["maxOutput"])])
    return out


def test_test_command_on_the_classification_example(capsys):
    assert main(["test", str(GO / "trained.toml")]) == 0
    out = capsys.readouterr().out
    rows = [[70, 98], [75, 85], [55, 65], [45, 55], [80, 70]]
    targets = [87, 82, 61, 52, 73]
    preds = _reference_predict(GO / "trained-weights-biases.json", GO / "minmax.json", rows)
    losses = [0.5 * ((p[0] - 52) / 35 - (t - 52) / 35) ** 2 for p, t in zip(preds, targets)]
    for p in preds:
        assert f"{p[0]:.4f}" in out
    assert f"mean loss {sum(losses) / len(losses):.5f}" in out


def test_predict_command_input_and_csv(capsys, tmp_path):
    assert main(["predict", str(GO / "trained.toml"), "--input", "65,67"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "i0,i1,z0"
    expected = _reference_predict(GO / "trained-weights-biases.json", GO / "minmax.json", [[65, 67]])[0][0]
    assert float(out[1].split(",")[2]) == pytest.approx(expected, abs=1e-12)

    csv = tmp_path / "in.csv"
    csv.write_text("i0,i1\n70,98\n45,55\n")  # the header names the config's inputs
    assert main(["predict", str(GO / "trained.toml"), "--data", str(csv)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    expected = _reference_predict(GO / "trained-weights-biases.json", GO / "minmax.json", [[70, 98], [45, 55]])
    assert [float(l.split(",")[2]) for l in lines] == pytest.approx([e[0] for e in expected], abs=1e-12)


def test_train_never_writes_over_its_inputs(tmp_path, capsys):
    work = tmp_path / "seed"
    shutil.copytree(EXAMPLES / "seed", work, ignore=shutil.ignore_patterns("figures"))
    shutil.copy(work / "init-weights-biases.json", work / "trained-weights-biases.json")
    cfg = work / "sigmoid.toml"
    text = cfg.read_text().replace('file = "init-weights-biases.json"', 'file = "trained-weights-biases.json"')
    cfg.write_text(text)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    assert main(["train", str(cfg), "--out", str(work)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "overwrite an input" in err
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before


def test_python_dash_m_and_console_script_help():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "tracer", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "train" in r.stdout and "report" in r.stdout


def test_writing_to_a_fifo_or_through_a_symlink_never_replaces_it(tmp_path):
    """A rename over a device or FIFO would replace it (as root: /dev/null itself)."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    files.atomic_write(fifo, "through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)

    real = tmp_path / "real.json"
    real.write_text("old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    files.atomic_write(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600  # an existing file keeps its permissions


def test_writing_to_dev_null_leaves_it_a_device():
    import os
    import stat

    files.atomic_write(os.devnull, "discarded")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_test_command_shows_the_first_thousand_rows_and_the_mean_loss_of_all(tmp_path, capsys):
    # A linear 1-1 network with zero weight and bias predicts 0 for every row; targets
    # alternate 0, 1, so each row's loss is 0 or 1/2 (y - z)^2 = 0.5 and the mean over
    # 1500 rows is 0.25.
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({
        "network": {"inputs": 1, "hidden": [], "outputs": 1, "activation": "linear"},
        "training": {"data": [[r, r % 2] for r in range(1500)]},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": [], "hiddenBias": [], "outputWeights": [[0.0]], "outputBias": [0.0]},
    }))
    assert main(["test", str(cfg)]) == 0
    out = capsys.readouterr().out
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert rows == [str(r) for r in range(1000)] + ["..."]
    assert "the first 1,000 rows of 1,500 are shown" in out
    assert "mean loss 0.25000 over 1,500 rows" in out


def test_many_columns_load_in_linear_time(tmp_path):
    # The duplicate checks of labels and of a CSV header compared every name with every
    # other: 100,000 names were 10^10 comparisons (minutes).  One pass takes well under a second.
    import time

    n = 100_000
    labels = [f"i{i}" for i in range(n)]
    (tmp_path / "d.csv").write_text(",".join(labels + ["z"]) + "\n" + ",".join(["1"] * (n + 1)) + "\n")
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"network": {"inputs": labels, "hidden": [1], "outputs": ["z"]},
                               "training": {"dataset": "d.csv"}}))
    start = time.perf_counter()
    loaded = config.load(cfg)
    assert time.perf_counter() - start < 10
    assert loaded.n_in == n and loaded.raw.shape == (1, n + 1)


# --- bounded reads, strict numbers, unique keys (issue 11, classes 4 and 12)


def test_a_device_is_refused_without_reading_it():
    with pytest.raises(files.InputError, match="is a device, not a regular file"):
        files.read_text("/dev/zero", "dataset")


def test_a_pipe_that_never_ends_is_read_only_to_the_limit(monkeypatch):
    import os
    import threading

    monkeypatch.setitem(files.READ_LIMITS, "config", 1000)
    r, w = os.pipe()

    def write_forever():
        try:
            while True:
                os.write(w, b"#" * 4096)
        except OSError:  # the reader closed its end
            pass
        finally:
            os.close(w)

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    try:
        with pytest.raises(files.InputError, match="larger than 1,000 bytes, the most mlptrace reads from a config file"):
            files.read_text(f"/dev/fd/{r}", "config")
    finally:
        os.close(r)
    writer.join(5)


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path, monkeypatch):
    monkeypatch.setitem(files.READ_LIMITS, "dataset", 2 * files.MiB)
    p = tmp_path / "d.csv"
    p.write_bytes(b"a\n" * files.MiB)
    assert len(files.read_text(p, "dataset")) == 2 * files.MiB
    p.write_bytes(b"a\n" * files.MiB + b"\n")
    with pytest.raises(files.InputError, match="larger than 2 MiB"):
        files.read_text(p, "dataset")


@pytest.mark.parametrize("text", ["1_0", "١٠", "１０", " 10", "10 ", "", "+", "1e3", "0x10", "10.0"])
def test_parse_integer_takes_plain_ascii_digits_only(text):
    assert files.parse_integer(text) is None


@pytest.mark.parametrize("text,value", [("10", 10), ("-3", -3), ("+7", 7), ("007", 7)])
def test_parse_integer_values(text, value):
    assert files.parse_integer(text) == value


@pytest.mark.parametrize("text", ["0_1", "٠٫١", "０.１", "nan", "inf", "-Infinity", "1e999", " 1", "1e", ".", "0x1p3"])
def test_parse_number_takes_plain_finite_decimals_only(text):
    assert files.parse_number(text) is None


@pytest.mark.parametrize("text,value", [("3", 3.0), ("-0.5", -0.5), ("1.", 1.0), (".5", 0.5), ("1E+3", 1000.0)])
def test_parse_number_values(text, value):
    assert files.parse_number(text) == value


@pytest.mark.parametrize("text,where", [
    ('{"a": 1, "a": 2}', "a"),
    ('{"a": {"b": [1, {"c": 1, "c": 1}]}}', "a.b[1].c"),
    ('[{"x": 1}, {"y": 1, "y": 2}]', "[1].y"),
])
def test_read_json_names_a_repeated_key(tmp_path, text, where):
    p = tmp_path / "w.json"
    p.write_text(text)
    with pytest.raises(files.InputError) as info:
        files.read_json(p, "weights")
    assert info.value.where == where and "twice" in info.value.what
