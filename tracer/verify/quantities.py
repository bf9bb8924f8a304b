"""Named quantities against a config: chains headed by a name, node tables and the loss table, compared with the config's trace."""

from __future__ import annotations

import math
import re
from typing import Any

from tracer.verify.arith import classify, number_band
from tracer.verify.document import Document
from tracer.verify.names import Named, quantity, spelled
from tracer.verify.printed import bare_text, is_bare_number, squash
from tracer.verify.results import MISMATCH, OK, UNPARSED, Result
from tracer.verify.tables.find import Cell, Table, norm, num_cell
from tracer.verify.tables.nodes import layer_activation, node_columns


def _true_value(trace, sym: str, layer: str, idx: list[int], new: bool) -> tuple[float | None, str]:
    n_hidden = len(trace.w) - 1
    if layer == "o":
        l = n_hidden
    elif layer == "h":
        if n_hidden != 1:
            return None, f"the config has {n_hidden} hidden layers; h does not say which"
        l = 0
    else:
        l = int(layer[1:]) - 1
        if not 0 <= l < n_hidden:
            return None, f"the config has no hidden layer {l + 1}"
    try:
        if sym in ("s", "a", "y", "\\delta"):
            if sym == "y" and layer != "o":
                return None, "y is the output"
            if len(idx) > 1 or (layer != "o" and not idx):
                return None, "cannot tell which node"
            arr = {"s": trace.s, "a": trace.a, "y": trace.a, "\\delta": trace.delta}[sym][l][0]
            if arr.ndim > 1:  # a batch step holds one row per row of the batch: its first is the dataset's first row
                arr = arr[0]
            return float(arr[idx[0] if idx else 0]), ""
        if sym == "w":
            if len(idx) == 2:
                node, i = idx
            elif len(idx) == 1 and layer == "o":
                node, i = 0, idx[0]  # the document's w_{o[i]}: the one output node
            else:
                return None, "cannot tell which weight"
            arr = trace.w_new(l)[0] if new else trace.w[l][0]
            return float(arr[node, i]), ""
        if len(idx) > 1 or (layer != "o" and not idx):
            return None, "cannot tell which bias"
        arr = trace.b_new(l)[0] if new else trace.b[l][0]
        return float(arr[idx[0] if idx else 0]), ""
    except IndexError:
        return None, "the config's network has no such node"


class Traces:
    """The first recorded step of the config, once per activation a passage is about."""

    def __init__(self, config_path: str | None = None, config=None):
        """From a config file, or (``config``) a Config already loaded, such as one with another training variant."""
        from tracer.config import schema as config_mod

        self.cfg = config if config is not None else config_mod.load(config_path)
        self.cache: dict[str, Any] = {}

    def label(self, activation: str | None) -> str:
        return activation or "/".join(dict.fromkeys(self.cfg.activations))

    def get(self, activation: str | None):
        """The config as it is when it uses ``activation`` (or it is None); else with every layer switched to it."""
        from tracer.config.run import record

        key = "" if activation is None or activation in self.cfg.activations else activation
        if key not in self.cache:
            cfg = self.cfg.with_activation(key) if key else self.cfg
            self.cache[key] = record(cfg, policy="first:1")[0]
        return self.cache[key]


def _named_result(traces: Traces, head: str, activation: str | None, cell: Cell, used, force_new=None, names=None):
    named = names.get(spelled(head)) if names else None
    sign = 1.0
    if named is not None:  # the document's own name, mapped by --names
        sym, layer, idx, new = named.parts()
        sign = named.sign
    else:
        q = quantity(head)
        if q is None:
            return None
        sym, layer, idx, new = q
        if force_new is not None and sym in ("w", "b"):
            new = new or force_new
    trace = traces.get(activation)
    true, why = _loss(trace) if sym == "loss" else _true_value(trace, sym, layer, idx, new)
    label = f"{squash(head)}{' after the update' if sym in ('w', 'b') and new else ''} ({traces.label(activation)})"
    printed, line = cell
    if true is None:
        # what cannot be matched to the config is counted, never flagged (h1 may be a node, not a layer)
        return Result(line, label, printed, None, UNPARSED, f"not compared with the config: {why}", tuple(used))
    true *= sign
    ok = abs(float(printed) - true) <= number_band(printed.lstrip("-")) * (1 + 1e-9)
    digits = max(-int(math.floor(math.log10(2 * number_band(printed.lstrip("-"))) + 0.5)), 0)
    return Result(line, label, printed, true, OK if ok else MISMATCH,
                  "" if ok else f"the config's value rounds to {true:.{digits}f}", tuple(used))


def _loss(trace) -> tuple[float | None, str]:
    """The loss of the config's first step (one row: a batch's loss is no one number the document prints)."""
    loss = trace.loss[0]
    if getattr(loss, "ndim", 0):
        return None, "the first step is a batch of rows"
    return float(loss), ""


def check_config(doc: Document, traces: Traces, tables: list[Table], names: dict[str, Named] | None = None) -> list[Result]:
    """Named values (chains headed s_{h[0]}, w_{o[1]}, ... or by the names map; node tables; the loss table) against the config's trace."""
    results = []
    for chain in doc.chains:
        last = chain.terms[-1]
        kind = classify(last.text)
        if len(chain.terms) < 2 or not kind or kind[0] != "numeric" or not is_bare_number(kind[1]):
            continue
        # a weight worked out by the update rule (a computed term in its chain) is the new weight
        computed = any((k := classify(t.text)) and k[0] == "numeric" and not is_bare_number(k[1])
                       for t in chain.terms[1:])
        r = _named_result(traces, chain.head, chain.activation, (bare_text(kind[1]), last.line),
                          (chain.terms[0].line, last.line), force_new=computed, names=names)
        if r is not None:
            results.append(r)
    for t in tables:
        h = [norm(x).lower() for x in t.header]
        if h in (["iteration", "loss"], ["epoch", "loss"]):
            results.extend(_check_loss_table(doc, traces, t))
            continue
        nodes = node_columns(t)
        if nodes is None:
            continue
        node_col, cols = nodes
        # "Initial weights ..." are the old values; "... for the next step", or a table in a
        # section about the new weights, the new ones
        caption, heading = t.caption.split("\n")
        old_words, new_words = r"\binitial|\bbefore\b|\bstart", r"next step|\bnew\b|\bupdated?\b|\bafter\b"
        new = not re.search(old_words, caption, re.I) and bool(re.search(new_words, t.caption, re.I))
        for r in t.rows:
            if not re.fullmatch(r"\d+", r[node_col][0]):
                continue
            j = r[node_col][0]
            for k, head in cols.items():
                if not num_cell(r[k][0]):
                    continue
                name = head.replace("[j]", f"[{j}]")
                q = quantity(name)
                if name == head and q and q[0] in ("s", "a", "y", "\\delta") and not q[2]:
                    # s_{h_{1}}: one column per layer, the row is the node
                    name = head[:-1] + f"[{j}]}}" if head.endswith("}") else f"{head}[{j}]"
                    q = quantity(name)
                act = layer_activation(doc, q[1], t.line) if q else None
                res = _named_result(traces, name, act, r[k], (r[k][1],), force_new=new)
                if res is not None:
                    results.append(res)
    return results


def _check_loss_table(doc: Document, traces: Traces, t: Table) -> list[Result]:
    act = doc.activation_at(t.line)
    trace = traces.get(act)
    rows = t.rows or [t.cells[i : i + 2] for i in range(0, len(t.cells) - 1, 2)]
    results = []
    for row in rows:
        if len(row) != 2 or not re.fullmatch(r"\d+", row[0][0]) or not num_cell(row[1][0]):
            continue
        it, cell = int(row[0][0]), row[1]
        if it < trace.epochs:
            true = float(trace.epoch_loss[it])
        elif it == trace.epochs:
            true = float(trace.final_loss)
        else:
            results.append(Result(cell[1], f"loss at iteration {it}", cell[0], None, MISMATCH,
                                  f"the config trains {trace.epochs} epochs", (row[0][1], cell[1])))
            continue
        ok = abs(float(cell[0]) - true) <= number_band(cell[0]) * (1 + 1e-9)
        results.append(Result(cell[1], f"loss at iteration {it} ({traces.label(act)})", cell[0], true,
                              OK if ok else MISMATCH,
                              "" if ok else f"the config's loss rounds to {true:.{_decimals(cell[0])}f}",
                              (row[0][1], cell[1])))
    return results


def _decimals(printed: str) -> int:
    return len(printed.partition(".")[2])
