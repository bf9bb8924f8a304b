"""The figures of a trace and of a gradient descent, named as the document names them.

``tracer.render.figures`` draws from plain data and plain callables and
knows neither the notation nor sympy; this is where a trace's node names
(``tracer.explain.notation``) and a descent's function and path
(``tracer.explain.descent``) are handed to it.  The report, ``mlptrace gd
--svg`` and ``python -m tracer.render.figures`` all draw through here.
"""

from __future__ import annotations

from typing import Any

from tracer.config.trace_io import as_trace
from tracer.explain.notation import Names
from tracer.render import figures
from tracer.render.figures.canvas import Canvas

__all__ = ["network", "descent", "network_svg", "network_pdf", "gd_svg", "gd_pdf"]


def network(trace, step: int = 0, digits: int = 4, which: str = "both", **kw: Any) -> Canvas:
    """``figures.network`` with the notation's names in the nodes."""
    trace = as_trace(trace)  # a path of a trace, too
    return figures.network(trace, step, digits, which, names=Names(trace.layers).figure_nodes(), **kw)


def descent(d: Any = None, **kw: Any) -> Canvas:
    """``figures.descent`` of a two-variable ``Descent``; none: the document's paraboloid.

    Raises ValueError for a function of any other number of variables.
    """
    if d is None:
        from tracer.explain.descent import paraboloid

        d = paraboloid()
    return figures.descent(**{**d.picture(), **kw})


def network_svg(trace, step: int = 0, digits: int = 4, which: str = "both", **kw: Any) -> str:
    return network(trace, step, digits, which, **kw).svg()


def network_pdf(trace, step: int = 0, digits: int = 4, which: str = "both", **kw: Any) -> bytes:
    return network(trace, step, digits, which, **kw).pdf()


def gd_svg(d: Any = None, **kw: Any) -> str:
    return descent(d, **kw).svg()


def gd_pdf(d: Any = None, **kw: Any) -> bytes:
    return descent(d, **kw).pdf()
