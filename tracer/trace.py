"""The recording of a training run: columnar numpy arrays, one per quantity.

Each number is stored once.  Per kept step the trace holds the inputs and
targets as fed, and per layer the weights and biases *before* the update,
the sums, the activations and the error signals; gradients and the new
weights and biases are derived on access with the same floating-point
operations the engine used, so they equal the engine's values bit for bit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Trace", "Policy", "parse_policy", "FORMAT", "VERSION"]

FORMAT, VERSION = "mlptrace-trace", 1


# --------------------------------------------------------------------------
# recording policies


@dataclass(frozen=True)
class Policy:
    """Which steps a run keeps: a union of ``all``, ``first:K``, ``every:N``, ``last:K``; ``epochs`` keeps none."""

    spec: str
    parts: tuple[tuple[str, int], ...]

    def steps(self, total: int) -> np.ndarray:
        """The sorted indices, among ``total`` steps, that this policy keeps."""
        kept = [np.empty(0, dtype=np.int64)]
        for kind, n in self.parts:
            if kind == "all":
                kept.append(np.arange(total, dtype=np.int64))
            elif kind == "first":
                kept.append(np.arange(min(n, total), dtype=np.int64))
            elif kind == "every":
                kept.append(np.arange(0, total, n, dtype=np.int64))
            elif kind == "last":
                kept.append(np.arange(max(total - n, 0), total, dtype=np.int64))
        return np.unique(np.concatenate(kept))


_PART = re.compile(r"^(all|epochs|(first|every|last):([0-9]+))$")


def parse_policy(spec: str) -> Policy:
    """Parse ``all``, ``epochs``, ``first:K``, ``every:N``, ``last:K`` or a comma-separated union.

    Raises ValueError with a message that lists the accepted forms.
    """
    parts = []
    for raw in spec.split(","):
        token = raw.strip()
        m = _PART.match(token)
        if not m:
            raise ValueError(
                f"{token!r} is not a recording policy; expected all, epochs, first:K, every:N, last:K "
                "or several joined by commas"
            )
        if m.group(2):
            n = int(m.group(3))
            if n < 1:
                raise ValueError(f"{token!r}: the count must be at least 1")
            parts.append((m.group(2), n))
        elif m.group(1) == "all":
            parts.append(("all", 0))
    return Policy(spec, tuple(parts))


# --------------------------------------------------------------------------
# the trace


@dataclass
class Trace:
    """What a training run recorded.

    ``layers`` is ``[inputs, hidden..., outputs]``.  Arrays indexed by kept
    step: ``step``, ``epoch``, ``row``, ``x``, ``z``, ``loss``, and per layer
    ``w[l]``, ``b[l]``, ``s[l]``, ``a[l]``, ``delta[l]``.
    """

    layers: list[int]
    activations: list[str]
    learning_rate: float
    loss_name: str
    input_labels: list[str]
    output_labels: list[str]
    minmax: dict[str, list[float]]
    method: str
    n_rows: int
    epochs: int
    kept: np.ndarray  # step indices recorded
    initial: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    final: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    epoch_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    final_loss: float = float("nan")
    seed: int | None = None
    stopped: str | None = None  # why training stopped early, if it did

    def __post_init__(self) -> None:
        k = len(self.kept)
        pairs = list(zip(self.layers[:-1], self.layers[1:]))
        self.x = np.empty((k, self.layers[0]))
        self.z = np.empty((k, self.layers[-1]))
        self.loss = np.empty(k)
        self.w = [np.empty((k, n, m)) for m, n in pairs]
        self.b = [np.empty((k, n)) for _, n in pairs]
        self.s = [np.empty((k, n)) for _, n in pairs]
        self.a = [np.empty((k, n)) for _, n in pairs]
        self.delta = [np.empty((k, n)) for _, n in pairs]
        self.epoch_loss = np.full(self.epochs, np.nan)

    # ------------------------------------------------------------- indexing
    @property
    def n_steps(self) -> int:
        return len(self.kept)

    @property
    def epoch(self) -> np.ndarray:
        return self.kept // self.n_rows

    @property
    def row(self) -> np.ndarray:
        return self.kept % self.n_rows

    @property
    def y(self) -> np.ndarray:
        return self.a[-1]

    def layer_input(self, l: int) -> np.ndarray:
        """What layer ``l`` received: the inputs for the first layer, else the previous activations."""
        return self.x if l == 0 else self.a[l - 1]

    def truncate(self, n: int) -> None:
        """Keep only the first ``n`` kept steps (a run that stopped early)."""
        self.kept = self.kept[:n]
        for name in ("x", "z", "loss"):
            setattr(self, name, getattr(self, name)[:n])
        for name in ("w", "b", "s", "a", "delta"):
            setattr(self, name, [arr[:n] for arr in getattr(self, name)])

    # ------------------------------------------------- derived on access
    def grad_w(self, l: int) -> np.ndarray:
        return self.delta[l][:, :, None] * self.layer_input(l)[:, None, :]

    def grad_b(self, l: int) -> np.ndarray:
        return self.delta[l]

    def w_new(self, l: int) -> np.ndarray:
        return self.w[l] - self.learning_rate * self.grad_w(l)

    def b_new(self, l: int) -> np.ndarray:
        return self.b[l] - self.learning_rate * self.delta[l]

    # ------------------------------------------------------------ export
    def step_dict(self, k: int) -> dict[str, Any]:
        """Kept step ``k`` in the trace JSON's shape."""
        layers = []
        for l in range(len(self.w)):
            g = self.delta[l][k][:, None] * self.layer_input(l)[k][None, :]
            layers.append({
                "w": self.w[l][k].tolist(),
                "b": self.b[l][k].tolist(),
                "s": self.s[l][k].tolist(),
                "a": self.a[l][k].tolist(),
                "delta": self.delta[l][k].tolist(),
                "grad_w": g.tolist(),
                "grad_b": self.delta[l][k].tolist(),
                "w_new": (self.w[l][k] - self.learning_rate * g).tolist(),
                "b_new": (self.b[l][k] - self.learning_rate * self.delta[l][k]).tolist(),
            })
        return {
            "epoch": int(self.kept[k] // self.n_rows),
            "row": int(self.kept[k] % self.n_rows),
            "x": self.x[k].tolist(),
            "z": self.z[k].tolist(),
            "layers": layers,
            "y": self.a[-1][k].tolist(),
            "loss": float(self.loss[k]),
        }

    def to_dict(self) -> dict[str, Any]:
        def params(ps):
            return [{"w": w.tolist(), "b": b.tolist()} for w, b in ps]

        return {
            "format": FORMAT,
            "version": VERSION,
            "network": {
                "layers": list(self.layers),
                "activations": list(self.activations),
                "loss": self.loss_name,
                "learning_rate": self.learning_rate,
                "inputs": list(self.input_labels),
                "outputs": list(self.output_labels),
            },
            "normalize": self.method,
            "minmax": self.minmax,
            "seed": self.seed,
            "rows": self.n_rows,
            "initial": params(self.initial),
            "final": params(self.final),
            "steps": [self.step_dict(k) for k in range(self.n_steps)],
            "epochs": [{"epoch": e, "loss": float(v)} for e, v in enumerate(self.epoch_loss) if np.isfinite(v)],
            "final_loss": float(self.final_loss) if np.isfinite(self.final_loss) else None,
            **({"stopped": self.stopped} if self.stopped else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False) + "\n"

    # --------------------------------------------------- the loss table
    def loss_table(self) -> list[tuple[int, float]]:
        """(iteration, loss) rows as the document prints them.

        Iterations 0-9, then every power of ten, then the last.  Iteration
        k is the mean loss of epoch k (each row's loss before its update);
        iteration ``epochs`` is the loss after the whole run.
        """
        n = self.epochs
        marks = list(range(min(10, n)))
        p = 10
        while p < n:
            marks.append(p)
            p *= 10
        rows = [(k, float(self.epoch_loss[k])) for k in marks if np.isfinite(self.epoch_loss[k])]
        if np.isfinite(self.final_loss):
            rows.append((n, float(self.final_loss)))
        return rows
