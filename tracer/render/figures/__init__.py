"""Pictures of a training run, drawn by the project itself as SVG or PDF.

Every figure is built once as a ``Canvas`` (a list of lines, circles and
text) and written either way, so the SVG a Markdown/HTML report shows and
the PDF a LaTeX report includes are the same picture::

    network_svg(trace, step=0, digits=4, which="both", names=...)  # the network, before/after a step
    loss_svg(trace, log=False)                           # loss per epoch, report's iterations marked
    gd_svg(f, path, label=..., names=..., lr=...)        # contours of f(x, y) and a descent path

``*_pdf`` takes the same arguments and returns PDF bytes for
``\\includegraphics``; ``network(...)``, ``loss(...)`` and ``descent(...)``
return the Canvas itself.  Nothing here needs anything beyond numpy: the
figures take plain data and plain callables (node names, f(X, Y), the
points of a path) and know neither the notation nor sympy;
``tracer.render.drawings`` hands them a trace's names and a descent.
"""

from __future__ import annotations

from tracer.render.figures.canvas import Canvas
from tracer.render.figures.contour import descent
from tracer.render.figures.curve import loss
from tracer.render.figures.diagram import network

__all__ = [
    "Canvas", "network", "loss", "descent",
    "network_svg", "network_pdf", "loss_svg", "loss_pdf", "gd_svg", "gd_pdf",
]


def network_svg(trace, step: int = 0, digits: int = 4, which: str = "both", **kw) -> str:
    """SVG of the network with its weights and biases (see ``network``)."""
    return network(trace, step, digits, which, **kw).svg()


def network_pdf(trace, step: int = 0, digits: int = 4, which: str = "both", **kw) -> bytes:
    """PDF of the same picture as ``network_svg``."""
    return network(trace, step, digits, which, **kw).pdf()


def loss_svg(trace, log: bool = False, **kw) -> str:
    """SVG of the loss per epoch (see ``loss``)."""
    return loss(trace, log, **kw).svg()


def loss_pdf(trace, log: bool = False, **kw) -> bytes:
    """PDF of the same picture as ``loss_svg``."""
    return loss(trace, log, **kw).pdf()


def gd_svg(f, path, **kw) -> str:
    """SVG of gradient descent on f(x, y) (see ``descent``)."""
    return descent(f, path, **kw).svg()


def gd_pdf(f, path, **kw) -> bytes:
    """PDF of the same picture as ``gd_svg``."""
    return descent(f, path, **kw).pdf()
