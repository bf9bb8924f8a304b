"""tracer.render.live: the loss curve and train's end-of-training summary."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import time

import numpy as np
import pytest
from rich.console import Console

from badinput import seed_datasets
from tests.conftest import EXAMPLES, require_tool
from tracer import cli
from tracer.config import schema as config
from tracer.core.engine import MLP
from tracer.render.live import LossCurve, output_losses, plot, summary_table


def _render(renderable, width=80) -> str:
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


# -------------------------------------------------------------- the plot


def test_plot_one_row_is_a_log_scale_sparkline():
    # Four decades, one column each: log10 positions 1, 2/3, 1/3, 0 of the
    # range; with 8 levels that is 1 + round(t * 7) = 8, 6, 3, 1 eighths.
    rows, lo, hi = plot([1.0, 0.1, 0.01, 0.001], total=4, width=10)
    assert rows == ["█▆▃▁"]
    assert (lo, hi) == (0.001, 1.0)


def test_plot_stacks_rows_for_finer_levels():
    # 16 levels: 1 + round(t * 15) = 16, 11, 6, 1 sixteenths.
    rows, _, _ = plot([1.0, 0.1, 0.01, 0.001], total=4, width=10, height=2)
    assert rows == ["█▃  ", "██▆▁"]


def test_plot_spans_the_whole_run_while_it_is_still_going():
    # Two of four epochs done: the x axis is already four columns wide.
    rows, _, _ = plot([1.0, 0.1], total=4, width=4)
    assert rows == ["█▁  "]


def test_plot_samples_the_first_epoch_of_each_column():
    # 1000 epochs in 10 columns: column c shows epoch 100c, so column 0 is
    # the loss before training moved it.
    values = 10.0 ** -np.linspace(0, 3, 1000)
    rows, lo, hi = plot(values, total=1000, width=10)
    assert len(rows[0]) == 10
    assert hi == values[0] and lo == values[900]


def test_plot_of_a_flat_or_zero_loss_does_not_divide_by_zero():
    assert plot([0.5, 0.5], total=2, width=2)[0] == ["▄▄"]
    assert plot([0.0, 0.0], total=2, width=2)[0] == ["▁▁"]


def test_loss_curve_labels_its_axis_and_fits_80_columns():
    text = _render(LossCurve(np.array([0.1, 0.01, 0.001]), total=3, height=2))
    assert "log scale" in text and "epoch 0" in text and "epoch 2" in text
    assert "0.1 ┤" in text and "0.001 ┤" in text
    assert max(len(line) for line in text.splitlines()) <= 80


# ------------------------------------------------------------ the summary


def _sigmoid(s):
    return 1 / (1 + math.exp(-s))


def test_output_losses_of_the_document_example_before_training():
    # By hand, from the document: x = (0.5, 0.5), z = 0.91.
    wh = [(-0.5, -1.0), (-0.5, 0.5), (1.0, 0.0)]
    a = [_sigmoid(0.5 * w0 + 0.5 * w1 + 0.5) for w0, w1 in wh]
    y = _sigmoid(0.5 * a[0] - 1.0 * a[1] + 0.0 * a[2] + 0.5)
    expected = 0.5 * (y - 0.91) ** 2
    cfg = config.load(None)
    X, Z = cfg.training_data()
    got = output_losses(MLP(cfg.initial_params(), cfg.activations), X, Z)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(expected, rel=1e-12)
    assert round(expected, 5) == 0.07446  # the document's iteration 0


def test_output_losses_are_per_output_means_over_rows():
    # A linear 1-2 network with zero weights outputs its biases (1 and -1)
    # for every row; targets 0 and 3 on two rows give per-output means of
    # 1/2 ((1-0)^2 + (1-3)^2) / 2 = 1.25 and 1/2 ((-1-0)^2 + (-1-3)^2) / 2 = 4.25.
    net = MLP([(np.zeros((2, 1)), np.array([1.0, -1.0]))], ["linear"])
    X = np.array([[5.0], [7.0]])
    Z = np.array([[0.0, 0.0], [3.0, 3.0]])
    assert output_losses(net, X, Z).tolist() == [1.25, 4.25]


def test_summary_table_shows_the_change_in_percent_per_output_and_in_total():
    text = _render(summary_table(["a", "b"], np.array([0.2, 0.1]), np.array([0.1, 0.1])))
    lines = text.splitlines()
    row_a = next(line for line in lines if "│ a " in line)
    row_b = next(line for line in lines if "│ b " in line)
    row_all = next(line for line in lines if "│ all " in line)
    assert "0.20000" in row_a and "0.10000" in row_a and "-50.0%" in row_a
    assert "+0.0%" in row_b
    assert "0.30000" in row_all and "0.20000" in row_all and "-33.3%" in row_all  # 0.1 / 0.3


def test_summary_table_says_n_a_when_a_percent_has_no_meaning():
    text = _render(summary_table(["a"], np.array([0.0]), np.array([0.1])))
    assert "n/a" in text
    text = _render(summary_table(["a"], np.array([0.1]), np.array([math.inf])))
    assert "n/a" in text


def test_train_ends_with_the_summary_of_the_document_example(capsys):
    assert cli.main(["train"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("│ z0"))
    # Start: the document's iteration 0; end: its loss after 1000 iterations.
    assert "0.07446" in row and "0.00006" in row
    # Change: (0.0000596... - 0.0744616) / 0.0744616, printed to one decimal.
    assert "-99.9%" in row
    assert out.index("Loss") < out.index("Summary")


# ------------------------------------------------------- the live display


def test_train_draws_the_loss_curve_under_its_progress_bar_in_a_terminal(tmp_path):
    tmux = require_tool("tmux")
    sock = f"mlptrace-live-{id(tmp_path)}"
    cmd = f"{sys.executable} -m tracer train --epochs 400000; echo EXIT=$?; sleep 30"
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", "80", "-y", "20", cmd], check=True)
    try:
        seen, screen = False, ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            screen = subprocess.run([tmux, "-L", sock, "capture-pane", "-p"],
                                    capture_output=True, text=True).stdout
            if "log scale" in screen and "training" in screen:
                seen = True
                lines = screen.splitlines()
                bar = next(i for i, line in enumerate(lines) if "training" in line)
                curve = next(i for i, line in enumerate(lines) if "log scale" in line)
                assert bar < curve  # the curve is under the bar
                assert "┤" in "".join(lines[bar:curve])
            if "EXIT=" in screen:
                break
            time.sleep(0.2)
        assert seen, screen
        assert "EXIT=0" in screen
        assert "log scale" not in screen  # the live display goes away at the end
        assert "Summary" in screen
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)


def test_train_piped_has_no_live_display():
    out = subprocess.run([sys.executable, "-m", "tracer", "train", "--epochs", "60000"],
                         capture_output=True, text=True, check=True)
    assert "\x1b" not in out.stdout and "\x1b" not in out.stderr
    assert "log scale" not in out.stderr


def test_train_in_a_terminal_prints_labels_literally_with_the_live_display(tmp_path):
    # Both consoles are a terminal's here (colour, cursor movement): a label
    # that is rich markup or an emoji code is still printed as written.
    tmux = require_tool("tmux")
    seed = EXAMPLES / "seed" / "sigmoid.toml"
    label = "[/]:skull:[blink]b"
    for p in seed.parent.iterdir():
        if p.is_file():
            (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "c.toml").write_text(seed.read_text().replace('outputs = ["z0"]', f'outputs = ["{label}"]'))
    for csv, text in seed_datasets(outputs=[label]).items():  # a dataset's header names the config's columns
        (tmp_path / csv).write_text(text)
    sock = f"mlptrace-live-labels-{id(tmp_path)}"
    cmd = f"cd {tmp_path} && {sys.executable} -m tracer train c.toml --epochs 100000; echo EXIT=$?; sleep 30"
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", "80", "-y", "30", cmd], check=True)
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "EXIT=" not in screen:
            time.sleep(0.3)
            screen = subprocess.run([tmux, "-L", sock, "capture-pane", "-p"], capture_output=True, text=True).stdout
        assert "EXIT=0" in screen, screen
        assert f"│ {label}" in screen and "💀" not in screen, screen
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)
