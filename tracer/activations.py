"""Activation functions: numeric f and f', and their sympy forms.

The numeric side is plain numpy; sympy is imported only when a symbolic
form is asked for, so training never loads it.  Each derivative is written
the way the document writes it, in terms of the activation's output ``a``
where that is possible (sigmoid: a(1-a), tanh: 1-a^2); ``s`` is passed too
for the functions whose derivative needs the sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "get"]


def _sigmoid(s: np.ndarray) -> np.ndarray:
    # exp of a non-positive number never overflows, so this is finite for
    # sums of any size: 1/(1+e^-s) for s >= 0 and e^s/(1+e^s) below.
    e = np.exp(-np.abs(s))
    return np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class Activation:
    """One activation function: numeric f, f' from (s, a), and symbolic forms."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    symbol: str  # the document's name for f: \sigma, \tanh, ...

    def sympy_f(self, s: Any) -> Any:
        """f(s) as a sympy expression."""
        import sympy as sp

        return {
            "sigmoid": lambda: 1 / (1 + sp.exp(-s)),
            "tanh": lambda: sp.tanh(s),
            "relu": lambda: sp.Max(0, s),
            "linear": lambda: s,
        }[self.name]()

    def sympy_df_of_output(self, a: Any, s: Any = None) -> Any:
        """f'(s) written in terms of the output ``a`` (and ``s`` for relu)."""
        import sympy as sp

        return {
            "sigmoid": lambda: a * (1 - a),
            "tanh": lambda: 1 - a**2,
            "relu": lambda: sp.Heaviside(s, 0),
            "linear": lambda: sp.Integer(1),
        }[self.name]()


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, lambda s, a: a * (1.0 - a), r"\sigma"),
        Activation("tanh", np.tanh, lambda s, a: 1.0 - a * a, r"\tanh"),
        # relu'(0) is taken as 0, as most libraries do.
        Activation("relu", lambda s: np.maximum(s, 0.0), lambda s, a: (s > 0).astype(np.float64), r"\operatorname{relu}"),
        Activation("linear", lambda s: s + 0.0, lambda s, a: np.ones_like(s), r"\operatorname{id}"),
    )
}


def get(name: str) -> Activation:
    """Look an activation up by name; KeyError lists the known names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}") from None
