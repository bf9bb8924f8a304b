"""Activation functions: numeric f and f', and their symbolic forms.

The numeric side is plain numpy; the symbolic forms are written against
whatever algebra the caller passes (sympy, from the explain layer), so
this module never imports it.  Each derivative is written
the way the document writes it, in terms of the activation's output ``a``
where that is possible (sigmoid: a(1-a), tanh: 1-a^2); ``s`` is passed too
for the functions whose derivative needs the sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "OUTPUT_ONLY", "get"]


# 0-d arrays, not Python floats: numpy converts a float operand on every
# call, which costs more than the arithmetic on a three-node layer.
_ONE = np.array(1.0)
_CAP = np.array(709.0)


def _sigmoid(s: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1/(1 + e^-s), branch-free (a handful of ufunc calls matters on tiny
    # layers).  -s is capped at 709 so e^-s never overflows: below s = -709
    # the true value is under 1.2e-308 and the capped one differs by less.
    out = np.negative(s, out=out)
    np.minimum(out, _CAP, out=out)
    np.exp(out, out=out)
    np.add(out, _ONE, out=out)
    return np.reciprocal(out, out=out)


def _sigmoid_df(s: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    out = np.subtract(_ONE, a, out=out)  # a(1 - a)
    return np.multiply(out, a, out=out)


def _tanh_df(s: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    out = np.multiply(a, a, out=out)  # 1 - a^2
    return np.subtract(_ONE, out, out=out)


def _relu(s: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.maximum(s, 0.0, out=out)


def _relu_df(s: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # relu'(0) is taken as 0, as most libraries do.
    return np.greater(s, 0.0, out=out) if out is None else np.greater(s, 0.0, out=out, casting="unsafe")


def _linear(s: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.add(s, 0.0, out=out)


def _linear_df(s: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return np.ones_like(s)
    out.fill(1.0)
    return out


@dataclass(frozen=True)
class Activation:
    """One activation function: numeric f, f' from (s, a), and its symbolic forms.

    The symbolic forms take the algebra as their first argument (the caller
    passes the sympy module), so an activation is defined in this one place
    while the numeric core never imports sympy.
    """

    name: str
    f: Callable[..., np.ndarray]  # f(s, out=None)
    df: Callable[..., np.ndarray]  # f'(s, a, out=None), from the sum s and the output a
    symbol: str  # the document's name for f: \sigma, \tanh, ...
    form: Callable[[Any, Any], Any]  # f(s) as an expression: form(sympy, s)
    output_form: Callable[[Any, Any, Any], Any]  # f'(s) in terms of the output a (and s): output_form(sympy, a, s)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_df, r"\sigma",
                   lambda sp, s: 1 / (1 + sp.exp(-s)), lambda sp, a, s: a * (1 - a)),
        Activation("tanh", lambda s, out=None: np.tanh(s, out=out), _tanh_df, r"\tanh",
                   lambda sp, s: sp.tanh(s), lambda sp, a, s: 1 - a**2),
        Activation("relu", _relu, _relu_df, r"\operatorname{relu}",
                   lambda sp, s: sp.Max(0, s), lambda sp, a, s: sp.Heaviside(s, 0)),
        Activation("linear", _linear, _linear_df, r"\operatorname{id}",
                   lambda sp, s: s, lambda sp, a, s: sp.Integer(1)),
    )
}


def _softmax(s: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # e^(s - max s) / sum: the shift keeps e^ from overflowing and cancels
    # in the ratio.  Over the last axis: one row, or each row of a matrix.
    out = np.subtract(s, s.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    return np.divide(out, out.sum(axis=-1, keepdims=True), out=out)


def _not_elementwise(*_: Any, **__: Any) -> Any:
    # Each softmax output depends on every sum of the layer, so it has a
    # Jacobian, not a derivative per node; the output error signal of a
    # softmax layer comes from core.losses.output_delta instead.
    raise TypeError("softmax has no element-wise derivative; see tracer.core.losses.output_delta")


# Activations that only an output layer may use: not element-wise, so no
# hidden error signal f'(s) * ... and no per-node symbolic form exists.
OUTPUT_ONLY: dict[str, Activation] = {
    "softmax": Activation("softmax", _softmax, _not_elementwise, r"\operatorname{softmax}",
                          _not_elementwise, _not_elementwise),
}


def get(name: str) -> Activation:
    """Look an activation up by name (the output-only ones too); KeyError lists the known names."""
    try:
        return ACTIVATIONS[name] if name in ACTIVATIONS else OUTPUT_ONLY[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; expected one of {', '.join([*ACTIVATIONS, *OUTPUT_ONLY])}") from None
