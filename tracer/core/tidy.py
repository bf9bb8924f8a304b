"""A trace as rows: one row per recorded number (a tidy table for pandas), or a few rows that summarise the run.

numpy only: :func:`to_pandas` imports pandas inside it, so importing the
trace never imports pandas, and pandas stays an optional extra.

The tidy table's columns:

``step``, ``epoch``
    the step's index in the run (``trace.kept[k]``) and its epoch.
``row``
    the dataset row a number belongs to: each row of a step for the
    per-row quantities (``x``, ``z``, ``s``, ``a``, ``delta``, ``loss``; a
    batch step's rows each their own, its padding left out), and the
    step's first row for the quantities of the whole step (``w``, ``b``,
    the gradients, the new weights, the velocities), as the JSON trace's
    step names it.
``layer``
    0 for the first hidden layer up to the output layer; missing (NA) for
    the network's ``x``, ``z`` and ``loss``.
``quantity``
    the JSON trace's names: ``x``, ``z``, ``w``, ``b``, ``s``, ``a``,
    ``delta``, ``grad_w``, ``grad_b``, ``w_new``, ``b_new``, with momentum
    ``v_w`` and ``v_b`` (the velocities before the step), and ``loss``.
``node``, ``input``
    the node of the layer (for ``x`` and ``z`` the input or output); the
    input of a weight (``w[node][input]``), missing for everything else,
    and ``node`` is missing for ``loss``.
``value``
    the number, float64, as the trace holds it (derived ones computed by
    the trace's own methods, bit for bit the engine's).

The epochs' mean losses are ``trace.epoch_loss`` (one per epoch, whichever
steps were kept); the frame holds the kept steps only, so the frames of a
streamed trace's chunks concatenate into the whole trace's.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Iterator

import numpy as np

from tracer.core.numbers import compact, short
from tracer.core.variant import DEFAULT
from tracer.errors import InputError, visible

__all__ = ["COLUMNS", "columns", "to_pandas", "summary", "summary_text"]

COLUMNS = ("step", "epoch", "row", "layer", "quantity", "node", "input", "value")
MISSING = -1  # layer, node or input where the number has none (NA in pandas)

_WEIGHT_SHAPED = {"w", "grad_w", "w_new", "v_w"}  # (nodes, inputs) per step: they fill the input column


def _quantities(trace: Any) -> Iterator[tuple[str, int, np.ndarray]]:
    """(quantity, layer or MISSING, one array over kept steps) for every number a kept step holds, in the JSON's order."""
    stored = {f.name: f for f in trace.fields}
    yield "x", MISSING, trace.x
    yield "z", MISSING, trace.z
    for l in range(len(trace.layers) - 1):
        for name in ("w", "b", "s", "a", "delta"):
            yield name, l, getattr(trace, name)[l]
        # derived on access: the trace's own methods, so the engine's values bit for bit
        for name in ("grad_w", "grad_b", "w_new", "b_new"):
            yield name, l, getattr(trace, name)(l)
        for name in ("v_w", "v_b"):
            if name in stored:
                yield name, l, getattr(trace, name)[l]
    yield "loss", MISSING, trace.loss


def columns(trace: Any) -> tuple[dict[str, np.ndarray], list[str]]:
    """The tidy table as numpy columns (see the module docstring), and the quantity names its codes index.

    ``quantity`` holds codes into the returned names; ``layer``, ``node`` and
    ``input`` hold :data:`MISSING` where the number has none.  Rows run step
    by step, each step's numbers in the JSON trace's order.
    """
    per_row = {f.name for f in trace.fields if "rows" in f.shape}
    batched = trace.rows_per_step > 1
    first_row = np.asarray(trace.row, dtype=np.int64)
    rows_held = np.minimum(trace.rows_per_step, trace.n_rows - first_row)  # the epoch's last batch may be smaller
    names: list[str] = []
    parts: dict[str, list[np.ndarray]] = {c: [] for c in ("k", "r", "layer", "quantity", "node", "input", "value")}
    for name, l, values in _quantities(trace):
        if name not in names:
            names.append(name)
        n_steps = len(values)
        # every quantity as (steps, rows, nodes, inputs): one row axis for a batch's per-row values, else 1
        rows = trace.rows_per_step if name in per_row and batched else 1
        tail = values.shape[1 + (rows > 1):]
        nodes = tail[0] if tail else 1
        inputs = tail[1] if name in _WEIGHT_SHAPED else 1
        k, r, n, i = (a.ravel() for a in np.indices((n_steps, rows, nodes, inputs), dtype=np.int64))
        keep = r < rows_held[k]  # a batch's padding is no number
        parts["k"].append(k[keep])
        parts["r"].append(r[keep])
        parts["value"].append(np.asarray(values, dtype=np.float64).reshape(-1)[keep])
        parts["layer"].append(np.full(int(keep.sum()), l, dtype=np.int64))
        parts["quantity"].append(np.full(int(keep.sum()), names.index(name), dtype=np.int64))
        parts["node"].append(n[keep] if tail else np.full(int(keep.sum()), MISSING, dtype=np.int64))
        parts["input"].append(i[keep] if name in _WEIGHT_SHAPED else np.full(int(keep.sum()), MISSING, dtype=np.int64))
    joined = {c: np.concatenate(v) if v else np.empty(0, dtype=np.float64 if c == "value" else np.int64)
              for c, v in parts.items()}
    order = np.argsort(joined["k"], kind="stable")  # step by step; within a step, the order above
    k = joined["k"][order]
    out = {
        "step": np.asarray(trace.kept, dtype=np.int64)[k],
        "epoch": np.asarray(trace.epoch, dtype=np.int64)[k],
        "row": first_row[k] + joined["r"][order],
        **{c: joined[c][order] for c in ("layer", "quantity", "node", "input", "value")},
    }
    return out, names


def to_pandas(trace: Any) -> Any:
    """The trace as a tidy pandas DataFrame, one row per number (see the module docstring).

    ``layer``, ``node`` and ``input`` are pandas' nullable ``Int64`` (NA where
    a number has none), ``quantity`` a categorical.  Without pandas, an
    InputError says how to install it.
    """
    try:
        import pandas as pd
    except ImportError:
        raise InputError("Trace.to_pandas", "", "pandas is not installed; pip install 'mlptrace[pandas]'") from None
    cols, names = columns(trace)
    frame: dict[str, Any] = {}
    for c in COLUMNS:
        v = cols[c]
        if c == "quantity":
            frame[c] = pd.Categorical.from_codes(v, categories=names)
        elif c in ("layer", "node", "input"):
            frame[c] = pd.arrays.IntegerArray(v, v == MISSING)
        else:
            frame[c] = v
    return pd.DataFrame(frame)


# --------------------------------------------------------------------------
# the summary a notebook or a REPL shows in place of the arrays


def summary(trace: Any) -> list[tuple[str, str]]:
    """A few (label, text) rows about the run: network, rule, steps kept, epochs, losses.

    Plain data for every display (the repr here, render.notebook's HTML and
    Markdown tables), each of which escapes it for its format.
    """
    total = trace.epochs * trace.steps_per_epoch
    variant = [f"{key} = {json.dumps(value)}" for key, value in dataclasses.asdict(trace.variant).items()
               if value != getattr(DEFAULT, key)]
    rows = [
        ("layers", "-".join(str(n) for n in trace.layers)),
        ("inputs", _labels(trace.input_labels)),
        ("outputs", _labels(trace.output_labels)),
        ("activations", ", ".join(trace.activations)),
        ("training", f"{trace.loss_name} loss, learning rate {short(trace.learning_rate)}, "
                     f"{trace.n_rows} row{'s' if trace.n_rows != 1 else ''}, normalisation {trace.method}"),
        ("variant", ", ".join(variant) if variant else "the document's rule"),
        ("steps kept", f"{trace.n_steps:,} of {total:,}" if trace.n_steps else
         f"none of {total:,}: the trace kept no step (only each epoch's loss)"),
    ]
    run = np.flatnonzero(np.isfinite(trace.epoch_loss))
    rows.append(("epochs", f"{trace.epochs:,}" if len(run) == trace.epochs else f"{len(run):,} of {trace.epochs:,}"))
    if trace.stopped:
        rows.append(("stopped", trace.stopped))
    losses = []
    if len(run):
        losses.append(f"{compact(trace.epoch_loss[run[0]])} in epoch {run[0]}")
        if run[-1] != run[0]:
            losses.append(f"{compact(trace.epoch_loss[run[-1]])} in epoch {run[-1]}")
    if math.isfinite(trace.final_loss):
        losses.append(f"after training {compact(trace.final_loss)}")
    rows.append(("mean loss", ", ".join(losses) if losses else "none recorded"))
    return rows


SHOWN_LABELS = 8  # a wide network's labels, cut short: the summary stays a few short rows


def _labels(labels: list[str]) -> str:
    if len(labels) <= SHOWN_LABELS:
        return ", ".join(labels)
    return ", ".join(labels[:SHOWN_LABELS]) + f", … ({len(labels):,} in all)"


def summary_text(trace: Any) -> str:
    """The summary as aligned plain text (a Trace's repr), every character visible on a terminal."""
    rows = summary(trace)
    width = max(len(label) for label, _ in rows)
    return "\n".join(["mlptrace Trace"] + [f"  {label:<{width}}  {visible(text)}" for label, text in rows])
