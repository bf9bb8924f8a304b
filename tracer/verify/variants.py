"""Which training variant a document follows: every variant the config's network allows, run, its named values compared.

Tutorials differ in their rule (one bias per layer, the loss summed or
halved, hidden error signals through the updated weights, biases frozen, a
batch): ``mlptrace verify DOC --config C --which-variant`` says which rules
reproduce the document's named values and, for every other one, the first
value that differs -- so a reader learns why one tutorial's numbers are not
another's.  Only the first step's values are compared (the loss table needs
every epoch, and names what a rule does after many steps, not which it is).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

from tracer.core.variant import DEFAULT, Variant
from tracer.verify.document import Document
from tracer.verify.names import Named
from tracer.verify.quantities import Traces, check_config
from tracer.verify.results import MISMATCH, OK, Result
from tracer.verify.tables.find import Table

__all__ = ["Verdict", "candidates", "which_variant", "describe", "format_variants"]


@dataclass
class Verdict:
    variant: Variant
    compared: int  # named values compared with this variant's run
    first_difference: Result | None  # None: every compared value is reproduced

    @property
    def reproduces(self) -> bool:
        return self.compared > 0 and self.first_difference is None


def candidates(cfg) -> list[Variant]:
    """Every training rule the config's network allows: a shared bias needs equal biases in each layer, none needs zeros."""
    biases = [p[1] for p in cfg.initial_params()] if cfg.init_method != "random" else None
    allowed_bias = ["per-node"]
    if biases is None or all((b == b[0]).all() for b in biases):
        allowed_bias.append("shared")
    if biases is not None and all(not b.any() for b in biases):
        allowed_bias.append("none")
    losses = ["mse", "sse", "mean-squared"] + (["cross-entropy"] if cfg.activations[-1] in ("sigmoid", "softmax") else [])
    batches: list[int | str] = [1] + (["all"] if len(cfg.raw) > 1 else [])
    out = []
    for bias, loss, update_biases, hidden, batch in itertools.product(
            allowed_bias, losses, (True, False), ("old-weights", "updated-weights"), batches):
        if hidden == "updated-weights" and batch != 1:
            continue  # the output layer updated first is a one-row rule
        if bias == "none" and not update_biases:
            continue  # the same rule as bias none with updates: there is nothing to update
        out.append(Variant(bias=bias, loss=loss, update_biases=update_biases, hidden_deltas=hidden, batch_size=batch))
    return out


def which_variant(doc: Document, tables: list[Table], cfg, names: dict[str, Named] | None = None
                  ) -> tuple[list[Verdict], list[Result]]:
    """Each candidate rule with how many named values its run compared and the first that differs; and the slips.

    A value that no rule reproduces is the document's slip, not a sign of its
    rule: those are set apart (the second list), and a rule reproduces the
    document when it reproduces every other value.
    """
    runs = []
    for variant in candidates(cfg):
        traces = Traces(config=cfg.replace(variant=variant, epochs=1))
        results = [r for r in check_config(doc, traces, tables, names)
                   if r.verdict in (OK, MISMATCH) and not r.expression.startswith("loss at iteration")]
        runs.append((variant, sorted(results, key=lambda r: r.line)))
    differ = [{(r.line, r.expression) for r in results if r.verdict == MISMATCH} for _, results in runs if results]
    slips = set.intersection(*differ) if len(differ) > 1 else set()
    verdicts = [Verdict(variant, len(results),
                        next((r for r in results if r.verdict == MISMATCH and (r.line, r.expression) not in slips), None))
                for variant, results in runs]
    first_run = next((results for _, results in runs if results), [])
    return verdicts, [r for r in first_run if (r.line, r.expression) in slips]


def describe(variant: Variant) -> str:
    """A rule in the config's words, as what it changes from the document's rule."""
    changed = [f"{key} = {_toml(value)}" for key, value in dataclasses.asdict(variant).items()
               if value != getattr(DEFAULT, key)]
    return ", ".join(changed) if changed else "the document's rule"


def _toml(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else (f'"{value}"' if isinstance(value, str) else str(value))


def format_variants(file: str, verdicts: list[Verdict], slips: list[Result] = ()) -> str:
    from tracer.verify.results import format_value

    good = [v for v in verdicts if v.reproduces]
    out = [f"{file}: which training variant",
           f"  {len(good)} of {len(verdicts)} variants reproduce its named values"
           + (":" if good else "")]
    out += [f"    {describe(v.variant)} ({v.compared} values)" for v in good]
    if slips:
        out.append("  no variant reproduces " + "; ".join(
            f"line {r.line}, {r.expression.rsplit(' (', 1)[0]} printed {r.printed}" for r in slips)
            + ": a slip of the document, not a sign of its rule")
    bad = [v for v in verdicts if not v.reproduces and v.first_difference is not None]
    if bad:
        out.append("  the others, and the first value each differs in:")
        for v in bad:
            r = v.first_difference
            out.append(f"    {describe(v.variant)}: line {r.line}, {r.expression.rsplit(' (', 1)[0]} printed {r.printed}, "
                       f"this rule gives {format_value(r.recomputed, r.printed)}")
    return "\n".join(out)
