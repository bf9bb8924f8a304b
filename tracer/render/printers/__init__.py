"""One printer per output format, as sympy's printing package has: each prints sympy's trees and the explanation's nodes.

- :mod:`~tracer.render.printers.latex`: :class:`LatexPrinter` (a subclass of
  sympy's), for Markdown's and LaTeX's math; equations as ``aligned`` rows
  broken to fit a page;
- :mod:`~tracer.render.printers.unicode`: :class:`UnicodePrinter` (a subclass
  of sympy's StrPrinter), for the terminal and the figures;
- :mod:`~tracer.render.printers.mathml`: :class:`MathMLPrinter` (on sympy's
  base Printer: MathML Core elements written directly), for the HTML report,
  each formula's LaTeX kept as its annotation.

Each has a ``_print_<Class>`` method per node class of
:mod:`tracer.explain.nodes`, found by sympy's dispatch, and keeps each
Form's printed template (see :mod:`~tracer.render.printers.forms`).  The
module-level printers below are the ones to use: their templates last as
long as the Forms do.
"""

from __future__ import annotations

from typing import Any

from tracer.explain.pieces import Equation
from tracer.render.printers.latex import LatexPrinter
from tracer.render.printers.mathml import MathMLPrinter
from tracer.render.printers.unicode import UnicodePrinter

__all__ = ["LatexPrinter", "UnicodePrinter", "MathMLPrinter", "latex", "unicode", "mathml", "latex_equation",
           "unicode_equation", "mathml_equation"]

LATEX = LatexPrinter()
UNICODE = UnicodePrinter()
MATHML = MathMLPrinter(latex=LATEX)  # its annotations are LATEX's very output (and LATEX's kept prints serve it)


def latex(node: Any) -> str:
    """``node`` (an explanation's node or a sympy expression) in math-mode LaTeX."""
    return LATEX.doprint(node)


def unicode(node: Any) -> str:
    """``node`` in compact unicode text."""
    return UNICODE.doprint(node)


def mathml(node: Any, display: bool = False) -> str:
    """``node`` as a ``<math>`` element, its LaTeX as the annotation."""
    return MATHML.math(node, display)


def latex_equation(eq: Equation) -> str:
    return LATEX.equation(eq)


def unicode_equation(eq: Equation) -> str:
    return UNICODE.equation(eq)


def mathml_equation(eq: Equation) -> str:
    return MATHML.equation(eq)
