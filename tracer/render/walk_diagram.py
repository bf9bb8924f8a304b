"""The network drawn in text for the terminal: one column per layer, box-drawing wires between them.

The node names come from the caller (``tracer.explain.notation``'s
``Names.terminal_nodes``): this module only lays them out.
"""

from __future__ import annotations

from typing import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from tracer.errors import visible

__all__ = ["NetworkDiagram", "wiring_note", "MAX_DRAWN"]

# (up, down, left, right) -> the box-drawing character joining those sides
_JOIN = {
    (False, True, True, False): "┐", (False, True, False, True): "┌", (False, True, True, True): "┬",
    (True, False, True, False): "┘", (True, False, False, True): "└", (True, False, True, True): "┴",
    (True, True, True, False): "┤", (True, True, False, True): "├", (True, True, True, True): "┼",
    (True, True, False, False): "│", (False, False, True, True): "─", (False, False, True, False): "╴",
    (False, False, False, True): "╶", (False, False, False, False): " ",
}
MAX_DRAWN = 7  # nodes drawn per layer; a larger layer shows its first and last few around a "⋮"


def _shown(n: int) -> list[int | None]:
    """Indices of the nodes drawn for a layer of ``n``; None marks the elided middle."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return [0, 1, 2, None, n - 2, n - 1]


class NetworkDiagram:
    """The network as text: one column per layer, every node joined to every node of the next.

    Between two layers a vertical bus collects every node on the left and
    feeds every node on the right, which is how a fully connected layer is
    wired.  When the drawing is wider than the terminal it becomes a list,
    one line per layer.
    """

    def __init__(self, layers: Sequence[int], names: Sequence[Sequence[str]], acts: Sequence[str],
                 output_labels: Sequence[str]):
        # Labels written out before the drawing is laid out by len(): a bidi
        # override, one character to len(), is shown as the six of \u202e.
        self.layers, self.acts = list(layers), list(acts)
        self.names = [[visible(n) for n in col] for col in names]
        self.output_labels = [visible(lab) for lab in output_labels]

    def _headers(self) -> list[tuple[str, str]]:
        n_hidden = len(self.layers) - 2
        heads = [("input", "")]
        for l in range(n_hidden):
            heads.append(("hidden" if n_hidden == 1 else f"hidden {l + 1}", self.acts[l]))
        heads.append(("output", self.acts[-1]))
        return heads

    def _columns(self) -> list[list[str | None]]:
        cols = []
        for l, n in enumerate(self.layers):
            col: list[str | None] = []
            for j in _shown(n):
                if j is None:
                    col.append(f"⋮ {n - 5} more")
                else:
                    text = f"({self.names[l][j]})"
                    if l == len(self.layers) - 1:
                        text += f" → {self.output_labels[j]}"
                    col.append(text)
            cols.append(col)
        return cols

    def lines(self) -> list[str]:
        cols = self._columns()
        heads = self._headers()
        height = 2 * max(len(c) for c in cols) - 1
        rows_of = []
        for col in cols:
            start = (height - 1) // 2 - (len(col) - 1)
            rows_of.append([start + 2 * i for i in range(len(col))])
        widths = [max(len(h[0]), len(h[1]), *(len(t) for t in col)) for col, h in zip(cols, heads)]
        grid = [[] for _ in range(height)]
        head1, head2 = [], []
        for l, col in enumerate(cols):
            at = dict(zip(rows_of[l], col))
            last = l == len(cols) - 1
            for r in range(height):
                text = at.get(r, "")
                if text and not last and not text.startswith("⋮"):
                    # the node's own wire runs from its name to the bus
                    grid[r].append(f"{text} ".ljust(widths[l] + 1, "─")[: widths[l] + 1])
                else:
                    grid[r].append(f"{text:<{widths[l] + (0 if last else 1)}}")
            head1.append(f"{heads[l][0]:<{widths[l]}}")
            head2.append(f"{heads[l][1]:<{widths[l]}}")
            if l == len(cols) - 1:
                break
            # the connector to the next layer: stubs in, a bus, stubs out
            left = {r for r, t in zip(rows_of[l], col) if t is not None and not t.startswith("⋮")}
            right = {r for r, t in zip(rows_of[l + 1], cols[l + 1]) if not t.startswith("⋮")}
            top, bottom = min(left | right), max(left | right)
            for r in range(height):
                key = (top < r <= bottom, top <= r < bottom, r in left, r in right)
                grid[r].append(("─" if r in left else " ") + _JOIN[key] + ("──" if r in right else "  "))
            for h in (head1, head2):
                h.append("     ")
        out = ["".join(head1).rstrip(), "".join(head2).rstrip()]
        out += ["".join(row).rstrip() for row in grid]
        return out

    def list_lines(self) -> list[str]:
        """The fallback for a narrow terminal: one line per layer."""
        out = []
        for l, ((name, act), n) in enumerate(zip(self._headers(), self.layers)):
            shown = [self.names[l][j] if j is not None else "…" for j in _shown(n)]
            act_note = f", {act}" if act else ""
            out.append(f"{name} ({n} node{'s' if n != 1 else ''}{act_note}): {', '.join(shown)}")
            if l < len(self.layers) - 1:
                out.append(f"  ↓ every node to every node: {n}×{self.layers[l + 1]} weights")
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines()
        if max(len(s) for s in lines) > options.max_width:
            lines = self.list_lines()
        for i, line in enumerate(lines):
            yield Text(line, style="bold" if i == 0 else ("dim" if i == 1 else ""))


def wiring_note(layers: Sequence[int]) -> str:
    pairs = list(zip(layers[:-1], layers[1:]))
    w = " + ".join(f"{a}×{b}" for a, b in pairs)
    b = " + ".join(str(n) for n in layers[1:])
    n_w = sum(a * b for a, b in pairs)
    n_b = sum(layers[1:])
    return (f"Every node feeds every node of the next layer: {w} = {n_w} weights, "
            f"and each hidden and output node has a bias: {b} = {n_b} biases.")
