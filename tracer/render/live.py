"""The loss as a picture in the terminal, and the end-of-training summary.

``LossCurve`` is a rich renderable: a block-character plot of the mean
loss of each epoch, on a log scale (a loss falls over orders of
magnitude; on a linear scale everything after the first few epochs is a
flat line).  ``mlptrace train`` shows it live under its progress bar and
``mlptrace walk`` in its last section.  ``summary_table`` is the table
train ends with: start loss, end loss and the change, per output.

No sympy here: ``mlptrace train`` imports this module.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from tracer.core import losses
from tracer.core.engine import MLP
from tracer.core.numbers import compact, loss

__all__ = ["LossCurve", "plot", "output_losses", "summary_table"]

_BLOCKS = "▁▂▃▄▅▆▇█"


def _sample(values: np.ndarray, total: int, width: int) -> np.ndarray:
    """One value per column: column c shows the loss of the first epoch of its share of ``total``.

    So the first column is always epoch 0, the loss before training moved
    it.  The x axis spans every epoch of the run, so a curve drawn while
    training fills in from the left; columns not reached yet are NaN.
    """
    cols = max(1, min(width, total))
    at = (np.arange(cols) * total) // cols
    out = np.full(cols, np.nan)
    reached = at < len(values)
    out[reached] = values[at[reached]]
    return out


def plot(values: Sequence[float], total: int, width: int, height: int = 1) -> tuple[list[str], float, float]:
    """Rows of block characters (top row first), and the (low, high) the y axis spans.

    ``values`` are the losses so far; ``total`` the number the run will have.
    The y axis is log10 of the loss between the smallest and largest finite
    positive value shown; a loss of exactly 0 sits on the bottom row.
    """
    cols = _sample(np.asarray(values, dtype=np.float64), max(total, len(values), 1), width)
    shown = cols[np.isfinite(cols)]
    positive = shown[shown > 0]
    if len(positive) == 0:
        lo = hi = 0.0
    else:
        lo, hi = float(positive.min()), float(positive.max())
    levels = 8 * height
    heights = []
    for v in cols:
        if not math.isfinite(v):
            heights.append(0)
        elif v <= 0 or hi <= 0:
            heights.append(1)
        elif hi == lo:
            heights.append(levels // 2)
        else:
            t = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
            heights.append(1 + round(t * (levels - 1)))
    rows = []
    for r in range(height - 1, -1, -1):
        line = []
        for h in heights:
            filled = h - 8 * r
            line.append(" " if filled <= 0 else _BLOCKS[min(filled, 8) - 1])
        rows.append("".join(line))
    return rows, lo, hi


class LossCurve:
    """The mean loss per epoch as a small log-scale plot; ``values`` may grow while it is shown."""

    def __init__(self, values: np.ndarray, total: int, height: int = 4, style: str = "cyan"):
        self.values, self.total, self.height, self.style = values, total, height, style
        self.done = len(values)  # how many of ``values`` are filled in (train updates this)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        seen = np.asarray(self.values[: self.done], dtype=np.float64)
        finite = seen[np.isfinite(seen)]
        label_w = 10
        width = max(8, options.max_width - label_w - 2)
        rows, lo, hi = plot(seen, self.total, width, self.height)
        for i, row in enumerate(rows):
            if i == 0:
                label = compact(hi) if len(finite) else ""
            elif i == len(rows) - 1:
                label = compact(lo) if len(finite) else ""
            else:
                label = ""
            line = Text(f"{label:>{label_w}} ┤", style="dim")
            line.append(row, style=self.style)
            yield line
        axis = Text(" " * label_w + " └" + "─" * len(rows[0]), style="dim")
        yield axis
        first = "epoch 0"
        last = f"epoch {self.total - 1}"
        gap = max(1, len(rows[0]) - len(first) - len(last))
        note = "  loss per epoch, log scale" if len(finite) else "  loss per epoch"
        yield Text(" " * (label_w + 2) + first + " " * gap + last, style="dim")
        if len(finite):
            note += f"; now {compact(float(finite[-1]))}"
        yield Text(" " * (label_w + 2) + note.strip(), style="dim")


def output_losses(net: MLP, X: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Per output o, the mean over rows of o's share of the network's loss; their sum is the mean loss."""
    sums, outs = net.forward(np.asarray(X, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged network's loss prints as inf
        return losses.per_output(net.loss, net.act[-1].name, sums[-1], Z, outs[-1] - Z).mean(axis=0)


def _percent(start: float, end: float) -> str:
    if not (math.isfinite(start) and math.isfinite(end)) or start == 0:
        return "n/a"
    return f"{(end - start) / start * 100:+.1f}%"


def summary_table(labels: Sequence[str], start: np.ndarray, end: np.ndarray, digits: int = 5) -> Table:
    """Start loss, end loss and the change in percent, one row per output and a total row."""
    table = Table(title="Summary: before and after training", title_justify="left")
    table.add_column("Output")
    table.add_column("Start loss", justify="right")
    table.add_column("End loss", justify="right")
    table.add_column("Change", justify="right")
    for label, s, e in zip(labels, start, end):
        table.add_row(label, loss(s, digits), loss(e, digits), _percent(float(s), float(e)))
    if len(labels) > 1:
        s, e = float(np.sum(start)), float(np.sum(end))
        table.add_row("all", loss(s, digits), loss(e, digits), _percent(s, e), style="bold")
    return table
