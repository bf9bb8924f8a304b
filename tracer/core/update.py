"""The update rule, w - eta * g: the one piece of code every new weight and bias comes from.

The engine applies it in place, step after step; the trace derives the
gradients and new values of its kept steps from it; the figures draw what
it gives.  Because they all run these same floating-point operations in
this same order, the trace's numbers equal the engine's bit for bit.
``gradient`` and ``descend`` take one step (delta of shape (n,), input
(m,)) or a stack of steps ((k, n) and (k, m)) alike.

The document's rule is g = delta * input and w - eta * g.  The variants
(tracer.core.variant) change it here and nowhere else: a batch's gradient
is the mean of its rows' (``batch_gradient``); a shared bias's gradient is
the sum of its layer's error signals (``bias_gradient``); frozen or absent
biases do not move; momentum keeps a velocity v <- mu * v + g and steps by
it, w - eta * v (PyTorch's SGD rule, v starting at 0).
"""

from __future__ import annotations

import numpy as np

from tracer.core.variant import Variant

__all__ = ["gradient", "batch_gradient", "batch_delta", "descend", "bias_gradient", "Rule"]


def gradient(delta: np.ndarray, inp: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dL/dw = delta * input: row j of a node's weights gets delta[j] times every input."""
    return np.multiply(delta[..., :, None], inp[..., None, :], out=out)


def batch_gradient(delta: np.ndarray, inp: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The mean over a batch's rows of delta * input: delta (r, n) and input (r, m) give (n, m)."""
    out = np.dot(delta.T, inp, out=out)
    return np.divide(out, len(delta), out=out)


def batch_delta(delta: np.ndarray) -> np.ndarray:
    """The mean over a batch's rows of each node's error signal: delta (r, n) gives (n,), the biases' gradient."""
    return np.divide(delta.sum(axis=0), len(delta))


def descend(param: np.ndarray, grad: np.ndarray, eta, out: np.ndarray | None = None,
            scratch: np.ndarray | None = None) -> np.ndarray:
    """param - eta * grad: a weight's or a bias's value after the step (a bias's gradient is its delta).

    ``scratch`` receives eta * grad and ``out`` the result, for a caller
    that keeps its buffers (the engine; both may be ``grad`` and ``param``).
    """
    return np.subtract(param, np.multiply(grad, eta, out=scratch), out=out)


def bias_gradient(delta: np.ndarray, bias: str) -> np.ndarray:
    """The gradient of each node's bias from the layer's error signals (the batch mean for a batch), per node.

    Per-node: a node's own delta.  Shared: the layer's one bias feeds every
    node, so its gradient is the sum of their deltas, repeated per node (a
    file keeps one value per node).  None: there is no bias, so zeros.
    """
    if bias == "shared":
        return np.repeat(delta.sum(axis=-1, keepdims=True), delta.shape[-1], axis=-1)
    if bias == "none":
        return np.zeros_like(delta)
    return delta


class Rule:
    """A variant's update rule for whole layers: in place for the engine, or as new values for a trace.

    ``step`` and ``new`` run the same operations in the same order, so a
    trace's derived weights equal the engine's.  ``new`` takes one step or
    a stack of steps alike (every operation is element-wise).
    """

    def __init__(self, eta: float, variant: Variant):
        self.eta = np.array(eta)  # a 0-d array: cheaper than a Python float per call
        self.mu = np.array(variant.momentum)
        self.momentum = variant.momentum != 0.0
        self.bias = variant.bias
        self.moves_biases = variant.update_biases and variant.bias != "none"

    def velocity(self, v: np.ndarray, g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """mu * v + g: the new velocity (PyTorch's SGD buffer)."""
        out = np.multiply(v, self.mu, out=out)
        return np.add(out, g, out=out)

    def step(self, w: np.ndarray, b: np.ndarray, gw: np.ndarray, delta: np.ndarray,
             vw: np.ndarray | None, vb: np.ndarray | None, scratch_w: np.ndarray, scratch_b: np.ndarray) -> None:
        """Update one layer in place from its weight gradient ``gw`` and its (batch-mean) deltas."""
        if self.momentum:
            gw = self.velocity(vw, gw, out=vw)
        descend(w, gw, self.eta, out=w, scratch=scratch_w)
        if self.moves_biases:
            gb = bias_gradient(delta, self.bias)
            if self.momentum:
                gb = self.velocity(vb, gb, out=vb)
            descend(b, gb, self.eta, out=b, scratch=scratch_b)

    def new(self, w: np.ndarray, b: np.ndarray, gw: np.ndarray, delta: np.ndarray,
            vw: np.ndarray | None = None, vb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One layer's weights and biases after the step, as new arrays (``step`` without changing anything)."""
        return self.advance(w, b, gw, delta, vw, vb)[:2]

    def advance(self, w: np.ndarray, b: np.ndarray, gw: np.ndarray, delta: np.ndarray,
                vw: np.ndarray | None = None, vb: np.ndarray | None = None) -> tuple:
        """One layer's weights, biases and velocities (None without momentum) after the step, as new arrays.

        What a trace replays from a keyframe: the state the next step starts from.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # the step a run diverged at may overflow
            if self.momentum:
                gw = vw = self.velocity(vw, gw)
            w_new = descend(w, gw, self.eta)
            if not self.moves_biases:
                return w_new, b.copy(), vw, vb
            gb = bias_gradient(delta, self.bias)
            if self.momentum:
                gb = vb = self.velocity(vb, gb)
            return w_new, descend(b, gb, self.eta), vw, vb
