"""Gradient descent drawn on the contour lines of a two-variable function."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

import numpy as np

from tracer.render.figures.axes import INK, MUTED, Axis, frame
from tracer.render.figures.canvas import Canvas

__all__ = ["descent", "contours"]

PATH, LOW, HIGH = "#d62728", (0x08, 0x30, 0x6B), (0xA6, 0xC8, 0xE0)


def descent(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    path: Sequence[Sequence[float]],
    *,
    label: str | None = None,
    names: Sequence[str] = ("x", "y"),
    lr: float | None = None,
    levels: int | Sequence[float] = 10,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    size: float = 420,
    digits: int = 4,
    grid: int = 101,
) -> Canvas:
    """Contour lines of ``f`` with the points of ``path`` joined in order.

    ``f(X, Y)`` is evaluated on numpy grids; ``path`` holds the (x, y)
    points gradient descent visited, ``label`` names the function, ``names``
    the axes and ``lr`` the learning rate in the subtitle.  (A descent of
    ``tracer.explain.descent`` gives all of these as ``Descent.picture()``;
    ``tracer.render.drawings.descent`` passes them on.)  ``levels`` is a
    count (values at equal quantiles of f over the plotted square, which
    spaces a bowl's rings evenly by area) or the values themselves.  x and
    y share one scale, so circles look round.
    """
    if path is None or len(path) == 0:
        raise ValueError("descent needs the path of points gradient descent visited")
    P = np.array([(float(p[0]), float(p[1])) for p in path])
    if not np.all(np.isfinite(P)):
        raise ValueError("the path has a point that is not finite")

    # a square around the path (equal scales), unless the caller fixes the window
    cx, cy = (P.min(0) + P.max(0)) / 2
    span = max(float(np.ptp(P[:, 0])), float(np.ptp(P[:, 1])))
    half = span * 0.62 if span > 0 else max(abs(cx), abs(cy), 1.0) * 0.5
    xlim = xlim or (cx - half, cx + half)
    ylim = ylim or (cy - half, cy + half)

    xs, ys = np.linspace(*xlim, grid), np.linspace(*ylim, grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.broadcast_to(np.asarray(f(X, Y), dtype=float), X.shape)
    finite = Z[np.isfinite(Z)]
    if isinstance(levels, int):
        q = np.quantile(finite, (np.arange(levels) + 0.5) / levels) if finite.size else []
        levels = np.unique([float(f"{v:.2g}") for v in q])  # two significant digits read better
    levels = [float(v) for v in levels]

    left, top, legend = 52, 58, 92
    pw = size
    # one scale for both axes, unless the caller's window is very lopsided
    ph = size * float(np.clip((ylim[1] - ylim[0]) / (xlim[1] - xlim[0]), 0.5, 1.5))
    W, H = left + pw + legend, top + ph + 46
    xa = Axis(*xlim, left, left + pw)
    ya = Axis(*ylim, top + ph, top)
    title = label or "f(x, y)"
    c = Canvas(W, H, title=f"Gradient descent on {title}")
    c.text(left, 18, f"Gradient descent on {title}", size=13, bold=True, color=INK)
    start = f"({P[0, 0]:g}, {P[0, 1]:g})"
    c.text(left, 34, f"{len(P) - 1} steps from {start}" + (f", learning rate {lr:g}" if lr is not None else "")
           + "; lines: contours of f", size=10, color=MUTED)
    frame(c, xa, ya, names[0], names[1], grid=False)

    for rank, v in enumerate(levels):
        color = _shade(rank / max(len(levels) - 1, 1))
        polys = [[(float(xa(xlim[0] + cc * (xs[1] - xs[0]))), float(ya(ylim[0] + r * (ys[1] - ys[0]))))
                  for r, cc in line] for line in contours(Z, v)]
        c.lines(polys, color=color, width=1.1, cls="contour", data=dict(level=repr(v)))
        ly = top + 10 + rank * 17
        c.line([(left + pw + 14, ly), (left + pw + 34, ly)], color=color, width=2, cls="legend")
        c.text(left + pw + 39, ly + 3.5, f"{v:.3g}", size=10, color=INK, cls="legend")
    c.text(left + pw + 14, top - 6, f"f({names[0]}, {names[1]})", size=10, color=MUTED)

    pts = np.array([(float(xa(x)), float(ya(y))) for x, y in P])
    c.line([tuple(p) for p in pts.tolist()], color=PATH, width=1.8, cls="path")
    # step numbers on one side of the path, the start and end points on the other
    normal = _normals(pts)
    last = None
    for k, ((x, y), (px, py), (nx, ny)) in enumerate(zip(P, pts, normal)):
        c.circle(px, py, 3.2 if len(P) <= 40 else 2.0, fill=PATH, stroke="#ffffff", width=0.8, cls="step",
                 data=dict(k=k, x=repr(float(x)), y=repr(float(y))))
        if last is None or np.hypot(px - last[0], py - last[1]) > 14:  # number the steps that have room
            c.text(px + 10 * nx, py + 10 * ny + 3.2, str(k), size=9, anchor="middle", color=PATH, cls="step-number")
            last = (px, py)
    end = f"({P[-1, 0]:.{digits}f}, {P[-1, 1]:.{digits}f})"
    for k, text, cls in ((0, start, "start"), (len(P) - 1, end, "end")):
        (px, py), (nx, ny) = pts[k], normal[k]
        c.label(px - 10 * nx, py - 10 * ny, text, size=10, anchor="end" if nx > 0 else "start", color=INK, cls=cls)
    return c


def _normals(pts: np.ndarray) -> np.ndarray:
    """A unit vector across the path at each point (left of the direction of travel on screen)."""
    d = np.gradient(pts, axis=0) if len(pts) > 1 else np.array([[1.0, 0.0]])
    n = np.stack([d[:, 1], -d[:, 0]], axis=1)
    length = np.hypot(n[:, 0], n[:, 1])
    n[length == 0] = (0.0, -1.0)
    return n / np.where(length == 0, 1.0, length)[:, None]


def _shade(t: float) -> str:
    """Dark (low f) to light (high f)."""
    return "#" + "".join(f"{round(a + t * (b - a)):02x}" for a, b in zip(LOW, HIGH))


def contours(Z: np.ndarray, level: float) -> list[list[tuple[float, float]]]:
    """Marching squares: the polylines where the grid ``Z`` crosses ``level``, in (row, column) units.

    Each crossing lies on a grid edge, found by linear interpolation; the
    segments of every cell are then chained edge to edge into polylines.
    A saddle cell is resolved by the mean of its corners.  Cells with a
    non-finite corner are skipped.
    """
    a, b, cc, d = Z[:-1, :-1], Z[:-1, 1:], Z[1:, 1:], Z[1:, :-1]  # corners clockwise from (r, c)
    with np.errstate(invalid="ignore"):
        case = (a > level) * 1 + (b > level) * 2 + (cc > level) * 4 + (d > level) * 8
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(cc) & np.isfinite(d)
    # edges of cell (r, c): 0 top (r, c)-(r, c+1), 1 right, 2 bottom, 3 left, named so neighbours agree
    name = lambda r, c, e: (("h", r, c), ("v", r, c + 1), ("h", r + 1, c), ("v", r, c))[e]
    table = {1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)],
             9: [(0, 2)], 11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(3, 0)]}
    segs = []
    for r, c in zip(*np.nonzero(ok & (case > 0) & (case < 15))):
        k = int(case[r, c])
        if k in (5, 10):
            high = (a[r, c] + b[r, c] + cc[r, c] + d[r, c]) / 4 > level
            # the centre joins the two high corners (or the two low ones); cut off the others
            k5 = [(0, 1), (2, 3)] if high else [(3, 0), (1, 2)]
            pairs = k5 if k == 5 else [(3, 0), (1, 2)] if high else [(0, 1), (2, 3)]
        else:
            pairs = table[k]
        segs += [(name(r, c, e), name(r, c, g)) for e, g in pairs]

    def point(edge):
        kind, r, c = edge
        z0, z1 = Z[r, c], (Z[r, c + 1] if kind == "h" else Z[r + 1, c])
        t = (level - z0) / (z1 - z0)
        return (r, c + t) if kind == "h" else (r + t, c)

    at = defaultdict(list)
    for i, (e, g) in enumerate(segs):
        at[e].append(i)
        at[g].append(i)
    used = [False] * len(segs)
    lines = []
    # open lines start at an edge only one segment touches; what is left are closed loops
    for start in [e for e, ids in at.items() if len(ids) == 1] + [e for e, _ in segs]:
        edge, line = start, [start]
        while True:
            nxt = [i for i in at[edge] if not used[i]]
            if not nxt:
                break
            used[nxt[0]] = True
            e, g = segs[nxt[0]]
            edge = g if e == edge else e
            line.append(edge)
        if len(line) > 1:
            lines.append([point(e) for e in line])
    return lines
