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

from tracer.core import activations
from tracer.core import update
from tracer.errors import Interrupted, NumericalError
from tracer.core.trace import Trace

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
        with np.errstate(over="ignore", invalid="ignore"):  # callers check for NaN and inf
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
        with np.errstate(over="ignore", invalid="ignore"):  # callers check for NaN and inf
            return 0.5 * ((Y - Z) ** 2).sum(axis=-1)


def train(
    net: MLP,
    X: np.ndarray,
    Z: np.ndarray,
    lr: float,
    epochs: int,
    trace: Trace | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    stop: list[bool] | None = None,
) -> np.ndarray:
    """Train ``net`` in place for ``epochs`` passes over the rows of (X, Z).

    ``stop`` is a one-element list a signal handler may set to True: the run
    then ends between two steps with :class:`Interrupted`, the network and
    the trace holding everything up to there.

    Returns the mean loss of each epoch (each row's loss computed before its
    update).  Steps named in ``trace.kept`` are recorded into ``trace``.
    Raises NumericalError when a loss or weight stops being finite; the
    network then keeps its last finite weights.

    Written with preallocated buffers: on a network as small as the
    document's, numpy's cost per call dominates, so each step makes as few
    calls as it can and a kept step's sums, activations and error signals
    are computed straight into the trace's arrays.  (:meth:`MLP.forward` is
    the same forward pass for whole matrices of rows, for predictions.)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    n_rows, n = len(X), len(net.W)
    W, B, act = net.W, net.b, net.act
    f = [a.f for a in act]
    df = [a.df for a in act]
    # scratch buffers for steps that are not kept: (s, a, delta) per layer
    scratch = [(np.empty(len(b)), np.empty(len(b)), np.empty(len(b))) for b in B]
    back = [np.empty(len(b)) for b in B]  # W[l+1]^T delta[l+1], for layer l
    G = [np.empty_like(w) for w in W]  # gradient, then the step eta * gradient
    gb = [np.empty(len(b)) for b in B]
    err = np.empty(Z.shape[1])
    eta = np.array(lr)  # a 0-d array: cheaper than a Python float per call
    schedule = trace.steps_to_keep() if trace is not None else iter(())
    slot, next_keep = 0, next(schedule, -1)
    capacity = trace.capacity if trace is not None else 0
    stop = stop if stop is not None else [False]
    epoch_loss = trace.epoch_loss if trace is not None else np.full(epochs, np.nan)
    # Weights are checked for NaN and infinity every CHECK_EVERY steps (a
    # sigmoid can hide infinite weights behind a finite loss); the loss is
    # checked every step.  A finite copy is kept at each check to fall back on.
    good = net.params
    dot, add, sub, mul = np.dot, np.add, np.subtract, np.multiply  # local names: faster lookups
    gradient, descend = update.gradient, update.descend
    step = 0
    with np.errstate(over="ignore", invalid="ignore"):  # NaN and inf are checked for below
        for e in range(epochs):
            total = 0.0
            for r in range(n_rows):
                if stop[0]:
                    if trace is not None:
                        trace.finish(slot)
                    raise Interrupted(f"interrupted at epoch {e}, row {r}")
                x, z = X[r], Z[r]
                keep = step == next_keep
                if keep:
                    bufs = [(trace.s[l][slot], trace.a[l][slot], trace.delta[l][slot]) for l in range(n)]
                else:
                    bufs = scratch
                # forward
                inp = x
                for l in range(n):
                    s_, a_, _ = bufs[l]
                    dot(W[l], inp, out=s_)
                    add(s_, B[l], out=s_)
                    f[l](s_, out=a_)
                    inp = a_
                sub(inp, z, out=err)
                loss = 0.5 * float(dot(err, err))
                if not math.isfinite(loss):
                    if trace is not None:
                        trace.finish(slot)
                    where = f"epoch {e}, row {r}: the loss is {loss}"
                    raise _stop(net, good, where)
                # backward: the output's error signal, then each hidden layer's
                # from the next layer's old weights
                s_, a_, d = bufs[-1]
                df[-1](s_, a_, out=d)
                mul(d, err, out=d)
                for l in range(n - 2, -1, -1):
                    dot(d, W[l + 1], out=back[l])
                    s_, a_, d = bufs[l]
                    df[l](s_, a_, out=d)
                    mul(d, back[l], out=d)
                if keep:
                    trace.kept[slot], trace.x[slot], trace.z[slot], trace.loss[slot] = step, x, z, loss
                    for l in range(n):
                        trace.w[l][slot], trace.b[l][slot] = W[l], B[l]
                    slot += 1
                    next_keep = next(schedule, -1)
                    if slot == capacity:
                        slot = trace.spill(slot)
                # update every weight and bias together, by the one rule (core.update)
                inp = x
                for l in range(n):
                    d = bufs[l][2]
                    gradient(d, inp, out=G[l])
                    descend(W[l], G[l], eta, out=W[l], scratch=G[l])
                    descend(B[l], d, eta, out=B[l], scratch=gb[l])
                    inp = bufs[l][1]
                total += loss
                step += 1
                if step % CHECK_EVERY == 0:
                    good = _checkpoint(net, good, trace, slot, f"epoch {e}, row {r}")
            epoch_loss[e] = total / n_rows
            if on_epoch is not None:
                on_epoch(e, epoch_loss[e])
    _checkpoint(net, good, trace, slot, "the end of training")
    if trace is not None:
        trace.finish(slot)
    return epoch_loss


CHECK_EVERY = 512


def _finite(net: MLP) -> str | None:
    """The first weight or bias array that holds a NaN or an infinity, by name."""
    for l, (w, b) in enumerate(zip(net.W, net.b)):
        name = "output" if l == len(net.W) - 1 else f"hidden layer {l}"
        if not np.isfinite(w).all():
            return f"the weights of the {name}"
        if not np.isfinite(b).all():
            return f"the biases of the {name}"
    return None


def _stop(net: MLP, good: Params, where: str) -> NumericalError:
    """Keep the last finite weights (the current ones if finite) and say where it broke."""
    if _finite(net) is not None:
        for l, (w, b) in enumerate(good):
            net.W[l][...], net.b[l][...] = w, b
    return NumericalError(f"training stopped: {where}; the last finite weights are kept")


def _checkpoint(net: MLP, good: Params, trace: Trace | None, slot: int, where: str) -> Params:
    bad = _finite(net)
    if bad is None:
        return net.params
    if trace is not None:
        trace.finish(slot)
    raise _stop(net, good, f"{bad} stopped being finite by {where}")
