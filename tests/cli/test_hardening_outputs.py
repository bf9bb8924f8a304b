"""Issue 11, class 10: a command's outputs are committed together or not at all.

A file-size limit (``ulimit -f``: RLIMIT_FSIZE, with SIGXFSZ ignored so a
write fails with EFBIG instead of killing the process) makes one output of
several fail; SIGTERM arrives while a trace is being written.  Either way
no output (and no temporary file) is left behind.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from badinput import lay_out, run, snapshot


def _limit(nbytes: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return preexec


def _limited(tmp_path: Path, argv: list[str], nbytes: int) -> None:
    folder = tmp_path / "limited"
    folder.mkdir()
    lay_out(folder, {})
    before = snapshot(folder)
    r = run(folder, argv, timeout=300, preexec_fn=_limit(nbytes))
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr[-2000:]
    assert r.stderr.startswith("mlptrace: error: ")
    assert snapshot(folder) == before  # no report, no figure, no temporary file


def test_ulimit_f_25_leaves_no_figure_of_a_failed_report(tmp_path):
    """The issue's repro: the gd figure (27 KB) does not fit, the network and loss figures do."""
    free = tmp_path / "free"
    free.mkdir()
    lay_out(free, {})
    assert run(free, ["report", "-o", "r.md"], timeout=300).returncode == 0
    sizes = sorted(p.stat().st_size for p in free.glob("r*.*"))
    limit = 25 * 1024
    assert sizes[0] < limit < sizes[-1], sizes  # some outputs fit, some do not
    _limited(tmp_path, ["report", "-o", "r.md"], limit)


def test_a_failed_weights_or_minmax_write_leaves_neither(tmp_path):
    """A network whose min-max file is larger than its weights file: the weights fit, the min-max does not."""
    inputs = ", ".join(f'"i{i}"' for i in range(60))
    rows = [", ".join(repr(base + 1.1 * i) for i in range(61)) for base in (1000.1234567890123, 2000.9876543210987)]
    cfg = f'[network]\ninputs = [{inputs}]\nhidden = [1]\noutputs = ["z"]\n[training]\nepochs = 1\ndata = [[{rows[0]}], [{rows[1]}]]\n'
    free = tmp_path / "free"
    free.mkdir()
    lay_out(free, {"wide.toml": cfg})
    r = run(free, ["train", "wide.toml", "--out", "o"], timeout=300)
    assert r.returncode == 0, r.stderr
    w, m = ((free / "o" / n).stat().st_size for n in ("trained-weights-biases.json", "minmax.json"))
    assert w < m, (w, m)
    folder = tmp_path / "limited"
    folder.mkdir()
    lay_out(folder, {"wide.toml": cfg, "o/": None})
    before = snapshot(folder)
    r = run(folder, ["train", "wide.toml", "--out", "o"], timeout=300, preexec_fn=_limit((w + m) // 2))
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert snapshot(folder) == before


def test_a_failed_trace_write_leaves_no_weights(tmp_path):
    """train --out o --trace t.json: the trace does not fit, so the weights and min-max are not saved either."""
    free = tmp_path / "free"
    free.mkdir()
    lay_out(free, {"o/": None})
    assert run(free, ["train", "--out", "o", "--trace", "t.json", "--epochs", "50"], timeout=300).returncode == 0
    size = (free / "t.json").stat().st_size
    assert size > 4096
    folder = tmp_path / "limited"
    folder.mkdir()
    lay_out(folder, {"o/": None})
    before = snapshot(folder)
    r = run(folder, ["train", "--out", "o", "--trace", "t.json", "--epochs", "50"], timeout=300, preexec_fn=_limit(4096))
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert snapshot(folder) == before


def _terminate_once(folder: Path, argv: list[str], pattern: str) -> subprocess.CompletedProcess:
    """Start ``argv``, wait for a temporary file matching ``pattern``, then send SIGTERM."""
    p = subprocess.Popen([sys.executable, "-m", "tracer", *argv], cwd=folder, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 240
    try:
        while not list(folder.glob(pattern)):
            assert p.poll() is None, "finished before the temporary file was seen"
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


@pytest.mark.parametrize("trace,epochs", [("t.npz", "200000"), ("t.json", "20000")])
def test_sigterm_while_writing_a_trace_leaves_nothing(tmp_path, trace, epochs):
    lay_out(tmp_path, {"o/": None})
    before = snapshot(tmp_path)
    r = _terminate_once(tmp_path, ["train", "four-rows.toml", "--epochs", epochs, "--out", "o", "--trace", trace],
                        f".{trace}.*.tmp")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert snapshot(tmp_path) == before  # no trace, no temporary file, no weights
