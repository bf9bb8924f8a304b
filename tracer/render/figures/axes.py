"""Axes for plots: a data-to-picture map, round tick values and the drawn frame."""

from __future__ import annotations

import math

import numpy as np

from tracer.render.figures.canvas import Canvas

__all__ = ["Axis", "nice_ticks", "frame"]

GRID, INK, MUTED = "#e3e3e3", "#222222", "#555555"


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """About ``n`` round values (1, 2 or 5 times a power of ten apart) covering [lo, hi]."""
    span = hi - lo
    step = 10.0 ** math.floor(math.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step - 1e-9)
    out = []
    for i in range(first, first + n + 3):
        v = i * step
        if v > hi + 1e-9 * step:
            break
        out.append(0.0 if abs(v) < 1e-12 * step else round(v, 12))
    return out


class Axis:
    """Maps data values in [lo, hi] to picture coordinates p0..p1, linearly or on a log scale."""

    def __init__(self, lo: float, hi: float, p0: float, p1: float, log: bool = False):
        if log and lo <= 0:
            raise ValueError("a log axis needs positive values")
        if hi <= lo:  # a constant series: give it some room
            pad = abs(lo) * 0.1 or 1.0
            lo, hi = (lo / 10, hi * 10) if log else (lo - pad, hi + pad)
        self.lo, self.hi, self.p0, self.p1, self.log = lo, hi, p0, p1, log
        self._t = (lambda v: np.log10(v)) if log else (lambda v: np.asarray(v, dtype=float))

    def __call__(self, v):
        a, b = self._t(self.lo), self._t(self.hi)
        return self.p0 + (self._t(v) - a) / (b - a) * (self.p1 - self.p0)

    def ticks(self, n: int = 6) -> list[float]:
        if not self.log:
            return nice_ticks(self.lo, self.hi, n)
        k0, k1 = math.ceil(math.log10(self.lo) - 1e-9), math.floor(math.log10(self.hi) + 1e-9)
        if k1 - k0 >= 2:
            step = max(1, math.ceil((k1 - k0) / n))
            return [10.0 ** k for k in range(k0, k1 + 1, step)]
        # less than two decades: 1, 2 and 5 times each power of ten
        out = [m * 10.0 ** k for k in range(k0 - 1, k1 + 1) for m in (1, 2, 5)]
        return [v for v in out if self.lo * (1 - 1e-9) <= v <= self.hi * (1 + 1e-9)]

    def fmt(self, v: float, ticks: list[float]) -> str:
        """A tick label: as few decimals as the tick spacing needs."""
        if self.log:
            return f"{v:g}" if 1e-4 <= v < 1e5 else f"1e{round(math.log10(v))}" if _is_pow10(v) else f"{v:.0e}"
        step = min((b - a for a, b in zip(ticks, ticks[1:])), default=1.0)
        d = max(0, -math.floor(math.log10(step) + 1e-9))
        return f"{v:.{d}f}"


def _is_pow10(v: float) -> bool:
    return abs(math.log10(v) - round(math.log10(v))) < 1e-9


def frame(c: Canvas, xa: Axis, ya: Axis, xlabel: str, ylabel: str, grid: bool = True) -> None:
    """Draw the plot box, grid lines, ticks with their labels and the axis titles."""
    x0, x1, y0, y1 = xa.p0, xa.p1, ya.p1, ya.p0  # y runs upwards
    xt, yt = xa.ticks(), ya.ticks()
    for v in xt:
        x = float(xa(v))
        if grid:
            c.line([(x, y0), (x, y1)], color=GRID, width=0.8)
        c.line([(x, y1), (x, y1 + 4)], color=INK, width=1, cls="xtick", data=dict(value=repr(v)))
        c.text(x, y1 + 16, xa.fmt(v, xt), size=10, anchor="middle", color=INK, cls="xtick-label")
    for v in yt:
        y = float(ya(v))
        if grid:
            c.line([(x0, y), (x1, y)], color=GRID, width=0.8)
        c.line([(x0 - 4, y), (x0, y)], color=INK, width=1, cls="ytick", data=dict(value=repr(v)))
        c.text(x0 - 7, y + 3.6, ya.fmt(v, yt), size=10, anchor="end", color=INK, cls="ytick-label")
    c.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], color=INK, width=1)
    c.text((x0 + x1) / 2, y1 + 34, xlabel, size=11, anchor="middle", color=MUTED)
    # vertical text would need a rotation in both backends; the y title sits above the axis instead
    c.text(x0, y0 - 8, ylabel, size=11, anchor="start", color=MUTED)

