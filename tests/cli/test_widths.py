"""Every table check, test and train print fits 80 columns, and no number in it is cut.

Output that is not a terminal is 80 columns wide (COLUMNS=80 here, as a
terminal of that width sets it).  The same command at 1,000 columns prints
every table whole; at 80 each of its numbers must still be there, in full,
at least as often (a stacked table repeats the column that names its rows).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from rich.cells import cell_len

from conftest import EXAMPLES
from tracer.cli import main

CONFIGS = sorted(EXAMPLES.glob("*/*.toml"))
NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:e[-+]?\d+)?%?")


def _run(monkeypatch, capsys, columns: int, argv: list[str]) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    capsys.readouterr()
    status = main(argv)
    out = capsys.readouterr().out
    assert status == 0, out
    return out


def _table_numbers(text: str) -> Counter:
    """The numbers in table rows (lines drawn with │), as printed."""
    cells = [c.strip() for line in text.splitlines() if "│" in line for c in line.split("│")]
    return Counter(c for c in cells if NUMBER.fullmatch(c))


@pytest.mark.parametrize("command", ["check", "test", "train"])
@pytest.mark.parametrize("config", CONFIGS, ids=[f"{p.parent.name}/{p.name}" for p in CONFIGS])
def test_tables_fit_80_columns_with_every_number_whole(monkeypatch, capsys, tmp_path, command, config):
    monkeypatch.chdir(tmp_path)
    argv = [command, str(config)] + (["--epochs", "100"] if command == "train" else [])
    wide = _run(monkeypatch, capsys, 1000, argv)
    narrow = _run(monkeypatch, capsys, 80, argv)
    too_long = [line for line in narrow.splitlines() if cell_len(line) > 80]
    assert not too_long, too_long
    assert "…" not in narrow
    want, got = _table_numbers(wide), _table_numbers(narrow)
    assert want, wide  # there is a table, with numbers
    missing = {n: k for n, k in want.items() if got[n] < k}
    assert not missing, (missing, narrow)


def test_test_on_two_outputs_keeps_its_loss_column(monkeypatch, capsys, tmp_path):
    # issue 17: at 80 columns the loss column of examples/deep was cut to "0.000…"
    monkeypatch.chdir(tmp_path)
    narrow = _run(monkeypatch, capsys, 80, ["test", str(EXAMPLES / "deep" / "deep.toml")])
    losses = [c.strip() for line in narrow.splitlines() if "│" in line for c in line.split("│")[-2:-1]]
    assert any(re.fullmatch(r"\d\.\d{5}", c) for c in losses), narrow


@pytest.mark.parametrize("argv", [
    ["check", str(EXAMPLES / "deep" / "deep.toml"), "--steps", "2"],  # the step and the parameter lead each part
    ["check", str(EXAMPLES / "classification" / "train.toml"), "--steps", "2"],  # per layer, with steps
    ["gd", "x^2 + y^2 + z^2 + w^2", "--at", "x=1,y=2,z=3,w=4", "--steps", "3"],  # 14 columns
])
def test_other_wide_tables_fit_80_columns(monkeypatch, capsys, tmp_path, argv):
    monkeypatch.chdir(tmp_path)
    wide = _run(monkeypatch, capsys, 1000, argv)
    narrow = _run(monkeypatch, capsys, 80, argv)
    assert max(cell_len(line) for line in narrow.splitlines()) <= 80
    assert max(cell_len(line) for line in wide.splitlines()) > 80  # the case is one that needs stacking
    want, got = _table_numbers(wide), _table_numbers(narrow)
    assert want and not {n: k for n, k in want.items() if got[n] < k}
    # stacked into more tables, each part led by the cell that names its row
    assert narrow.count("┏") > wide.count("┏")
    names = Counter(line.split("│")[1].strip() for line in wide.splitlines() if line.startswith("│"))
    shown = Counter(line.split("│")[1].strip() for line in narrow.splitlines() if line.startswith("│"))
    assert all(shown[name] > k for name, k in names.items()), (names, shown)
