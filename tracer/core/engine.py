"""Gradient descent, exactly as the document does it, or as a variant says (tracer.core.variant).

Plain numeric code on numpy arrays; no sympy, jinja2 or rich here.  The
document's rule, for each row: the forward pass layer by layer, the loss
1/2 sum (y - z)^2, the output error signal f'(s)(y - z), hidden error
signals f'(s) * W_next^T delta_next computed with the *old* next-layer
weights, and then every weight and bias updated together:
w -= eta * delta * input.  The variants change the loss (core.losses),
the update (core.update, the one place it is written), the order of
update and hidden error signals, or feed a batch of rows per update.
The engine hands each step to a recorder (core.recorder) and keeps none.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from tracer.core import activations, losses
from tracer.core import update
from tracer.core.recorder import Recorder
from tracer.core.variant import DEFAULT, Variant
from tracer.errors import Interrupted, NumericalError

__all__ = ["MLP", "train"]

Params = list[tuple[np.ndarray, np.ndarray]]


class MLP:
    """A multi-layer perceptron: one (W, b) and one activation per layer, hidden layers first.

    ``loss`` is the loss :meth:`losses` measures (a name of core.variant.LOSSES).
    """

    def __init__(self, params: Params, acts: Sequence[str], loss: str = "mse"):
        if len(params) != len(acts):
            raise ValueError("one activation per layer")
        self.W = [np.array(w, dtype=np.float64) for w, _ in params]
        self.b = [np.array(b, dtype=np.float64) for _, b in params]
        self.act = [activations.get(a) for a in acts]
        self.loss = loss

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
        """Per-row loss (the document's: 1/2 sum over outputs of (y - z)^2)."""
        X, Z = np.asarray(X, dtype=np.float64), np.asarray(Z, dtype=np.float64)
        sums, outs = self.forward(X)
        with np.errstate(over="ignore", invalid="ignore"):  # callers check for NaN and inf
            if self.loss == "mse":
                return 0.5 * ((outs[-1] - Z) ** 2).sum(axis=-1)
            return losses.value(self.loss, self.act[-1].name, sums[-1], Z, outs[-1] - Z)


class _Run:
    """What every step of a run shares: the network, the rule, the recorder's schedule, the finite-weights checks."""

    def __init__(self, net: MLP, lr: float, variant: Variant, recorder: Recorder | None):
        self.net, self.variant, self.recorder = net, variant, recorder
        self.rule = update.Rule(lr, variant)
        momentum = variant.momentum != 0.0
        self.V = [(np.zeros_like(w), np.zeros_like(b)) for w, b in zip(net.W, net.b)] if momentum else None
        # the live arrays a kept step starts from, handed to the recorder (updated in place)
        self.state = {"w": net.W, "b": net.b}
        if self.V is not None:
            self.state.update(v_w=[v for v, _ in self.V], v_b=[v for _, v in self.V])
        self.schedule = recorder.schedule() if recorder is not None else iter(())
        # Weights are checked for NaN and infinity every CHECK_EVERY steps (a
        # sigmoid can hide infinite weights behind a finite loss); the loss is
        # checked every step.  A finite copy is kept at each check to fall back on.
        self.good = net.params

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()

    def diverged(self, where: str) -> NumericalError:
        self.close()
        return _stop(self.net, self.good, where)

    def checkpoint(self, where: str) -> None:
        bad = _finite(self.net)
        if bad is None:
            self.good = self.net.params
            return
        self.close()
        raise _stop(self.net, self.good, f"{bad} stopped being finite by {where}")


def train(
    net: MLP,
    X: np.ndarray,
    Z: np.ndarray,
    lr: float,
    epochs: int,
    recorder: Recorder | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    stop: list[bool] | None = None,
    variant: Variant = DEFAULT,
) -> np.ndarray:
    """Train ``net`` in place for ``epochs`` passes over the rows of (X, Z), by ``variant``'s rule.

    ``stop`` is a one-element list a signal handler may set to True: the run
    then ends between two steps with :class:`Interrupted`, the network and
    the recorder holding everything up to there.

    Returns the mean loss of each epoch (each row's loss computed before its
    update).  The steps ``recorder`` schedules are handed to it.  Raises
    NumericalError when a loss or weight stops being finite; the network
    then keeps its last finite weights.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    run = _Run(net, lr, variant, recorder)
    stop = stop if stop is not None else [False]
    epoch_loss = np.full(epochs, np.nan)
    steps = _batches if variant.batched(len(X)) else _rows
    with np.errstate(over="ignore", invalid="ignore"):  # NaN and inf are checked for below
        steps(run, X, Z, epochs, epoch_loss, on_epoch, stop)
        run.checkpoint("the end of training")
    run.close()
    return epoch_loss


def _rows(run: _Run, X: np.ndarray, Z: np.ndarray, epochs: int, epoch_loss: np.ndarray,
          on_epoch: Callable[[int, float], None] | None, stop: list[bool]) -> None:
    """One update per row.

    Written with preallocated buffers: on a network as small as the
    document's, numpy's cost per call dominates, so each step makes as few
    calls as it can and a kept step's sums, activations and error signals
    are computed straight into the recorder's arrays.  (:meth:`MLP.forward`
    is the same forward pass for whole matrices of rows, for predictions.)
    """
    net, variant, recorder, rule, V = run.net, run.variant, run.recorder, run.rule, run.V
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
    eta = rule.eta
    # The document's rule runs inline (two numpy calls per layer); any
    # variant's update goes through the rule object.
    plain = variant.bias == "per-node" and variant.update_biases and V is None
    squared = variant.loss == "mse" and act[-1].name != "softmax"  # loss and output delta inline too
    updated_first = variant.hidden_deltas == "updated-weights"
    loss_name, out_act = variant.loss, act[-1]
    state, schedule = run.state, run.schedule
    next_keep = next(schedule, -1)
    dot, add, sub, mul = np.dot, np.add, np.subtract, np.multiply  # local names: faster lookups
    gradient, descend = update.gradient, update.descend
    step = 0
    for e in range(epochs):
        total = 0.0
        for r in range(n_rows):
            if stop[0]:
                run.close()
                raise Interrupted(f"interrupted at epoch {e}, row {r}")
            x, z = X[r], Z[r]
            keep = step == next_keep
            bufs = recorder.begin(step, x, z, state) if keep else scratch
            # forward
            inp = x
            for l in range(n):
                s_, a_, _ = bufs[l]
                dot(W[l], inp, out=s_)
                add(s_, B[l], out=s_)
                f[l](s_, out=a_)
                inp = a_
            sub(inp, z, out=err)
            # the loss, and backward: the output's error signal, then each hidden layer's
            s_, a_, d = bufs[-1]
            if squared:
                loss = 0.5 * float(dot(err, err))
                df[-1](s_, a_, out=d)
                mul(d, err, out=d)
            else:
                loss = float(losses.value(loss_name, out_act.name, s_, z, err))
                losses.output_delta(loss_name, out_act, s_, a_, z, err, out=d)
            if not math.isfinite(loss):
                raise run.diverged(f"epoch {e}, row {r}: the loss is {loss}")
            if updated_first:
                # the output layer is updated first, and each hidden layer's
                # error signal goes through the next layer's new weights
                for l in range(n - 1, -1, -1):
                    if l < n - 1:
                        dot(bufs[l + 1][2], W[l + 1], out=back[l])
                        s_, a_, d = bufs[l]
                        df[l](s_, a_, out=d)
                        mul(d, back[l], out=d)
                    inp = x if l == 0 else bufs[l - 1][1]
                    gradient(bufs[l][2], inp, out=G[l])
                    rule.step(W[l], B[l], G[l], bufs[l][2], *(V[l] if V else (None, None)), G[l], gb[l])
            else:
                # from the next layer's old weights
                for l in range(n - 2, -1, -1):
                    dot(d, W[l + 1], out=back[l])
                    s_, a_, d = bufs[l]
                    df[l](s_, a_, out=d)
                    mul(d, back[l], out=d)
                # update every weight and bias together, by the one rule (core.update)
                inp = x
                if plain:
                    for l in range(n):
                        d = bufs[l][2]
                        gradient(d, inp, out=G[l])
                        descend(W[l], G[l], eta, out=W[l], scratch=G[l])
                        descend(B[l], d, eta, out=B[l], scratch=gb[l])
                        inp = bufs[l][1]
                else:
                    for l in range(n):
                        d = bufs[l][2]
                        gradient(d, inp, out=G[l])
                        rule.step(W[l], B[l], G[l], d, *(V[l] if V else (None, None)), G[l], gb[l])
                        inp = bufs[l][1]
            if keep:
                recorder.end(loss)
                next_keep = next(schedule, -1)
            total += loss
            step += 1
            if step % CHECK_EVERY == 0:
                run.checkpoint(f"epoch {e}, row {r}")
        epoch_loss[e] = total / n_rows
        if recorder is not None:
            recorder.epoch_done(e, epoch_loss[e])
        if on_epoch is not None:
            on_epoch(e, epoch_loss[e])


def _batches(run: _Run, X: np.ndarray, Z: np.ndarray, epochs: int, epoch_loss: np.ndarray,
             on_epoch: Callable[[int, float], None] | None, stop: list[bool]) -> None:
    """One update per batch of consecutive rows (the last one possibly smaller): the mean of its rows' gradients.

    Each batch goes forward and backward as a matrix, one row per row of
    the batch, into the recorder's arrays for a kept step.
    """
    net, variant, recorder, rule, V = run.net, run.variant, run.recorder, run.rule, run.V
    n_rows, n = len(X), len(net.W)
    size = variant.rows_per_batch(n_rows)
    W, B, act = net.W, net.b, net.act
    scratch = [(np.empty((size, len(b))), np.empty((size, len(b))), np.empty((size, len(b)))) for b in B]
    G = [np.empty_like(w) for w in W]
    gb = [np.empty(len(b)) for b in B]
    state, schedule = run.state, run.schedule
    next_keep = next(schedule, -1)
    step = 0
    for e in range(epochs):
        total = 0.0
        for start in range(0, n_rows, size):
            if stop[0]:
                run.close()
                raise Interrupted(f"interrupted at epoch {e}, row {start}")
            x, z = X[start:start + size], Z[start:start + size]
            r = len(x)
            keep = step == next_keep
            bufs = recorder.begin(step, x, z, state) if keep else scratch
            rows = [(s_[:r], a_[:r], d_[:r]) for s_, a_, d_ in bufs]
            inp = x
            for l in range(n):
                s_, a_, _ = rows[l]
                np.dot(inp, W[l].T, out=s_)
                np.add(s_, B[l], out=s_)
                act[l].f(s_, out=a_)
                inp = a_
            s_, a_, d = rows[-1]
            err = inp - z
            row_loss = losses.value(variant.loss, act[-1].name, s_, z, err)
            loss = float(row_loss.sum())
            if not math.isfinite(loss):
                raise run.diverged(f"epoch {e}, rows {start}-{start + r - 1}: the loss is {loss}")
            losses.output_delta(variant.loss, act[-1], s_, a_, z, err, out=d)
            for l in range(n - 2, -1, -1):  # from the next layer's old weights
                back = np.dot(d, W[l + 1])
                s_, a_, d = rows[l]
                act[l].df(s_, a_, out=d)
                np.multiply(d, back, out=d)
            inp = x
            for l in range(n):
                d = rows[l][2]
                update.batch_gradient(d, inp, out=G[l])
                rule.step(W[l], B[l], G[l], update.batch_delta(d), *(V[l] if V else (None, None)), G[l], gb[l])
                inp = rows[l][1]
            if keep:
                recorder.end(row_loss)
                next_keep = next(schedule, -1)
            total += loss
            step += 1
            if step % CHECK_EVERY == 0:
                run.checkpoint(f"epoch {e}, row {start + r - 1}")
        epoch_loss[e] = total / n_rows
        if recorder is not None:
            recorder.epoch_done(e, epoch_loss[e])
        if on_epoch is not None:
            on_epoch(e, epoch_loss[e])


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
