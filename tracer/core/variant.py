"""Which training rule a run follows: the document's, or a variant other worked examples use.

The defaults are the document's rule: one bias per node, the loss
1/2 sum (y - z)^2, every weight and bias updated, hidden error signals
through the *old* next-layer weights, one row per update, no momentum.
The names here are the config's values (``network.bias``,
``training.loss``, ...), so config, engine and trace speak of a variant in
the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Variant", "BIASES", "LOSSES", "HIDDEN_DELTAS", "DEFAULT"]

BIASES = ("per-node", "shared", "none")
LOSSES = ("mse", "sse", "mean-squared", "cross-entropy")
HIDDEN_DELTAS = ("old-weights", "updated-weights")


@dataclass(frozen=True)
class Variant:
    """A training rule; ``batch_size`` is a row count or "all" (every row in one batch)."""

    bias: str = "per-node"
    loss: str = "mse"
    update_biases: bool = True
    hidden_deltas: str = "old-weights"
    batch_size: int | str = 1
    momentum: float = 0.0

    def rows_per_batch(self, n_rows: int) -> int:
        return n_rows if self.batch_size == "all" else min(int(self.batch_size), n_rows)

    def batched(self, n_rows: int) -> bool:
        """Whether a step holds several rows (a trace then records each row of a step)."""
        return self.rows_per_batch(n_rows) > 1

    def steps_per_epoch(self, n_rows: int) -> int:
        """Updates per pass over the rows: consecutive batches, the last one possibly smaller."""
        return -(-n_rows // self.rows_per_batch(n_rows))

    @property
    def is_default(self) -> bool:
        return self == DEFAULT

    def training_dict(self) -> dict[str, Any]:
        """The trace JSON's ``training`` object (the loss and the bias sit in ``network``)."""
        return {"update_biases": self.update_biases, "hidden_deltas": self.hidden_deltas,
                "batch_size": self.batch_size, "momentum": self.momentum}


DEFAULT = Variant()
