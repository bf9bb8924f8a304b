"""Notebook display: a trace shows its summary, and a worked example shows itself as its report.

The data classes of core and explain know nothing of output formats; this
module gives them Jupyter's display protocol (``_repr_html_``,
``_repr_markdown_``, ``_repr_latex_``)::

    import tracer.render.notebook     # or: from tracer.render.notebook import report, explain
    trace                             # a Trace displays a short summary table, not a report
    trace.explain(0)                  # the worked example of kept step 0, displayed as the report
    report("my.toml")                 # train a config and explain its first step

Importing this module is what teaches :class:`tracer.core.trace.Trace` its
notebook methods: core may not import render (not even inside a function),
so the display lives here and is set on the class once, at import, by
:func:`_teach_trace`.  That needs no IPython: Jupyter looks the methods up
on the object, and plain Python can call them too.  Without this module a
Trace still shows its summary, as its plain-text repr.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from types import SimpleNamespace
from typing import Any

from tracer.core.trace import Trace
from tracer.errors import InputError
from tracer.explain.pieces import Explanation
from tracer.render.escape import escape_html, escape_md
from tracer.render.printers import latex_equation
from tracer.render.report import render

__all__ = ["Report", "report", "explain", "show", "summary_html", "summary_markdown"]


@dataclasses.dataclass
class Report(Explanation):
    """An :class:`Explanation` that Jupyter shows as its report."""

    @classmethod
    def of(cls, expl: Explanation) -> "Report":
        return cls(**{f.name: getattr(expl, f.name) for f in dataclasses.fields(expl)})

    def __repr__(self) -> str:
        # Jupyter sends text/plain with every display, and a REPL prints it: one line, not the dataclass's
        # dump of every section (about 240,000 characters for the document's step)
        k = self.step
        where = f"epoch {int(self.trace.epoch[k])}, row {int(self.trace.row[k])}"
        return (f"<Report: the worked example of kept step {k} ({where}), {len(self.sections)} sections; "
                "tracer.render.report.render(r, 'md') gives its text>")

    def _repr_markdown_(self) -> str:
        return render(self, "md")

    def _repr_latex_(self) -> str:
        # A notebook's LaTeX display is MathJax: math only, so every equation, in order.
        return "\n".join(f"$$\n{latex_equation(eq)}\n$$" for sec in self.sections for eq in sec.all_equations())


# --------------------------------------------------------------------------
# a trace: its summary (core's plain rows, escaped here for each format)


def summary_html(trace: Any) -> str:
    """A trace's summary (:meth:`Trace.summary`) as a small HTML table, every label and value escaped."""
    rows = "".join(f'<tr><th style="text-align:left">{escape_html(label)}</th>'
                   f'<td style="text-align:left">{escape_html(text)}</td></tr>' for label, text in _as_trace(trace).summary())
    return f'<table class="mlptrace-trace"><caption>mlptrace Trace</caption>{rows}</table>'


def summary_markdown(trace: Any) -> str:
    """A trace's summary as a Markdown table, every label and value escaped."""
    rows = "".join(f"| {escape_md(label)} | {escape_md(text)} |\n" for label, text in _as_trace(trace).summary())
    return f"| mlptrace Trace | |\n|:---|:---|\n{rows}"


def _as_trace(source: Any) -> Trace:
    from tracer.config.trace_io import as_trace

    return as_trace(source)


# --------------------------------------------------------------------------
# a step's worked example


def explain(trace: Any, step: int = 0, digits: int = 4) -> Report:
    """The worked example of kept step ``step`` of ``trace`` (a Trace, or the path of one), as ``report`` gives it.

    ``step`` counts kept steps (``trace.kept[step]`` is its index in the
    run).  The result is the step's explanation with the gradient-check
    appendix; a notebook displays it as the Markdown report.  A variant the
    report does not explain yet, or a step the trace did not keep, is an
    InputError.
    """
    from tracer.config.schema import check_explainable
    from tracer.explain.appendix import check_section
    from tracer.explain.sections import explain as explain_step

    source = os.fspath(trace) if isinstance(trace, (str, os.PathLike)) else "trace"
    trace = _as_trace(trace)
    # the report's own refusals (a variant it does not explain yet, a network too large), read off the trace
    check_explainable(SimpleNamespace(source=source, layers=trace.layers, hidden=trace.layers[1:-1],
                                      activations=trace.activations, variant=trace.variant), "report")
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or not 0 <= step < trace.n_steps:
        kept = f"0 to {trace.n_steps - 1}" if trace.n_steps else "none: it kept only each epoch's loss"
        raise InputError(source, f"step {step!r}", f"not a kept step of the trace (kept steps: {kept})")
    expl = explain_step(trace, step=int(step), digits=digits)
    expl.sections.append(check_section(trace, int(step)))
    return Report.of(expl)


def show(trace: Any, step: int = 0) -> Report | Trace:
    """A recorded trace's kept step ``step`` as its worked example; a trace that kept no step, itself (its summary)."""
    trace = _as_trace(trace)  # a path of a trace, too
    return explain(trace, step) if trace.n_steps else trace


def report(config: Any = None, activation: str | None = None, step: int = 0, digits: int = 4,
           full: bool = False) -> Report:
    """Train ``config`` (a path, a Config, or None for the document's example) and explain one step.

    The result is the step's :class:`~tracer.explain.pieces.Explanation` with the
    gradient-check appendix; in a notebook it displays itself as the Markdown report.
    """
    from tracer import config as config_mod
    from tracer.config.run import record
    from tracer.explain.appendix import check_section
    from tracer.explain.sections import explain as explain_step

    cfg = config if isinstance(config, config_mod.Config) else config_mod.load(config)
    cfg = cfg.with_activation(activation)
    # Every step of the first epoch (what --step can pick), then the epochs' losses.
    trace, _ = record(cfg, f"first:{max(len(cfg.raw), step + 1)}")
    if step >= trace.n_steps:
        raise InputError("command line", "--step", f"there are only {trace.n_steps} steps in the first epoch")
    expl = explain_step(trace, step=step, digits=digits, full=full, config=cfg)
    expl.sections.append(check_section(trace, step))
    return Report.of(expl)


def _teach_trace() -> None:
    """Give Trace its notebook methods: the summary table for display, ``trace.explain(step)`` for a step."""
    Trace._repr_html_ = summary_html  # type: ignore[attr-defined]
    Trace._repr_markdown_ = summary_markdown  # type: ignore[attr-defined]
    Trace.explain = explain  # type: ignore[attr-defined]


_teach_trace()
