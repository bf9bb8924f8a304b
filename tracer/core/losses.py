"""The losses a run can train on, and the output layer's error signal dL/ds each gives.

Every function works on one row (arrays of the n outputs) or on a batch of
rows (shape (r, n)) alike; sums run over the last axis.  ``err`` is y - z.

mse            1/2 sum (y - z)^2   (the document's)
sse            sum (y - z)^2
mean-squared   1/n sum (y - z)^2 over the n outputs
cross-entropy  sigmoid outputs: -sum [z ln y + (1 - z) ln(1 - y)];
               a softmax output layer: -sum z ln y
"""

from __future__ import annotations

import numpy as np

from tracer.core.variant import LOSSES

__all__ = ["LOSSES", "CROSS_ENTROPY_OUTPUTS", "value", "per_output", "output_delta"]

# The output activations cross-entropy is defined for: outputs in (0, 1).
CROSS_ENTROPY_OUTPUTS = ("sigmoid", "softmax")


def _softplus(s: np.ndarray) -> np.ndarray:
    """ln(1 + e^s) without overflow: max(s, 0) + ln(1 + e^-|s|)."""
    return np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s)))


def _log_softmax(s: np.ndarray) -> np.ndarray:
    top = s.max(axis=-1, keepdims=True)
    return s - top - np.log(np.exp(s - top).sum(axis=-1, keepdims=True))


def value(loss: str, out_act: str, s: np.ndarray, z: np.ndarray, err: np.ndarray) -> np.ndarray:
    """The loss of each row, from the output sums ``s``, the targets ``z`` and ``err`` = y - z."""
    if loss == "mse":
        return 0.5 * (err * err).sum(axis=-1)
    if loss == "sse":
        return (err * err).sum(axis=-1)
    if loss == "mean-squared":
        return (err * err).sum(axis=-1) / err.shape[-1]
    if loss != "cross-entropy":
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
    # Written from the sums rather than from y, so that a saturated output
    # (y rounded to exactly 0 or 1) gives a large finite loss, not ln 0:
    # with y = sigmoid(s), ln y = -softplus(-s) and ln(1 - y) = -softplus(s),
    # so the loss is sum softplus(s) - z s; with softmax, ln y = log_softmax(s).
    if out_act == "softmax":
        return -(z * _log_softmax(s)).sum(axis=-1)
    return (_softplus(s) - z * s).sum(axis=-1)


def per_output(loss: str, out_act: str, s: np.ndarray, z: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Each output's share of the loss (same shape as ``err``); over the last axis they sum to :func:`value`.

    Every loss here is a sum over the outputs, so the shares are its terms:
    1/2 (y - z)^2 for mse, (y - z)^2 for sse, (y - z)^2 / n for
    mean-squared, -[z ln y + (1 - z) ln(1 - y)] (sigmoid) or -z ln y
    (softmax) for cross-entropy.  (Summed, they may differ from
    :func:`value` in the last bit: the order of the additions differs.)
    """
    if loss == "mse":
        return 0.5 * (err * err)
    if loss == "sse":
        return err * err
    if loss == "mean-squared":
        return (err * err) / err.shape[-1]
    if loss != "cross-entropy":
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
    if out_act == "softmax":
        return -(z * _log_softmax(s))
    return _softplus(s) - z * s


# dL/dy = SCALE * (y - z) for the squared losses (n: the number of outputs)
_SCALE = {"mse": lambda n: 1.0, "sse": lambda n: 2.0, "mean-squared": lambda n: 2.0 / n}


def output_delta(loss: str, act, s: np.ndarray, y: np.ndarray, z: np.ndarray, err: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
    """dL/ds of the output layer (its error signal), into ``out``.

    Cross-entropy: with sigmoid outputs dL/dy * y(1 - y) simplifies to
    y - z exactly; with softmax, sum_j dL/dy_j dy_j/ds_k = y_k sum z - z_k
    (y - z when the targets sum to 1).  The squared losses go through the
    activation's derivative, or for softmax through its Jacobian
    dy_j/ds_k = y_j (1[j = k] - y_k): y_k (g_k - sum_j g_j y_j).
    """
    if loss == "cross-entropy":
        if act.name == "softmax":
            return np.subtract(y * z.sum(axis=-1, keepdims=True), z, out=out)
        if out is None:
            return err.copy()  # y - z
        np.copyto(out, err)
        return out
    g = err * _SCALE[loss](err.shape[-1])
    if act.name == "softmax":
        return np.multiply(y, g - (g * y).sum(axis=-1, keepdims=True), out=out)
    d = act.df(s, y, out=out)
    return np.multiply(d, g, out=d)
