"""The loss per epoch, with the iterations the report's loss table lists marked."""

from __future__ import annotations

import numpy as np

from tracer.core.numbers import fixed
from tracer.render.figures.axes import INK, MUTED, Axis, frame
from tracer.render.figures.canvas import Canvas, text_width

__all__ = ["loss"]

LINE, MARK = "#2166ac", "#e66101"


def loss(trace, log: bool = False, width: float = 640, height: float = 360, digits: int = 5) -> Canvas:
    """Mean loss of every epoch against the epoch, and at ``epochs`` the loss after the run.

    The iterations of ``trace.loss_table()`` are marked with circles.  With
    ``log`` the loss axis is logarithmic (epochs whose loss is exactly 0 are
    then left out).  Long runs are thinned to each pixel column's lowest and
    highest value, so spikes stay visible.
    """
    n = trace.epochs
    x = np.append(np.arange(len(trace.epoch_loss), dtype=float), float(n))
    y = np.append(np.asarray(trace.epoch_loss, dtype=float), trace.final_loss)
    table = [(k, v) for k, v in trace.loss_table() if np.isfinite(v)]
    keep = np.isfinite(y) & ((y > 0) if log else True)
    x, y = x[keep], y[keep]
    if log:
        table = [(k, v) for k, v in table if v > 0]
    if len(y) == 0:
        raise ValueError("the trace holds no finite loss to draw")

    lo, hi = float(y.min()), float(y.max())
    if log:
        ya = Axis(10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi)), 0, 1, log=True)
    else:
        ya = Axis(min(0.0, lo), hi + 0.05 * (hi - min(0.0, lo)), 0, 1)
    yt = ya.ticks()
    left = 16 + max(text_width(ya.fmt(v, yt), 10) for v in yt)
    top, bottom, right = 66, 46, 22
    ya.p0, ya.p1 = height - bottom, top
    xa = Axis(0.0, float(max(n, 1)), left, width - right)

    c = Canvas(width, height, title=f"Loss per epoch over {n} epochs" + (" (log scale)" if log else ""))
    c.text(left, 18, "Loss per epoch" + (" (log scale)" if log else ""), size=13, bold=True, color=INK)
    c.text(left, 34, f"{trace.n_rows} row{'s' if trace.n_rows != 1 else ''} per epoch, learning rate {trace.learning_rate:g}; "
           "circles: the iterations the report tabulates", size=10, color=MUTED)
    frame(c, xa, ya, "epoch (iteration)", "mean loss, 1/2 (y - z)^2")

    px, py = xa(x), ya(y)
    px, py = _thin(px, py, width - left - right)
    c.line(list(zip(px.tolist(), py.tolist())), color=LINE, width=1.6, cls="loss")
    for k, v in table:
        c.circle(float(xa(k)), float(ya(v)), 3.4, fill="#ffffff", stroke=MARK, width=1.4,
                 cls="mark", data=dict(iteration=k, loss=repr(v)))
    # the first and the last row of the table, written out beside their circles
    for k, v in (table[:1] + table[-1:]) if len(table) > 1 else table:
        tx, ty = float(xa(k)), float(ya(v))
        if tx < (left + width - right) / 2:
            c.label(tx + 14, ty, f"{k}: {fixed(v, digits)}", size=10, anchor="start", color=INK, cls="mark-label")
        else:  # above the last point, or below it when the curve comes down to it from above
            above = float(np.mean(py[-max(len(py) // 10, 1):])) > ty or ty + 20 > ya.p0
            c.label(tx - 8, ty - 13 if above else ty + 13, f"{k}: {fixed(v, digits)}", size=10, anchor="end",
                    color=INK, cls="mark-label")
    return c


def _thin(px: np.ndarray, py: np.ndarray, columns: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep, per pixel column, the first point and the lowest and highest ones (in order)."""
    if len(px) <= 4 * columns:
        return px, py
    col = np.floor(px).astype(np.int64)
    keep = np.zeros(len(px), dtype=bool)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    bounds = np.r_[starts, len(px)]
    keep[starts] = True
    keep[-1] = True
    for a, b in zip(bounds[:-1], bounds[1:]):
        seg = py[a:b]
        keep[a + int(np.argmin(seg))] = keep[a + int(np.argmax(seg))] = True
    return px[keep], py[keep]
