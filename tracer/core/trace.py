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
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from tracer.core import tidy
from tracer.core.update import Rule, batch_delta, batch_gradient, bias_gradient, gradient
from tracer.core.variant import DEFAULT, Variant

__all__ = ["Trace", "Policy", "parse_policy", "FIELDS", "Field", "fields_of", "step_shape", "step_bytes",
           "FORMAT", "VERSION"]

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
# the fields of a step, declared once


@dataclass(frozen=True)
class Field:
    """One quantity a kept step stores: its name, whether each layer has one, and one step's shape.

    ``shape`` names its axes: ``rows`` (present only when a step holds a
    batch of rows), ``inputs`` and ``outputs`` (of the network), ``nodes``
    and ``fan_in`` (of a layer).  ``start`` fields are what the step starts
    from (copied in when it begins); the others the engine computes into
    the trace's own arrays.  ``momentum`` fields exist only for a run with
    momentum.  Storage, truncation, the memory estimate, the .npz chunks
    and the JSON trace's steps all come from this table.
    """

    name: str
    per_layer: bool
    shape: tuple[str, ...]
    start: bool = False
    momentum: bool = False


FIELDS: tuple[Field, ...] = (
    Field("x", False, ("rows", "inputs"), start=True),
    Field("z", False, ("rows", "outputs"), start=True),
    Field("loss", False, ("rows",)),
    Field("w", True, ("nodes", "fan_in"), start=True),
    Field("b", True, ("nodes",), start=True),
    Field("s", True, ("rows", "nodes")),
    Field("a", True, ("rows", "nodes")),
    Field("delta", True, ("rows", "nodes")),
    Field("v_w", True, ("nodes", "fan_in"), start=True, momentum=True),  # velocities before the step
    Field("v_b", True, ("nodes",), start=True, momentum=True),
)


def fields_of(variant: Variant) -> tuple[Field, ...]:
    """The fields a run of ``variant`` stores."""
    return tuple(f for f in FIELDS if not f.momentum or variant.momentum != 0.0)


def step_shape(f: Field, layers: Sequence[int], rows: int, l: int = 0) -> tuple[int, ...]:
    """One step's shape of field ``f`` (of layer ``l``); ``rows`` is 1 for a step of one row (no rows axis)."""
    sizes = {"inputs": layers[0], "outputs": layers[-1], "nodes": layers[l + 1], "fan_in": layers[l], "rows": rows}
    return tuple(sizes[axis] for axis in f.shape if axis != "rows" or rows > 1)


def step_bytes(layers: Sequence[int], variant: Variant, rows: int) -> int:
    """Bytes one kept step takes in memory: its index and every field of :data:`FIELDS`."""
    n = 1
    for f in fields_of(variant):
        for l in range(len(layers) - 1 if f.per_layer else 1):
            n += math.prod(step_shape(f, layers, rows, l))
    return 8 * n


# --------------------------------------------------------------------------
# the trace


@dataclass
class Trace:
    """What a training run recorded; it is also the engine's recorder (tracer.core.recorder).

    ``layers`` is ``[inputs, hidden..., outputs]``.  Arrays indexed by kept
    step, one attribute per field of :data:`FIELDS`: ``x``, ``z``, ``loss``,
    and per layer ``w[l]``, ``b[l]``, ``s[l]``, ``a[l]``, ``delta[l]`` (and
    with momentum the velocities ``v_w[l]``, ``v_b[l]``); ``kept`` holds the
    kept steps' indices.  A step is one update: with batches of several
    rows, its per-row fields have a rows axis (``x[k]`` is (rows, inputs)),
    padded with NaN where the epoch's last batch is smaller.
    """

    layers: list[int]
    activations: list[str]
    learning_rate: float
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
    variant: Variant = DEFAULT

    def __post_init__(self) -> None:
        k = len(self.kept)
        self.rows_per_step = self.variant.rows_per_batch(self.n_rows)
        self.fields = fields_of(self.variant)
        for f in self.fields:
            fill = np.full if "rows" in f.shape and self.rows_per_step > 1 else _empty
            if f.per_layer:
                setattr(self, f.name, [fill((k, *step_shape(f, self.layers, self.rows_per_step, l)), np.nan)
                                       for l in range(len(self.layers) - 1)])
            else:
                setattr(self, f.name, fill((k, *step_shape(f, self.layers, self.rows_per_step)), np.nan))
        self.epoch_loss = np.full(self.epochs, np.nan)
        self.rule = Rule(self.learning_rate, self.variant)
        self.filled = 0
        self._state: dict[str, list[np.ndarray]] | None = None  # the engine's live arrays (see _bind)

    @property
    def loss_name(self) -> str:
        return self.variant.loss

    # ------------------------------------------------------------- indexing
    @property
    def n_steps(self) -> int:
        return len(self.kept)

    @property
    def steps_per_epoch(self) -> int:
        return self.variant.steps_per_epoch(self.n_rows)

    @property
    def epoch(self) -> np.ndarray:
        return self.kept // self.steps_per_epoch

    @property
    def row(self) -> np.ndarray:
        """The (first) row of each kept step."""
        return self.kept % self.steps_per_epoch * self.rows_per_step

    def rows_in(self, k: int) -> int:
        """How many rows kept step ``k`` holds (the epoch's last batch may be smaller)."""
        first = int(self.kept[k]) % self.steps_per_epoch * self.rows_per_step
        return min(self.rows_per_step, self.n_rows - first)

    @property
    def y(self) -> np.ndarray:
        return self.a[-1]

    def layer_input(self, l: int) -> np.ndarray:
        """What layer ``l`` received: the inputs for the first layer, else the previous activations."""
        return self.x if l == 0 else self.a[l - 1]

    @property
    def capacity(self) -> int:
        return len(self.kept)

    def per_field(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored array by its name in files: ``x``, ``loss``, ``w0``, ``w1``, ... (per layer, numbered)."""
        for f in self.fields:
            if f.per_layer:
                for l, arr in enumerate(getattr(self, f.name)):
                    yield f"{f.name}{l}", arr
            else:
                yield f.name, getattr(self, f.name)

    def map_fields(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace every stored array ``arr`` by ``fn(arr)`` (a slice, a concatenation, ...)."""
        for f in self.fields:
            value = getattr(self, f.name)
            setattr(self, f.name, [fn(a) for a in value] if f.per_layer else fn(value))
        self._state = None  # new arrays: pair them with the engine's again

    # ----------------------------------------------- the recorder protocol
    # (tracer.core.recorder: the engine asks which steps to keep, hands the
    # state a kept step starts from, computes into the buffers returned, and
    # says when the step is complete and when the run ends)
    def schedule(self) -> Iterator[int]:
        return iter(self.kept.tolist())

    def begin(self, step: int, x: np.ndarray, z: np.ndarray, state: dict[str, list[np.ndarray]]) -> list[tuple]:
        k = self.filled
        if state is not self._state:
            self._bind(state)
        self.kept[k] = step
        if self.rows_per_step > 1:  # a batch: its rows, NaN below them in a smaller last batch
            r = len(x)
            for name, value in (("x", x), ("z", z)):
                arr = getattr(self, name)[k]
                arr[:r] = value
                arr[r:] = np.nan
            for s, a, d in self._computed:
                s[k][r:] = a[k][r:] = d[k][r:] = np.nan
            self.loss[k][r:] = np.nan
        else:
            self.x[k], self.z[k] = x, z
        for stored, live in self._copies:
            stored[k] = live
        return [(s[k], a[k], d[k]) for s, a, d in self._computed]

    def _bind(self, state: dict[str, list[np.ndarray]]) -> None:
        """Pair each live array of the engine's state with the trace's array it is copied into, once per run.

        (A kept step then costs one assignment per array: on a network as
        small as the document's, Python's cost per step is most of it.)
        """
        self._state = state
        self._copies = [(getattr(self, name)[l], live) for name, arrays in state.items() for l, live in enumerate(arrays)]
        self._computed = list(zip(self.s, self.a, self.delta))

    def end(self, loss: float | np.ndarray) -> bool:
        """The begun step is complete; True when the arrays are full (for a chunked recorder)."""
        k = self.filled
        if self.rows_per_step > 1:
            self.loss[k][:len(loss)] = loss
        else:
            self.loss[k] = loss
        self.filled = k + 1
        return k + 1 == len(self.kept)

    def epoch_done(self, e: int, loss: float) -> None:
        self.epoch_loss[e] = loss

    def close(self) -> None:
        """The run ended or stopped: keep the completed steps only."""
        self.truncate(self.filled)

    def truncate(self, n: int) -> None:
        """Keep only the first ``n`` kept steps (a run that stopped early)."""
        self.kept = self.kept[:n]
        self.map_fields(lambda arr: arr[:n])
        self.filled = min(self.filled, n)

    # ------------------------------------------------- derived on access
    # (infinite, without a warning, at the step where a diverging run overflowed)
    # Every derived value comes from core.update, the rule the engine ran.
    def _rows_of(self, k: int, arr: np.ndarray) -> np.ndarray:
        return arr[k][:self.rows_in(k)]

    def _gradients(self, l: int, sl: slice) -> tuple[np.ndarray, np.ndarray]:
        """Layer ``l``'s weight gradients and (batch-mean) error signals for the kept steps ``sl``."""
        inp = self.layer_input(l)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.rows_per_step == 1:
                return gradient(self.delta[l][sl], inp[sl]), self.delta[l][sl]
            ks = range(*sl.indices(self.n_steps))
            g = [batch_gradient(self._rows_of(k, self.delta[l]), self._rows_of(k, inp)) for k in ks]
            d = [batch_delta(self._rows_of(k, self.delta[l])) for k in ks]
            return np.array(g).reshape(self.w[l][sl].shape), np.array(d).reshape(self.b[l][sl].shape)

    def _new(self, l: int, sl: slice, grads: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        g, d = grads if grads is not None else self._gradients(l, sl)
        v = (self.v_w[l][sl], self.v_b[l][sl]) if self.variant.momentum != 0.0 else (None, None)
        return self.rule.new(self.w[l][sl], self.b[l][sl], g, d, *v)

    def grad_w(self, l: int, sl: slice = slice(None)) -> np.ndarray:
        """Each kept step's weight gradient (a batch's: the mean of its rows')."""
        return self._gradients(l, sl)[0]

    def grad_b(self, l: int, sl: slice = slice(None)) -> np.ndarray:
        """Each kept step's bias gradient per node (shared: the layer's sum, repeated; none: zeros)."""
        return bias_gradient(self._gradients(l, sl)[1], self.variant.bias)

    def w_new(self, l: int, sl: slice = slice(None)) -> np.ndarray:
        return self._new(l, sl)[0]

    def b_new(self, l: int, sl: slice = slice(None)) -> np.ndarray:
        return self._new(l, sl)[1]

    def updated(self, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Kept step ``k``'s new weights and biases, per layer, without deriving every other step's."""
        return [tuple(v[0] for v in self._new(l, slice(k, k + 1))) for l in range(len(self.w))]

    # ------------------------------------------------------------ export
    def step_dicts(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """Kept steps ``start`` to ``stop`` in the trace JSON's shape.

        Each quantity is turned into lists once for the whole slice (numpy's
        tolist on one array is far cheaper than on each step's row); the
        derived values use the same element-wise operations as the engine.
        A batch step lists each row's forward and backward values (its rows
        only, no padding) and the batch's mean gradient.
        """
        sl = slice(start, stop)
        kept = self.kept[sl]
        n = len(self.w)
        rows = [self.rows_in(k) for k in range(*sl.indices(self.n_steps))] if self.rows_per_step > 1 else None
        cols: dict[str, Any] = {"epoch": (kept // self.steps_per_epoch).tolist(),
                                "row": (kept % self.steps_per_epoch * self.rows_per_step).tolist()}
        for f in self.fields:
            if not f.per_layer:
                cols[f.name] = getattr(self, f.name)[sl].tolist()
        layers = []
        for l in range(n):
            layer = {f.name: getattr(self, f.name)[l][sl].tolist() for f in self.fields if f.per_layer}
            g, d = self._gradients(l, sl)
            w_new, b_new = self._new(l, sl, (g, d))
            layer["grad_w"], layer["w_new"], layer["b_new"] = g.tolist(), w_new.tolist(), b_new.tolist()
            layer["grad_b"] = layer["delta"] if self.rows_per_step == 1 and self.variant.bias == "per-node" else \
                bias_gradient(d, self.variant.bias).tolist()
            layers.append(layer)
        derived = ("grad_w", "grad_b", "w_new", "b_new")
        names = [f.name for f in self.fields if f.per_layer and not f.momentum] + list(derived) + \
            [f.name for f in self.fields if f.momentum]

        def cut(v: list, i: int) -> list:
            return v if rows is None else v[:rows[i]]

        row_fields = {f.name for f in self.fields if "rows" in f.shape}
        out = []
        for i in range(len(kept)):
            step = {"epoch": cols["epoch"][i], "row": cols["row"][i]}
            if rows is not None:
                step["rows"] = rows[i]
            step["x"], step["z"] = cut(cols["x"][i], i), cut(cols["z"][i], i)
            step["layers"] = [{name: cut(layer[name][i], i) if name in row_fields else layer[name][i] for name in names}
                              for layer in layers]
            step["y"] = step["layers"][-1]["a"]
            step["loss"] = cut(cols["loss"][i], i)
            out.append(step)
        return out

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
                "bias": self.variant.bias,
            },
            "training": self.variant.training_dict(),
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

    # ------------------------------------ as rows (tracer.core.tidy)
    def to_pandas(self) -> Any:
        """One row per number: step, epoch, row, layer, quantity, node, input, value (needs mlptrace[pandas])."""
        return tidy.to_pandas(self)

    def summary(self) -> list[tuple[str, str]]:
        """(label, text) rows about the run, what a notebook or a REPL shows instead of the arrays."""
        return tidy.summary(self)

    def __repr__(self) -> str:  # the summary, not every array (dataclass keeps a __repr__ the class defines)
        return tidy.summary_text(self)

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


def _empty(shape: tuple[int, ...], _fill: float) -> np.ndarray:
    return np.empty(shape)


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
