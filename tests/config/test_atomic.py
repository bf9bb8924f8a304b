"""Killing mlptrace while it saves never leaves a partial file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

from conftest import ROOT


def test_sigkill_while_saving_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    # A 2-300-300-1 network: its weights file is about 2 MB, so a kill has a
    # fair chance of landing while it is written.
    rng = np.random.default_rng(0)
    rows = rng.uniform(0, 1, size=(3, 3)).tolist()
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({
        "network": {"inputs": 2, "hidden": [300, 300], "outputs": 1},
        "training": {"epochs": 2, "data": rows},
        "init": {"method": "random", "seed": 1},
    }))
    out = tmp_path / "out"
    out.mkdir()
    target = out / "trained-weights-biases.json"
    old = b'{"old": true}\n'
    subprocess.run([sys.executable, "-m", "tracer", "train", str(cfg), "--out", str(tmp_path / "probe")],
                   check=True, capture_output=True, cwd=ROOT)
    complete = (tmp_path / "probe" / "trained-weights-biases.json").read_bytes()
    caught = 0
    for i in range(8):
        target.write_bytes(old)
        proc = subprocess.Popen([sys.executable, "-m", "tracer", "train", str(cfg), "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        # Kill at the first sign of saving: on even runs as soon as any new
        # file appears in out/ (a temporary file being written), on odd runs
        # as soon as the target's size changes.
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            names = os.listdir(out)
            if (i % 2 == 0 and len(names) > 1) or (i % 2 == 1 and target.stat().st_size != len(old)):
                proc.send_signal(signal.SIGKILL)
                caught += 1
                break
        proc.wait()
        data = target.read_bytes()
        assert data in (old, complete), f"kill {i}: a partial file of {len(data)} bytes"
        for name in os.listdir(out):  # a killed run may leave its temporary file behind
            if name != target.name:
                os.unlink(out / name)
    assert caught >= 4, "the kills did not land while saving"
