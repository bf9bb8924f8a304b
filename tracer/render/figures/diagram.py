"""The network drawn like the document's figure: nodes, weighted edges, biases, before and after a step."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from tracer.core.numbers import fixed
from tracer.render.figures.canvas import Canvas, box, text_width

__all__ = ["network", "MAX_LABELLED"]

POS, NEG, ZERO = "#2166ac", "#c0392b", "#9a9a9a"  # blue and red read apart for most colour-blind eyes
INK, MUTED, NODE_FILL = "#222222", "#555555", "#f4f1e8"
MAX_LABELLED = 6  # more nodes than this in a layer: edges coloured and sized instead of labelled
WHICH = ("before", "after", "both", "initial", "final")

Params = Sequence[tuple[np.ndarray, np.ndarray]]


def _panels(trace, step: int, which: str) -> list[tuple[str, Params]]:
    if which not in WHICH:
        raise ValueError(f"which={which!r}: expected one of {', '.join(WHICH)}")
    if which in ("initial", "final"):
        params = trace.initial if which == "initial" else trace.final
        title = "Initial weights and biases" if which == "initial" else f"After training ({trace.epochs} epochs)"
        return [(title, params)]
    if not 0 <= step < trace.n_steps:
        raise ValueError(f"step {step} is not recorded: the trace keeps {trace.n_steps} step(s)")
    nl = len(trace.w)
    before = [(trace.w[l][step], trace.b[l][step]) for l in range(nl)]
    after = trace.updated(step)  # the update of this one step, by the engine's rule
    k = int(trace.kept[step])
    e, r = k // trace.n_rows, k % trace.n_rows
    panels = [(f"Before step {k} (epoch {e}, row {r})", before),
              (f"After step {k}: w - {trace.learning_rate:g} * delta * input", after)]
    return {"before": panels[:1], "after": panels[1:], "both": panels}[which]


def network(trace, step: int = 0, digits: int = 4, which: str = "both",
            labelled: bool | None = None, stack: bool = False, *, names: Sequence[Sequence[str]]) -> Canvas:
    """Draw the network of ``trace`` with its weights and biases.

    ``step`` is an index into the trace's kept steps; ``which`` picks the
    weights before that step's update, after it, ``both`` side by side (or
    stacked, ``stack=True``), or the run's ``initial``/``final`` weights.
    Edges carry their weight at ``digits`` decimals unless a layer has more
    than MAX_LABELLED nodes (or ``labelled=False``): then colour shows the
    sign and thickness the magnitude, with a legend.  ``names`` holds
    what each node's circle says, layer by layer (the notation's
    ``Names.figure_nodes()``; tracer.render.drawings passes them).
    """
    panels = _panels(trace, step, which)
    layers = list(trace.layers)
    if labelled is None:
        labelled = max(layers) <= MAX_LABELLED
    R, gy = (17, 74) if labelled else (11, 42)
    fs_w, fs_b = (11, 10) if labelled else (9, 9)
    wmax = max((float(np.max(np.abs(w))) for _, ps in panels for w, _ in ps if w.size), default=0.0) or 1.0

    # label widths: the widest value either panel shows, so labels sit at the same place in both
    lw = max((text_width(fixed(v, digits), fs_w) for _, ps in panels for w, _ in ps for v in w.ravel()), default=30)
    bw = max((text_width("b " + fixed(v, digits), fs_b) for _, ps in panels for _, b in ps for v in b), default=30)
    # column gaps: labelled edges need length to spread along, more the more edges cross
    if labelled:
        gaps = [max(lw * (1.4 * math.sqrt(m * n) + 1.0) + 2 * R, 150) for m, n in zip(layers, layers[1:])]
    else:
        gaps = [max(2.5 * bw, 130)] * (len(layers) - 1)
    cols = [0.0] + list(np.cumsum(gaps))
    left = max(text_width(s, 11) for s in trace.input_labels) + R + 14
    right = max(text_width(s, 11) for s in trace.output_labels) + R + 14
    top = 34
    pw = left + cols[-1] + right
    ph = top + max(layers) * gy + 4

    pos = [[(left + cols[l], top + (max(layers) - n) * gy / 2 + (j + 0.5) * gy) for j in range(n)]
           for l, n in enumerate(layers)]
    spots = _place_labels(pos, R, lw + 3, fs_w + 1.5, bw, fs_b) if labelled else None

    legend_h = 0 if labelled else 46
    gap = 48
    if stack:
        W, H = pw, len(panels) * ph + (len(panels) - 1) * gap + legend_h
        origins = [(0, i * (ph + gap)) for i in range(len(panels))]
    else:
        W, H = len(panels) * pw + (len(panels) - 1) * gap, ph + legend_h
        origins = [(i * (pw + gap), 0) for i in range(len(panels))]
    shape = "-".join(map(str, layers))
    c = Canvas(W, H, title=f"Network {shape}: " + "; ".join(t for t, _ in panels))

    for (ox, oy), (title, params) in zip(origins, panels):
        P = [[(x + ox, y + oy) for x, y in col] for col in pos]
        c.text(ox + 8, oy + 20, title, size=12, bold=True, color=INK, cls="panel-title")
        for l, (w, _) in enumerate(params):
            for j, (xt, yt) in enumerate(P[l + 1]):
                for i, (xs, ys) in enumerate(P[l]):
                    v = float(w[j, i])
                    color = POS if v > 0 else NEG if v < 0 else ZERO
                    width = 1.3 if labelled else 0.5 + 3.5 * abs(v) / wmax
                    d = np.hypot(xt - xs, yt - ys)
                    ux, uy = (xt - xs) / d, (yt - ys) / d
                    c.line([(xs + R * ux, ys + R * uy), (xt - R * ux, yt - R * uy)], color=color,
                           width=width, cls="edge", data=dict(layer=l, node=j, input=i, value=repr(v)))
        if labelled:
            for l, (w, _) in enumerate(params):
                for (j, i), (x, y, angle) in spots[l].items():
                    c.label(x + ox, y + oy, fixed(w[j, i], digits), size=fs_w, angle=angle, pad=1.5,
                            color=INK, cls="weight", data=dict(layer=l, node=j, input=i))
        for l, col in enumerate(P):
            for j, (x, y) in enumerate(col):
                c.circle(x, y, R, fill=NODE_FILL, stroke=INK, width=1.2, cls="node")
                c.text(x, y + 0.36 * (12 if labelled else 9), names[l][j], size=12 if labelled else 9,
                       anchor="middle", color=INK, cls="node-name")
                if l > 0:
                    b = params[l - 1][1][j]
                    c.label(x, y + R + 3 + fs_b / 2, "b " + fixed(b, digits), size=fs_b, pad=1,
                            color=MUTED, cls="bias", data=dict(layer=l - 1, node=j))
        for j, (x, y) in enumerate(P[0]):
            c.text(x - R - 6, y + 4, trace.input_labels[j], size=11, anchor="end", color=INK, cls="input-label")
        for j, (x, y) in enumerate(P[-1]):
            c.text(x + R + 6, y + 4, trace.output_labels[j], size=11, anchor="start", color=INK, cls="output-label")

    for ox, oy in origins[:-1]:  # an arrow from "before" to "after"
        if stack:
            x, y = W / 2, oy + ph + gap / 2
            c.line([(x, y - 14), (x, y + 6)], color=MUTED, width=2)
            c.polygon([(x - 6, y + 4), (x + 6, y + 4), (x, y + 14)], fill=MUTED)
        else:
            x, y = ox + pw + gap / 2, ph / 2
            c.line([(x - 14, y), (x + 6, y)], color=MUTED, width=2)
            c.polygon([(x + 4, y - 6), (x + 4, y + 6), (x + 14, y)], fill=MUTED)
    if not labelled:
        _legend(c, 10, H - legend_h + 14, wmax, digits)
    return c


def _place_labels(pos, R: float, w: float, h: float, bw: float, fs_b: float) -> list[dict]:
    """Where each edge's weight goes: on its edge and turned along it, clear of other labels.

    Greedy: for each edge try points along it (nearest 0.7 of the way to the
    target first, since w[node][input] belongs to the target node) and keep
    the first whose box overlaps nothing placed so far; otherwise the one
    that overlaps fewest.  Returns, per layer, (node, input) -> (x, y, angle).
    """
    boxes = []
    for l, col in enumerate(pos):
        for x, y in col:
            boxes.append(box(x, y, 2 * R, 2 * R))
            if l > 0:
                boxes.append(box(x, y + R + 3 + fs_b / 2, bw, fs_b + 2))
    tries = sorted(np.arange(0.2, 0.86, 0.04), key=lambda t: abs(t - 0.7))  # nearest the target first
    out = []
    for l in range(len(pos) - 1):
        spot = {}
        for j, (xt, yt) in enumerate(pos[l + 1]):
            for i, (xs, ys) in enumerate(pos[l]):
                angle = math.degrees(math.atan2(yt - ys, xt - xs))
                best = None
                for t in tries:
                    x, y = xs + t * (xt - xs), ys + t * (yt - ys)
                    b = box(x, y, w, h, angle)
                    hits = sum(_overlap(b, o) for o in boxes)
                    if best is None or hits < best[0]:
                        best = (hits, (x, y, angle), b)
                    if hits == 0:
                        break
                spot[(j, i)] = best[1]
                boxes.append(best[2])
        out.append(spot)
    return out


def _overlap(p: list, q: list) -> bool:
    """Whether two convex polygons overlap: no edge direction separates them (separating axes)."""
    for poly in (p, q):
        for (ax, ay), (bx, by) in zip(poly, poly[1:] + poly[:1]):
            nx, ny = ay - by, bx - ax
            pp = [nx * x + ny * y for x, y in p]
            qq = [nx * x + ny * y for x, y in q]
            if max(pp) <= min(qq) or max(qq) <= min(pp):
                return False
    return True


def _legend(c: Canvas, x: float, y: float, wmax: float, digits: int) -> None:
    """Colour is the sign of a weight, thickness its size."""
    items = [("positive", POS, 2.0), ("negative", NEG, 2.0)]
    items += [(f"|w| = {fixed(m, min(digits, 3))}", INK, 0.5 + 3.5 * m / wmax) for m in (wmax, wmax / 2, wmax / 10)]
    for name, color, width in items:
        c.line([(x, y), (x + 26, y)], color=color, width=width, cls="legend")
        c.text(x + 32, y + 4, name, size=10, color=INK, cls="legend")
        x += 32 + text_width(name, 10) + 22
