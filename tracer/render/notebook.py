"""Notebook display: explanations and traces that show themselves as their worked example.

The data classes of core and explain know nothing of output formats; this
module wraps them for Jupyter's ``_repr_markdown_`` / ``_repr_latex_``
protocol::

    from tracer.render.notebook import report, show
    report("my.toml")        # the worked example of a config's first step
    show(trace)              # a recorded trace, its first kept step
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tracer.errors import InputError
from tracer.explain.pieces import Explanation
from tracer.render.printers import latex_equation
from tracer.render.report import render

__all__ = ["Report", "report", "show"]


@dataclasses.dataclass
class Report(Explanation):
    """An :class:`Explanation` that Jupyter shows as its report."""

    @classmethod
    def of(cls, expl: Explanation) -> "Report":
        return cls(**{f.name: getattr(expl, f.name) for f in dataclasses.fields(expl)})

    def _repr_markdown_(self) -> str:
        return render(self, "md")

    def _repr_latex_(self) -> str:
        # A notebook's LaTeX display is MathJax: math only, so every equation, in order.
        return "\n".join(f"$$\n{latex_equation(eq)}\n$$" for sec in self.sections for eq in sec.all_equations())


class _EmptyTrace:
    def __init__(self, trace: Any):
        self.trace = trace

    def _repr_markdown_(self) -> str:
        return f"A trace of {self.trace.epochs} epoch(s) that kept no step (only each epoch's loss)."

    def _repr_latex_(self) -> None:
        return None


def show(trace: Any, step: int = 0) -> Report | _EmptyTrace:
    """A recorded trace, displayed as the worked example of its kept step ``step``."""
    from tracer.config.trace_io import as_trace
    from tracer.explain.sections import explain

    trace = as_trace(trace)  # a path of a trace, too
    if not trace.n_steps:
        return _EmptyTrace(trace)
    return Report.of(explain(trace, step))


def report(config: Any = None, activation: str | None = None, step: int = 0, digits: int = 4,
           full: bool = False) -> Report:
    """Train ``config`` (a path, a Config, or None for the document's example) and explain one step.

    The result is the step's :class:`~tracer.explain.pieces.Explanation` with the
    gradient-check appendix; in a notebook it displays itself as the Markdown report.
    """
    from tracer import config as config_mod
    from tracer.config.run import record
    from tracer.explain.appendix import check_section
    from tracer.explain.sections import explain

    cfg = config if isinstance(config, config_mod.Config) else config_mod.load(config)
    cfg = cfg.with_activation(activation)
    # Every step of the first epoch (what --step can pick), then the epochs' losses.
    trace, _ = record(cfg, f"first:{max(len(cfg.raw), step + 1)}")
    if step >= trace.n_steps:
        raise InputError("command line", "--step", f"there are only {trace.n_steps} steps in the first epoch")
    expl = explain(trace, step=step, digits=digits, full=full, config=cfg)
    expl.sections.append(check_section(trace, step))
    return Report.of(expl)
