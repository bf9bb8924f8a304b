"""The recording of a training run: columnar numpy arrays, one per quantity.

A trace stores what is new.  Per kept step it holds what cannot be derived:
the inputs and targets as fed, the loss, and per layer the sums, the
activations and the error signals.  The state a step starts from (weights,
biases, with momentum the velocities) is stored only at keyframes: the
first kept step, every ``keyframe_every`` kept steps after it, and every
kept step whose predecessor in the run was not kept (replay needs every
step in between, so a sparse policy such as every:N keyframes each kept
step, as much as before; a dense run stores O(nodes) per step instead of
O(parameters)).  Every other kept step's state is rebuilt by replaying the
updates from the nearest earlier keyframe with core.update's rule, the one
the engine ran; gradients and new weights are derived the same way, so
every number equals the engine's bit for bit.
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
           "FORMAT", "VERSION",
           "keyframe_interval", "keyframe_bytes", "keyframe_positions"]

FORMAT, VERSION = "mlptrace-trace", 2  # 2: the .npz holds the state at keyframes only (1: at every step)


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
    and the JSON trace's steps all come from this table.  ``state`` fields
    are the engine's state, stored at keyframes only and rebuilt for the
    other steps.
    """

    name: str
    per_layer: bool
    shape: tuple[str, ...]
    start: bool = False
    momentum: bool = False
    state: bool = False


FIELDS: tuple[Field, ...] = (
    Field("x", False, ("rows", "inputs"), start=True),
    Field("z", False, ("rows", "outputs"), start=True),
    Field("loss", False, ("rows",)),
    Field("w", True, ("nodes", "fan_in"), start=True, state=True),
    Field("b", True, ("nodes",), start=True, state=True),
    Field("s", True, ("rows", "nodes")),
    Field("a", True, ("rows", "nodes")),
    Field("delta", True, ("rows", "nodes")),
    Field("v_w", True, ("nodes", "fan_in"), start=True, momentum=True, state=True),  # velocities before the step
    Field("v_b", True, ("nodes",), start=True, momentum=True, state=True),
)


def fields_of(variant: Variant) -> tuple[Field, ...]:
    """The fields a run of ``variant`` stores."""
    return tuple(f for f in FIELDS if not f.momentum or variant.momentum != 0.0)


def step_shape(f: Field, layers: Sequence[int], rows: int, l: int = 0) -> tuple[int, ...]:
    """One step's shape of field ``f`` (of layer ``l``); ``rows`` is 1 for a step of one row (no rows axis)."""
    sizes = {"inputs": layers[0], "outputs": layers[-1], "nodes": layers[l + 1], "fan_in": layers[l], "rows": rows}
    return tuple(sizes[axis] for axis in f.shape if axis != "rows" or rows > 1)


def _numbers(layers: Sequence[int], variant: Variant, rows: int, state: bool) -> int:
    return sum(math.prod(step_shape(f, layers, rows, l))
               for f in fields_of(variant) if f.state == state for l in range(len(layers) - 1 if f.per_layer else 1))


def step_bytes(layers: Sequence[int], variant: Variant, rows: int) -> int:
    """Bytes one kept step takes in memory besides keyframes: its index and every field of :data:`FIELDS` but the state."""
    return 8 * (1 + _numbers(layers, variant, rows, state=False))


def keyframe_bytes(layers: Sequence[int], variant: Variant) -> int:
    """Bytes one keyframe takes: its position and the state fields (weights, biases, velocities)."""
    return 8 * (1 + _numbers(layers, variant, 1, state=True))


def keyframe_interval(layers: Sequence[int], variant: Variant, rows: int) -> int:
    """Kept steps per keyframe in a dense run: so many that a keyframe takes about what the steps between two do.

    The state then costs at most the steps' own bytes again (a trace at
    most twice its irreducible size), and rebuilding one step replays at
    most this many updates.  A network as small as the document's, whose
    weights are fewer than a step's numbers, keyframes every step.
    """
    return max(1, -(-keyframe_bytes(layers, variant) // step_bytes(layers, variant, rows)))


def keyframe_positions(kept: np.ndarray, every: int) -> np.ndarray:
    """The kept positions a trace keyframes: the first, each ``every`` into a run of consecutive steps, and each run's start.

    (The vectorised form of the rule :meth:`Trace.begin` applies step by step.)
    """
    k = np.arange(len(kept))
    run_start = np.zeros(len(kept), dtype=np.int64)
    breaks = np.flatnonzero(np.diff(kept) != 1) + 1
    run_start[breaks] = breaks
    run_start = np.maximum.accumulate(run_start) if len(kept) else run_start
    return np.flatnonzero((k - run_start) % every == 0)


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

    The state fields (``w``, ``b``, ``v_w``, ``v_b``) are stored at the
    keyframes only: ``keys[name][l][j]`` is the state at kept step
    ``key_at[j]``.  Reading ``w`` rebuilds every kept step's (once, then
    cached); :meth:`state` rebuilds a few steps' from the nearest keyframe.
    ``keyframe_every`` defaults to :func:`keyframe_interval`.
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
    keyframe_every: int | None = None

    def __post_init__(self) -> None:
        k = len(self.kept)
        self.rows_per_step = self.variant.rows_per_batch(self.n_rows)
        self.fields = fields_of(self.variant)
        self.state_fields = tuple(f for f in self.fields if f.state)
        self.keyframe_every = self.keyframe_every or keyframe_interval(self.layers, self.variant, self.rows_per_step)
        for f in self.fields:
            if f.state:
                continue
            fill = np.full if "rows" in f.shape and self.rows_per_step > 1 else _empty
            if f.per_layer:
                setattr(self, f.name, [fill((k, *step_shape(f, self.layers, self.rows_per_step, l)), np.nan)
                                       for l in range(len(self.layers) - 1)])
            else:
                setattr(self, f.name, fill((k, *step_shape(f, self.layers, self.rows_per_step)), np.nan))
        # as many keyframes as the kept steps need (a chunk's buffer: a dense chunk's; a sparse run's chunk
        # ends when they are full, see end)
        self._allocate_keys(len(keyframe_positions(self.kept, self.keyframe_every)))
        self.epoch_loss = np.full(self.epochs, np.nan)
        self.rule = Rule(self.learning_rate, self.variant)
        self.filled = 0
        self._state: dict[str, list[np.ndarray]] | None = None  # the engine's live arrays (see _bind)

    def _allocate_keys(self, n: int) -> None:
        self.key_at = np.zeros(n, dtype=np.int64)
        self.keys = {f.name: [np.empty((n, *step_shape(f, self.layers, 1, l))) for l in range(len(self.layers) - 1)]
                     for f in self.state_fields}
        self.n_keys = 0
        self._rebuilt = None
        self._last_step = self._last_key = -1

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

    def per_field(self, n: int | None = None) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored array of the first ``n`` kept steps (all by default) by its name in files.

        ``x``, ``loss``, ``s0``, ``s1``, ... (per layer, numbered) per kept
        step; then ``keyframe``, the kept positions of the keyframes, and
        the state at each: ``w0``, ``b0``, ... (and ``v_w0``, ``v_b0``, ...).
        """
        n = len(self.kept) if n is None else n
        for f in self.fields:
            if f.state:
                continue
            if f.per_layer:
                for l, arr in enumerate(getattr(self, f.name)):
                    yield f"{f.name}{l}", arr[:n]
            else:
                yield f.name, getattr(self, f.name)[:n]
        j = int(np.searchsorted(self.key_at[:self.n_keys], n))  # the keyframes among those steps
        yield "keyframe", self.key_at[:j]
        for f in self.state_fields:
            for l, arr in enumerate(self.keys[f.name]):
                yield f"{f.name}{l}", arr[:j]

    def set_stored(self, stored: Callable[[str], np.ndarray], key_at: np.ndarray) -> None:
        """Set every stored array from ``stored(name)`` (named as :meth:`per_field` names them), keyframes at ``key_at``."""
        for f in self.fields:
            names = [f"{f.name}{l}" for l in range(len(self.layers) - 1)] if f.per_layer else [f.name]
            arrays = [stored(name) for name in names]
            if f.state:
                self.keys[f.name] = arrays
            else:
                setattr(self, f.name, arrays if f.per_layer else arrays[0])
        self.key_at, self.n_keys = np.asarray(key_at, dtype=np.int64), len(key_at)
        if len(self.kept) and (self.n_keys == 0 or self.key_at[0] != 0):
            raise ValueError("a trace's first kept step must be a keyframe")
        self._rebuilt, self._state = None, None

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
        # a keyframe: the first step, every keyframe_every, and where the previous step was not kept (the rule
        # keyframe_positions vectorises)
        if k == 0 or step != self._last_step + 1 or k - self._last_key >= self.keyframe_every:
            j = self.n_keys
            self.key_at[j] = k
            for stored, live in self._copies:
                stored[j] = live
            self.n_keys, self._last_key = j + 1, k
        self._last_step = step
        return [(s[k], a[k], d[k]) for s, a, d in self._computed]

    def _bind(self, state: dict[str, list[np.ndarray]]) -> None:
        """Pair each live array of the engine's state with the keyframes' array it is copied into, once per run.

        (A kept step then costs one assignment per array: on a network as
        small as the document's, Python's cost per step is most of it.)
        """
        self._state = state
        self._copies = [(self.keys[name][l], live) for name, arrays in state.items() for l, live in enumerate(arrays)]
        self._computed = list(zip(self.s, self.a, self.delta))
        self._rebuilt = None

    def end(self, loss: float | np.ndarray) -> bool:
        """The begun step is complete; True when the arrays are full (for a chunked recorder): steps or keyframes."""
        k = self.filled
        if self.rows_per_step > 1:
            self.loss[k][:len(loss)] = loss
        else:
            self.loss[k] = loss
        self.filled = k + 1
        return k + 1 == len(self.kept) or self.n_keys == len(self.key_at)

    def epoch_done(self, e: int, loss: float) -> None:
        self.epoch_loss[e] = loss

    def close(self) -> None:
        """The run ended or stopped: keep the completed steps only."""
        self.truncate(self.filled)

    def clear(self) -> None:
        """Hold no step (a chunk's buffer, handed on): the next one begun is a keyframe."""
        self.filled = self.n_keys = 0

    def truncate(self, n: int) -> None:
        """Keep only the first ``n`` kept steps (a run that stopped early)."""
        self.kept = self.kept[:n]
        for f in self.fields:
            if not f.state:
                value = getattr(self, f.name)
                setattr(self, f.name, [a[:n] for a in value] if f.per_layer else value[:n])
        j = int(np.searchsorted(self.key_at[:self.n_keys], n))
        self.key_at = self.key_at[:j]
        self.keys = {name: [a[:j] for a in arrays] for name, arrays in self.keys.items()}
        self.n_keys = j
        self.filled = min(self.filled, n)
        self._state, self._rebuilt = None, None  # new arrays: pair them with the engine's again

    # ------------------------------------------- the state, rebuilt on access
    # w, b (and v_w, v_b) of every kept step: replayed from the keyframes once, then cached
    def _all_states(self, name: str) -> list[np.ndarray]:
        return self.state(0, self.n_steps)[name]

    w = property(lambda self: self._all_states("w"), doc="Each kept step's weights before its update, per layer.")
    b = property(lambda self: self._all_states("b"), doc="Each kept step's biases before its update, per layer.")
    v_w = property(lambda self: self._all_states("v_w"), doc="Each kept step's weight velocities (momentum).")
    v_b = property(lambda self: self._all_states("v_b"), doc="Each kept step's bias velocities (momentum).")

    def state(self, start: int, stop: int) -> dict[str, list[np.ndarray]]:
        """Kept steps ``start`` to ``stop``'s state (``w``, ``b``, ``v_w``, ``v_b``: per layer, one row per step).

        Copied from a keyframe, or replayed from the nearest earlier one
        through every step in between (all kept: a step whose predecessor
        was not kept is a keyframe) by the engine's rule (core.update).
        Every step's, asked for, is kept for the next call.
        """
        start, stop, _ = slice(start, stop).indices(self.n_steps)
        stop = max(start, stop)
        if self._rebuilt is not None:
            return {name: [a[start:stop] for a in arrays] for name, arrays in self._rebuilt.items()}
        if start == 0 and stop == self.n_steps:
            self._rebuilt = self._replay(0, stop)
            return self._rebuilt
        return self._replay(start, stop)

    def _replay(self, start: int, stop: int) -> dict[str, list[np.ndarray]]:
        out = {f.name: [np.empty((stop - start, *step_shape(f, self.layers, 1, l))) for l in range(len(self.layers) - 1)]
               for f in self.state_fields}
        if stop == start:
            return out
        key_at = self.key_at[:self.n_keys]
        j = int(np.searchsorted(key_at, start, side="right")) - 1
        current = None
        for k in range(int(key_at[j]), stop):
            if j < len(key_at) and key_at[j] == k:
                current = {name: [a[j] for a in arrays] for name, arrays in self.keys.items()}
                j += 1
            else:
                current = self._advance(k - 1, current)
            if k >= start:
                for name, arrays in current.items():
                    for target, value in zip(out[name], arrays):
                        target[k - start] = value
        return out

    def _advance(self, k: int, current: dict[str, list[np.ndarray]]) -> dict[str, list[np.ndarray]]:
        """The state after kept step ``k``'s update, from the state it started from."""
        momentum = "v_w" in current
        nxt: dict[str, list[np.ndarray]] = {name: [] for name in current}
        for l in range(len(self.layers) - 1):
            g, d = self._gradients(l, slice(k, k + 1))
            v = (current["v_w"][l], current["v_b"][l]) if momentum else (None, None)
            w, b, vw, vb = self.rule.advance(current["w"][l], current["b"][l], g[0], d[0], *v)
            nxt["w"].append(w)
            nxt["b"].append(b)
            if momentum:
                nxt["v_w"].append(vw)
                nxt["v_b"].append(vb)
        return nxt

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
            n, m = self.layers[l + 1], self.layers[l]
            return np.array(g).reshape(len(ks), n, m), np.array(d).reshape(len(ks), n)

    def _new(self, l: int, sl: slice, grads: tuple[np.ndarray, np.ndarray] | None = None,
             states: dict[str, list[np.ndarray]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        g, d = grads if grads is not None else self._gradients(l, sl)
        st = states if states is not None else self.state(*sl.indices(self.n_steps)[:2])
        v = (st["v_w"][l], st["v_b"][l]) if self.variant.momentum != 0.0 else (None, None)
        return self.rule.new(st["w"][l], st["b"][l], g, d, *v)

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
        states = self.state(k, k + 1)
        return [tuple(v[0] for v in self._new(l, slice(k, k + 1), states=states)) for l in range(len(self.layers) - 1)]

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
        n = len(self.layers) - 1
        states = self.state(*sl.indices(self.n_steps)[:2])
        rows = [self.rows_in(k) for k in range(*sl.indices(self.n_steps))] if self.rows_per_step > 1 else None
        cols: dict[str, Any] = {"epoch": (kept // self.steps_per_epoch).tolist(),
                                "row": (kept % self.steps_per_epoch * self.rows_per_step).tolist()}
        for f in self.fields:
            if not f.per_layer:
                cols[f.name] = getattr(self, f.name)[sl].tolist()
        layers = []
        for l in range(n):
            layer = {f.name: (states[f.name][l] if f.state else getattr(self, f.name)[l][sl]).tolist()
                     for f in self.fields if f.per_layer}
            g, d = self._gradients(l, sl)
            w_new, b_new = self._new(l, sl, (g, d), states)
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

    def to_dict(self, steps: bool = True, epochs: bool = True, params: bool = True) -> dict[str, Any]:
        """The JSON trace; without ``steps``, ``epochs`` or ``params`` (initial and final), those lists left out."""
        def as_lists(ps):
            return [{"w": w.tolist(), "b": b.tolist()} for w, b in ps] if params else None

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
            "initial": as_lists(self.initial),
            "final": as_lists(self.final),
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
