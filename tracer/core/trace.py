"""The recording of a training run: columnar numpy arrays, one per quantity.

Each number is stored once.  Per kept step the trace holds the inputs and
targets as fed, and per layer the weights and biases *before* the update,
the sums, the activations and the error signals; gradients and the new
weights and biases are derived on access with the same floating-point
operations the engine used, so they equal the engine's values bit for bit.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from tracer.core.update import descend, gradient

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

    def most_steps(self, total: int) -> int:
        """An upper bound of ``len(self.steps(total))``, without building the array (parts may overlap)."""
        sizes = {"all": lambda n: total, "first": lambda n: min(n, total), "last": lambda n: min(n, total),
                 "every": lambda n: -(-total // n)}
        return min(total, sum(sizes[kind](n) for kind, n in self.parts))

    def iter_steps(self, total: int) -> Iterator[int]:
        """The same steps as :meth:`steps`, lazily, in order: memory stays flat for any ``total``."""
        ranges = []
        for kind, n in self.parts:
            ranges.append({
                "all": lambda: range(total),
                "first": lambda: range(min(n, total)),
                "every": lambda: range(0, total, n),
                "last": lambda: range(max(total - n, 0), total),
            }[kind]())
        if len(ranges) == 1:
            return iter(ranges[0])
        return (k for k, _ in itertools.groupby(heapq.merge(*ranges)))


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
    kept: np.ndarray  # step indices recorded (in a streamed trace: a chunk's buffer of them)
    initial: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    final: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    epoch_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    final_loss: float = float("nan")
    seed: int | None = None
    stopped: str | None = None  # why training stopped early, if it did
    # A streamed trace holds one chunk at a time: the engine fills the arrays
    # and hands each full chunk to ``sink(trace, n)``; ``schedule`` then
    # yields the steps to keep (else it is ``kept`` itself).
    sink: Callable[["Trace", int], None] | None = None
    schedule: Iterator[int] | None = None

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

    @property
    def capacity(self) -> int:
        return len(self.x)

    def steps_to_keep(self) -> Iterator[int]:
        return self.schedule if self.schedule is not None else iter(self.kept.tolist())

    def spill(self, n: int) -> int:
        """The engine filled ``n`` slots: a streamed trace writes them out and starts again at 0."""
        if self.sink is None:
            return n
        if n:
            self.sink(self, n)
        return 0

    def finish(self, n: int) -> None:
        """The run ended with ``n`` slots of the current chunk filled."""
        if self.sink is None:
            self.truncate(n)
        else:
            self.spill(n)
            self.truncate(0)

    def truncate(self, n: int) -> None:
        """Keep only the first ``n`` kept steps (a run that stopped early)."""
        self.kept = self.kept[:n]
        for name in ("x", "z", "loss"):
            setattr(self, name, getattr(self, name)[:n])
        for name in ("w", "b", "s", "a", "delta"):
            setattr(self, name, [arr[:n] for arr in getattr(self, name)])

    # ------------------------------------------------- derived on access
    # (infinite, without a warning, at the step where a diverging run overflowed)
    # Every derived value comes from core.update, the rule the engine ran.
    def grad_w(self, l: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return gradient(self.delta[l], self.layer_input(l))

    def grad_b(self, l: int) -> np.ndarray:
        return self.delta[l]

    def w_new(self, l: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return descend(self.w[l], self.grad_w(l), self.learning_rate)

    def b_new(self, l: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return descend(self.b[l], self.delta[l], self.learning_rate)

    def updated(self, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Kept step ``k``'s new weights and biases, per layer, without deriving every other step's."""
        with np.errstate(over="ignore", invalid="ignore"):
            return [(descend(self.w[l][k], gradient(self.delta[l][k], self.layer_input(l)[k]), self.learning_rate),
                     descend(self.b[l][k], self.delta[l][k], self.learning_rate)) for l in range(len(self.w))]

    # ------------------------------------------------------------ export
    def step_dicts(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """Kept steps ``start`` to ``stop`` in the trace JSON's shape.

        Each quantity is turned into lists once for the whole slice (numpy's
        tolist on one array is far cheaper than on each step's row); the
        derived values use the same element-wise operations as the engine.
        """
        sl = slice(start, stop)
        kept = self.kept[sl]
        cols: dict[str, Any] = {"epoch": (kept // self.n_rows).tolist(), "row": (kept % self.n_rows).tolist(),
                                "x": self.x[sl].tolist(), "z": self.z[sl].tolist(), "loss": self.loss[sl].tolist()}
        layers = []
        for l in range(len(self.w)):
            with np.errstate(over="ignore", invalid="ignore"):  # the step a run diverged at may overflow
                g = gradient(self.delta[l][sl], self.layer_input(l)[sl])
                w_new = descend(self.w[l][sl], g, self.learning_rate)
                b_new = descend(self.b[l][sl], self.delta[l][sl], self.learning_rate)
            delta = self.delta[l][sl].tolist()
            layers.append({"w": self.w[l][sl].tolist(), "b": self.b[l][sl].tolist(), "s": self.s[l][sl].tolist(),
                           "a": self.a[l][sl].tolist(), "delta": delta, "grad_w": g.tolist(), "grad_b": delta,
                           "w_new": w_new.tolist(), "b_new": b_new.tolist()})
        names = ("w", "b", "s", "a", "delta", "grad_w", "grad_b", "w_new", "b_new")
        return [{
            "epoch": cols["epoch"][i],
            "row": cols["row"][i],
            "x": cols["x"][i],
            "z": cols["z"][i],
            "layers": [{name: layer[name][i] for name in names} for layer in layers],
            "y": layers[-1]["a"][i],
            "loss": cols["loss"][i],
        } for i in range(len(kept))]

    def step_dict(self, k: int) -> dict[str, Any]:
        """Kept step ``k`` in the trace JSON's shape."""
        return self.step_dicts(k, k + 1)[0]

    def to_dict(self, steps: bool = True, epochs: bool = True) -> dict[str, Any]:
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
            "epoch_count": self.epochs,
            "initial": params(self.initial),
            "final": params(self.final),
            "steps": self.step_dicts() if steps else [],
            "epochs": self._epoch_dicts(0, self.epochs) if epochs else [],
            "final_loss": float(self.final_loss) if np.isfinite(self.final_loss) else None,
            **({"stopped": self.stopped} if self.stopped else {}),
        }

    def json_chunks(self, chunk: int = 256) -> Iterator[str]:
        """The trace as strict JSON, in pieces: memory holds one chunk of steps or epochs as text, never the whole file.

        Where a run diverged, a value that overflowed float64 is written as null.
        """
        d = self.to_dict(steps=False, epochs=False)
        d["steps"], d["epochs"] = _STEPS, _EPOCHS  # placeholders, each replaced by its list written piece by piece
        head, rest = _dumps(d).split(json.dumps(_STEPS), 1)
        middle, tail = rest.split(json.dumps(_EPOCHS), 1)
        yield head + "["
        yield from _joined(_dumps(self.step_dicts(k, k + chunk))[1:-1] for k in range(0, self.n_steps, chunk))
        yield "]" + middle + "["
        yield from _joined(_dumps(self._epoch_dicts(e, e + 4 * chunk))[1:-1] for e in range(0, self.epochs, 4 * chunk))
        yield "]" + tail + "\n"

    def _epoch_dicts(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [{"epoch": e, "loss": v} for e, v in enumerate(self.epoch_loss[start:stop].tolist(), start)
                if math.isfinite(v)]

    def to_json(self) -> str:
        """The whole trace as one strict JSON string (see :meth:`json_chunks`)."""
        return "".join(self.json_chunks())

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


# placeholders no label can hold (labels refuse control characters)
_STEPS, _EPOCHS = "\x00steps\x00", "\x00epochs\x00"


def _dumps(v: Any) -> str:
    try:
        return json.dumps(v, separators=(",", ":"), allow_nan=False)
    except ValueError:  # rare: only a diverging run gets here, so the common case pays nothing
        return json.dumps(_nulls(v), separators=(",", ":"), allow_nan=False)


def _joined(pieces: Iterator[str]) -> Iterator[str]:
    """The non-empty pieces of a JSON list's body, with commas between them."""
    first = True
    for piece in pieces:
        if piece:
            yield piece if first else "," + piece
            first = False


def _nulls(v: Any) -> Any:
    """``v`` with every NaN or infinity replaced by None (JSON null)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _nulls(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_nulls(x) for x in v]
    return v
