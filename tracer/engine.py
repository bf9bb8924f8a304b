"""Per-row stochastic gradient descent, exactly as the document does it.

Plain numeric code on numpy arrays; no sympy, jinja2 or rich here.  For
each row: the forward pass layer by layer, the loss 1/2 sum (y - z)^2, the
output error signal f'(s)(y - z), hidden error signals f'(s) * W_next^T
delta_next computed with the *old* next-layer weights, and then every
weight and bias updated together: w -= eta * delta * input.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from . import activations
from .errors import NumericalError
from .trace import Trace

__all__ = ["MLP", "train"]

Params = list[tuple[np.ndarray, np.ndarray]]


class MLP:
    """A multi-layer perceptron: one (W, b) and one activation per layer, hidden layers first."""

    def __init__(self, params: Params, acts: Sequence[str]):
        if len(params) != len(acts):
            raise ValueError("one activation per layer")
        self.W = [np.array(w, dtype=np.float64) for w, _ in params]
        self.b = [np.array(b, dtype=np.float64) for _, b in params]
        self.act = [activations.get(a) for a in acts]

    @property
    def params(self) -> Params:
        return [(w.copy(), b.copy()) for w, b in zip(self.W, self.b)]

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Sums and activations of every layer, for one row or a matrix of rows."""
        sums, outs = [], []
        a = x
        for W, b, act in zip(self.W, self.b, self.act):
            s = a @ W.T + b
            a = act.f(s)
            sums.append(s)
            outs.append(a)
        return sums, outs

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for every row of ``X`` in one matrix pass."""
        return self.forward(np.asarray(X, dtype=np.float64))[1][-1]

    def losses(self, X: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Per-row loss 1/2 sum over outputs of (y - z)^2."""
        Y = self.predict(X)
        return 0.5 * ((Y - Z) ** 2).sum(axis=-1)

    def deltas(self, z: np.ndarray, sums: list[np.ndarray], outs: list[np.ndarray]) -> list[np.ndarray]:
        """Error signals of every layer for one row, from the output back."""
        n = len(self.W)
        d = [None] * n
        d[-1] = self.act[-1].df(sums[-1], outs[-1]) * (outs[-1] - z)
        for l in range(n - 2, -1, -1):
            # W[l + 1] is still the old next-layer weight matrix here.
            d[l] = self.act[l].df(sums[l], outs[l]) * (self.W[l + 1].T @ d[l + 1])
        return d

    def update(self, x: np.ndarray, outs: list[np.ndarray], d: list[np.ndarray], lr: float) -> None:
        """Gradient descent on every weight and bias at once."""
        for l in range(len(self.W)):
            inp = x if l == 0 else outs[l - 1]
            self.W[l] -= lr * np.outer(d[l], inp)
            self.b[l] -= lr * d[l]


def train(
    net: MLP,
    X: np.ndarray,
    Z: np.ndarray,
    lr: float,
    epochs: int,
    trace: Trace | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> np.ndarray:
    """Train ``net`` in place for ``epochs`` passes over the rows of (X, Z).

    Returns the mean loss of each epoch (each row's loss computed before its
    update).  Steps named in ``trace.kept`` are recorded into ``trace``.
    Raises NumericalError when a loss or weight stops being finite; the
    network then keeps its last finite weights.
    """
    n_rows = len(X)
    kept = trace.kept if trace is not None else np.empty(0, dtype=np.int64)
    slot, next_keep = 0, (int(kept[0]) if len(kept) else -1)
    epoch_loss = trace.epoch_loss if trace is not None else np.full(epochs, np.nan)
    step = 0
    for e in range(epochs):
        total = 0.0
        for r in range(n_rows):
            x, z = X[r], Z[r]
            sums, outs = net.forward(x)
            err = outs[-1] - z
            loss = 0.5 * float(err @ err)
            if not math.isfinite(loss):
                if trace is not None:
                    trace.truncate(slot)
                raise NumericalError(f"training stopped: epoch {e}, row {r}: the loss is {loss}")
            d = net.deltas(z, sums, outs)
            if step == next_keep:
                trace.x[slot], trace.z[slot], trace.loss[slot] = x, z, loss
                for l in range(len(net.W)):
                    trace.w[l][slot], trace.b[l][slot] = net.W[l], net.b[l]
                    trace.s[l][slot], trace.a[l][slot], trace.delta[l][slot] = sums[l], outs[l], d[l]
                slot += 1
                next_keep = int(kept[slot]) if slot < len(kept) else -1
            net.update(x, outs, d, lr)
            total += loss
            step += 1
        epoch_loss[e] = total / n_rows
        if on_epoch is not None:
            on_epoch(e, epoch_loss[e])
    return epoch_loss
