"""Recording policies, streamed traces, loading traces back, interrupts and imports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.config import trace_io
from tracer.core import trace as T
from tracer.cli import main
from tracer.config.run import record

from conftest import EXAMPLES, ROOT

FOUR = EXAMPLES / "seed" / "four-rows.toml"
STORED = ("w", "b", "s", "a", "delta")


def assert_same(a: T.Trace, b: T.Trace) -> None:
    assert a.kept.tolist() == b.kept.tolist()
    for name in ("x", "z", "loss"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in STORED:
        for x, y in zip(getattr(a, name), getattr(b, name)):
            assert np.array_equal(x, y), name
    assert np.array_equal(a.epoch_loss, b.epoch_loss)
    assert a.final_loss == b.final_loss
    for (w1, b1), (w2, b2) in zip(a.final, b.final):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)


@pytest.mark.parametrize("spec", ["all", "first:3", "every:7", "last:5", "first:2,every:10,last:3", "epochs"])
def test_each_policy_keeps_exactly_the_steps_it_names(spec):
    cfg = config.load(FOUR).replace(epochs=9)  # 36 steps
    total = 36
    expected = set()
    for part in spec.split(","):
        kind, _, n = part.partition(":")
        n = int(n or 0)
        expected |= {"all": lambda: set(range(total)), "epochs": set, "first": lambda: set(range(n)),
                     "every": lambda: set(range(0, total, n)), "last": lambda: set(range(total - n, total))}[kind]()
    trace, _ = record(cfg, spec)
    assert trace.kept.tolist() == sorted(expected)
    assert list(T.parse_policy(spec).iter_steps(total)) == sorted(expected)
    full, _ = record(cfg, "all")
    for k, step in enumerate(trace.kept):
        assert np.array_equal(trace.w[0][k], full.w[0][step])
        assert trace.epoch[k] == step // 4 and trace.row[k] == step % 4
    assert np.array_equal(trace.epoch_loss, full.epoch_loss)  # every epoch's loss, whatever is kept


def test_derived_quantities_equal_the_engines_at_every_step():
    trace, net = record(config.load(EXAMPLES / "classification" / "train.toml").replace(epochs=6))
    for l in range(3):
        # w_new of each step is bit for bit the w the engine used at the next step
        assert np.array_equal(trace.w_new(l)[:-1], trace.w[l][1:])
        assert np.array_equal(trace.b_new(l)[:-1], trace.b[l][1:])
        inp = trace.x if l == 0 else trace.a[l - 1]
        assert np.array_equal(trace.grad_w(l), np.einsum("kj,ki->kji", trace.delta[l], inp))
    assert np.array_equal(trace.w_new(2)[-1], net.W[2])


@pytest.mark.parametrize("spec", ["all", "every:3,last:2"])
def test_streamed_trace_loads_back_equal_to_the_in_memory_one(tmp_path, spec, monkeypatch):
    monkeypatch.setattr(trace_io, "CHUNK", 5)  # several chunks, the last one partial
    import tracer.config.run

    monkeypatch.setattr(tracer.config.run, "CHUNK", 5)
    cfg = config.load(FOUR).replace(epochs=7)
    streamed, _ = record(cfg, spec, stream_to=str(tmp_path / "t.npz"))
    assert streamed.n_steps == 0  # nothing held in memory
    memory, _ = record(cfg, spec)
    loaded = trace_io.load(tmp_path / "t.npz")
    assert_same(loaded, memory)
    chunks = list(trace_io.iter_chunks(tmp_path / "t.npz"))
    assert len(chunks) == -(-memory.n_steps // 5)
    assert [len(c.kept) for c in chunks[:-1]] == [5] * (len(chunks) - 1)


def test_json_trace_loads_back(tmp_path):
    out = tmp_path / "t.json"
    assert main(["train", str(FOUR), "--epochs", "5", "--trace", str(out)]) == 0
    memory, _ = record(config.load(FOUR).replace(epochs=5))
    assert_same(trace_io.load(out), memory)


def test_cli_streams_npz_and_rejects_other_trace_suffixes(tmp_path, capsys):
    assert main(["train", str(FOUR), "--epochs", "4", "--trace", str(tmp_path / "t.npz"), "--record", "every:3"]) == 0
    assert trace_io.load(tmp_path / "t.npz").kept.tolist() == [0, 3, 6, 9, 12, 15]
    assert main(["train", "--trace", str(tmp_path / "t.txt")]) == 2
    assert "t.txt" in capsys.readouterr().err
    assert not (tmp_path / "t.txt").exists()


def test_ctrl_c_stops_cleanly_and_keeps_what_was_trained(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", "train", str(FOUR), "--epochs", "2000000", "--out", str(tmp_path / "o"),
         "--trace", str(tmp_path / "t.npz")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().startswith("mlptrace: interrupted at epoch")
    weights = json.loads((tmp_path / "o" / "trained-weights-biases.json").read_text())
    t = trace_io.load(tmp_path / "t.npz")
    assert t.stopped.startswith("interrupted") and t.n_steps > 0
    # the saved weights are those after the last recorded step
    assert np.array_equal(np.array(weights["outputWeights"]), t.w_new(1)[-1])


def _imported_modules(code: str) -> set[str]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}


def test_help_imports_neither_numpy_nor_sympy():
    mods = _imported_modules("import sys; from tracer.cli import main; sys.argv=['mlptrace','--help']\ntry: main(['--help'])\nexcept SystemExit: pass")
    assert "tracer.cli" in mods
    assert not {"numpy", "sympy", "jinja2", "rich"} & mods


def test_train_never_imports_sympy():
    mods = _imported_modules("from tracer.cli import main; main(['train', '--epochs', '3'])")
    assert "tracer.core.engine" in mods and "numpy" in mods
    assert "sympy" not in mods and "jinja2" not in mods


@pytest.mark.parametrize("spec", ["all", "epochs", "first:3", "every:7", "last:50", "first:2,every:10,last:3"])
def test_most_steps_bounds_the_kept_count_without_building_it(spec):
    p = T.parse_policy(spec)
    for total in (0, 1, 36, 1000):
        kept = len(p.steps(total))
        assert kept <= p.most_steps(total) <= total
        if "," not in spec:  # one part: exact
            assert p.most_steps(total) == kept
    # by hand: every:10 of 10**15 steps is 10**14 of them, counted, not listed
    assert T.parse_policy("every:10").most_steps(10**15) == 10**14


def _write_measuring_peak(trace: T.Trace, out) -> tuple[int, int]:
    """Write ``trace`` as JSON to ``out``; the peak of memory allocated meanwhile, and the file's size."""
    import tracemalloc

    from tracer.config import files

    tracemalloc.start()
    files.atomic_write(out, trace.json_chunks())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, out.stat().st_size


def test_json_trace_is_written_in_pieces_without_holding_the_file_in_memory(tmp_path):
    trace, _ = record(config.load(FOUR).replace(epochs=5000))  # 20,000 steps, about 27 MB of JSON
    out = tmp_path / "t.json"
    peak, size = _write_measuring_peak(trace, out)
    assert peak < size / 5, (peak, size)  # the whole text (or its dicts) in memory would be several times size
    text = out.read_text()
    assert "".join(trace.json_chunks(chunk=7)) == text == trace.to_json()
    back = trace_io.load(out)
    assert_same(back, trace)


def test_json_trace_of_many_epochs_is_written_in_pieces_too(tmp_path):
    trace, _ = record(config.load(None).replace(epochs=100_000), "epochs")  # no steps, 100,000 epoch losses
    out = tmp_path / "t.json"
    peak, size = _write_measuring_peak(trace, out)
    assert peak < size / 3, (peak, size)
    got = json.loads(out.read_text())
    assert [e["epoch"] for e in got["epochs"]] == list(range(100_000))
    assert [e["loss"] for e in got["epochs"]] == trace.epoch_loss.tolist()
