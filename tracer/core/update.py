"""The update rule, w - eta * delta * input: the one piece of code every new weight and bias comes from.

The engine applies it in place, step after step; the trace derives the
gradients and new values of its kept steps from it; the figures draw what
it gives.  Because they all run these same floating-point operations in
this same order, the trace's numbers equal the engine's bit for bit.
Every function takes one step (delta of shape (n,), input (m,)) or a stack
of steps ((k, n) and (k, m)) alike.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gradient", "descend"]


def gradient(delta: np.ndarray, inp: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dL/dw = delta * input: row j of a node's weights gets delta[j] times every input."""
    return np.multiply(delta[..., :, None], inp[..., None, :], out=out)


def descend(param: np.ndarray, grad: np.ndarray, eta, out: np.ndarray | None = None,
            scratch: np.ndarray | None = None) -> np.ndarray:
    """param - eta * grad: a weight's or a bias's value after the step (a bias's gradient is its delta).

    ``scratch`` receives eta * grad and ``out`` the result, for a caller
    that keeps its buffers (the engine; both may be ``grad`` and ``param``).
    """
    return np.subtract(param, np.multiply(grad, eta, out=scratch), out=out)
