"""Issue 11, classes 4, 5, 6 and 12: reads, symbolic work and sizes stay bounded; numbers are strict.

Each case is a repro from the issue, checked with the shared promise of
tests/badinput.py (one line, exit 2, nothing written, no raw control code).
The child runs under an address-space limit, so a read that would slurp a
device fails fast with MemoryError (a traceback, so the case fails) instead
of taking the machine's memory, and every run has a timeout, so a hang fails
instead of blocking.
"""

from __future__ import annotations

import resource

import pytest

from badinput import SEED, on_dataset, run, run_bad_input

MEMORY_CAP = 3 * 2**30  # address space for the child: far more than any case needs


@pytest.fixture(autouse=True)
def memory_cap():
    """Lower this process's soft address-space limit; the child mlptrace inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = MEMORY_CAP if hard == resource.RLIM_INFINITY else min(MEMORY_CAP, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def inline(hidden: str, data: str = "[[1, 2, 3]]", extra: str = "") -> str:
    return (f"[network]\ninputs = 2\nhidden = {hidden}\noutputs = 1\n[training]\nepochs = 1\ndata = {data}\n"
            f"[init]\nmethod = \"random\"\nseed = 1\n{extra}")


WEIGHTS = ('{"hiddenWeights": [[[-0.5, -1], [-0.5, 0.5], [1, 0]]], "hiddenBias": [[0.5, 0.5, 0.5]], '
           '"outputWeights": [[0.5, -1, 0]], "outputBias": [0.5]}')
MINMAX = '{"minInput": [0, 0], "maxInput": [100, 100], "minOutput": [0], "maxOutput": [100]}'
JSON_CONFIG = ('{"network": {"inputs": 2, "hidden": [2], "outputs": 1},\n'
               ' "training": {"epochs": 3, "data": [[1, 2, 3]], "epochs": 5}}')

CASES = [
    # --- class 4: every input read is capped; a device that never ends is refused
    ("verify /dev/zero", {}, ["verify", "/dev/zero"], ["/dev/zero", "not a regular file"]),
    ("train /dev/zero", {}, ["train", "/dev/zero"], ["/dev/zero", "not a regular file"]),
    ("dataset /dev/urandom", {"c.toml": on_dataset("/dev/urandom")}, ["train", "c.toml"],
     ["/dev/urandom", "not a regular file"]),
    ("predict --data /dev/zero", {}, ["predict", "--data", "/dev/zero"], ["/dev/zero", "not a regular file"]),
    ("test --weights /dev/zero", {}, ["test", "--weights", "/dev/zero"], ["/dev/zero", "not a regular file"]),
    ("test --minmax /dev/urandom", {}, ["test", "--minmax", "/dev/urandom"], ["/dev/urandom", "not a regular file"]),
    ("config beyond its size limit", {"c.toml": SEED + "#" * (20 * 2**20) + "\n"}, ["train", "c.toml"],
     ["c.toml", "MiB", "config"]),
    ("document beyond its size limit", {"d.md": "$1 + 1 = 2$\n" * (3 * 2**20)}, ["verify", "d.md"],
     ["d.md", "MiB", "document"]),

    # --- class 5: gd's symbolic work is bounded, and so are its steps
    ("gd derivative too large", {}, ["gd", "^".join(["x"] * 56), "--at", "x=1"],  # a power tower: its derivative has 6,596 nodes
     ["command line", "EXPR", "terms"]),
    ("gd --steps 100000", {}, ["gd", "x^2 + y^2", "--at", "x=3,y=4", "--steps", "100000"],
     ["command line", "--steps", "at most"]),

    # --- class 6: sizes the explaining commands cannot finish are refused before training
    ("report of a million hidden nodes", {"c.toml": inline("[1000000]")}, ["report", "c.toml", "-o", "r.md"],
     ["c.toml", "network.hidden", "report", "at most"]),
    ("check of 100,000 hidden nodes", {"c.toml": inline("[100000]")}, ["check", "c.toml"],
     ["c.toml", "network.hidden", "check", "at most"]),
    ("walk of 100,000 hidden nodes", {"c.toml": inline("[100000]")}, ["walk", "--no-pause", "c.toml"],
     ["c.toml", "network.hidden", "walk", "at most"]),
    ("train a million hidden layers", {"c.toml": inline("[" + ", ".join(["1"] * 10**6) + "]")}, ["train", "c.toml"],
     ["c.toml", "network.hidden", "hidden layers", "1,000,000"]),
    ("check --steps 10,000 on the seed", {}, ["check", "--steps", "10000"], ["command line", "--steps", "at most"]),

    # --- class 12: command-line numbers are plain ASCII decimals; JSON keys are unique
    ("--epochs 1_0", {}, ["train", "--epochs", "1_0"], ["command line", "--epochs", "'1_0'"]),
    ("--epochs in Arabic-Indic digits", {}, ["train", "--epochs", "١٠"], ["command line", "--epochs"]),
    ("--epochs in fullwidth digits", {}, ["train", "--epochs", "１０"], ["command line", "--epochs"]),
    ("--epochs with spaces", {}, ["train", "--epochs", " 10 "], ["command line", "--epochs"]),
    ("walk --step in Arabic-Indic digits", {}, ["walk", "--no-pause", "--step", "٠"], ["command line", "--step"]),
    ("gd --steps 1_0", {}, ["gd", "x^2", "--at", "x=1", "--steps", "1_0"], ["command line", "--steps"]),
    ("gd --at x=1_0", {}, ["gd", "x^2", "--at", "x=1_0"], ["command line", "--at", "1_0"]),
    ("gd --at in fullwidth digits", {}, ["gd", "x^2", "--at", "x=１"], ["command line", "--at"]),
    ("gd --at infinity", {}, ["gd", "x^2", "--at", "x=infinity"], ["command line", "--at"]),
    ("gd --lr 0_1", {}, ["gd", "x^2", "--at", "x=1", "--lr", "0_1"], ["command line", "--lr", "'0_1'"]),
    ("gd --lr in Arabic-Indic digits", {}, ["gd", "x^2", "--at", "x=1", "--lr", "١"], ["command line", "--lr"]),
    ("gd --lr nan", {}, ["gd", "x^2", "--at", "x=1", "--lr", "nan"], ["command line", "--lr"]),
    ("json config with a duplicate key", {"c.json": JSON_CONFIG}, ["train", "c.json"],
     ["c.json", "training.epochs", "twice"]),
    ("json weights with a duplicate key", {"w.json": WEIGHTS[:-1] + ', "outputBias": [0.25]}'},
     ["test", "--weights", "w.json"], ["w.json", "outputBias", "twice"]),
    ("json min-max with a duplicate key", {"m.json": MINMAX[:-1] + ', "minInput": [1, 1]}'},
     ["test", "--minmax", "m.json"], ["m.json", "minInput", "twice"]),
    ("json duplicate key deep inside", {"c.json": '{"network": {"inputs": 2, "hidden": [2], "outputs": 1}, '
                                                  '"training": {"data": [[1, 2, 3]]}, '
                                                  '"init": {"method": "random", "seed": 1, "seed": 2}}'},
     ["train", "c.json"], ["c.json", "init.seed", "twice"]),
]


@pytest.mark.parametrize("name,files,argv,words", CASES, ids=[c[0] for c in CASES])
def test_hardening_input(tmp_path, name, files, argv, words):
    run_bad_input(tmp_path, files, argv, words, timeout=60)


# --- bounded work that succeeds


def test_gd_nested_powers_stay_bounded(tmp_path):
    """The issue's 3.7 GB repro: the update rule is left unexpanded, the derivation printed."""
    r = run(tmp_path, ["gd", "((x+1)^12+(y+1)^12)^12", "--at", "x=0,y=0", "--lr", "1e-9", "--steps", "3"],
            timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "∂f/∂x" in r.stdout and "Traceback" not in r.stderr


def test_gd_deeper_nest_stays_bounded(tmp_path):
    r = run(tmp_path, ["gd", "(((x+1)^12+(y+1)^12)^12+(x-y)^12)^12", "--at", "x=-1,y=-1",
                       "--steps", "2"], timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "∂f/∂y" in r.stdout and "Traceback" not in r.stderr


def test_gd_documented_maximum_of_steps_is_quick(tmp_path):
    from tracer.explain.descent import MAX_STEPS

    r = run(tmp_path, ["gd", "x^2 + y^2", "--at", "x=3,y=4", "--lr", "0.0001", "--steps", str(MAX_STEPS)],
            timeout=30)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"\n│ {MAX_STEPS} " in r.stdout or f" {MAX_STEPS} │" in r.stdout


def test_check_at_its_documented_maximum_of_steps_is_quick(tmp_path):
    from tracer.explain.gradcheck import MAX_STEPS

    r = run(tmp_path, ["check", "--steps", str(MAX_STEPS)], timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]


def test_train_keeps_networks_of_many_layers_within_the_limit(tmp_path):
    from tracer.config.schema import MAX_HIDDEN_LAYERS

    (tmp_path / "c.toml").write_text(inline("[" + ", ".join(["2"] * MAX_HIDDEN_LAYERS) + "]"))
    r = run(tmp_path, ["train", "c.toml"], timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
