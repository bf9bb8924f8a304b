"""Arithmetic written in LaTeX: tokens, a recursive-descent parser, interval evaluation.

Modules, in the order they build on each other:

* ``tree``       -- the parsed tree (Num, Var, Neg, Bin, Pow, Mat, Call), ParseError and EvalError, walking a tree without recursion
* ``numbers``    -- a number as printed: its decimals, its rounding band, whether float64 holds it
* ``parse``      -- tokens, the recursive-descent parser, ``classify`` (numeric, symbolic or unparsed)
* ``evaluate``   -- intervals and the ``Evaluator`` (face value and the range the rounded inputs allow)
* ``derivative`` -- ``diff``, the derivative of a tree (a gradient-descent table's gradient column)


It reads what worked examples put between dollar signs -- ``0.524(1 - 0.524)
\\cdot -0.386``, ``\\frac{65 - 25}{70 - 25}``, ``\\sigma_{h[1]}(0.5)`` -- and
evaluates it twice at once: at face value, and as an interval that honours
the rounding of every printed input.

Decisions (each is what the worked examples mean, and each is tested):

* A minus sign in unary position (at the start, after an operator or an
  opening bracket) directly followed by a number makes a *signed literal*:
  ``1 - -0.08438^2`` is ``1 - (-0.08438)^2`` = 0.99288.  Such numbers are
  substituted values ("y_o = -0.08438, so y_o^2 ..."); the textbook reading
  ``-(0.08438^2)`` would give 1.00712.  A minus before anything else is an
  ordinary negation: ``-\\sigma(1)^2`` is ``-(\\sigma(1)^2)``.
* Adjacent factors multiply: ``0.524(1 - 0.524)``, ``3(0.8)``, ``(a)(b)``.
  Two numbers side by side (``2 3``) are refused: LaTeX would print "23".
* ``\\sigma``, ``\\tanh``, ``\\exp``, ``\\sqrt``, ``\\ln``, ``\\operatorname{relu}``
  and their primes (``\\sigma'``, ``\\tanh'``) are functions; a subscript on a
  function names a node and is ignored (``\\tanh_{o}(-0.0836)``).  ``f`` is
  "the activation in use": the caller says which (see ``Evaluator``).
* ``\\begin{bmatrix} ... \\end{bmatrix}`` is a matrix: juxtaposed matrices
  multiply, matrices of one shape add, a function applies to each entry.
* ``e`` followed by ``^`` is Euler's number; every other letter, and Greek
  letters other than ``\\pi``, are variables.
* Rounding: an input printed with three or more significant digits
  (``0.524``, ``0.6225``, ``-0.096252``, ``2.4000``) is taken as rounded, so
  it stands for the interval of half a unit of its last digit around it.
  Integers and shorter decimals (``0.5``, ``-1.0``, ``0.1``, ``0.91``) are
  given data -- weights, a learning rate, a target -- and are exact.
  Interval arithmetic can only widen, so a step it calls wrong is wrong for
  every value the printed inputs could have been rounded from.
"""

from __future__ import annotations

from tracer.verify.arith.derivative import diff
from tracer.verify.arith.evaluate import Evaluator, Interval, is_matrix, product
from tracer.verify.arith.numbers import MAX_PLACES, decimals, make_num, number_band, range_error
from tracer.verify.arith.parse import MAX_NESTING, classify, parse, strip_annotation, tokenize
from tracer.verify.arith.tree import Bin, Call, EvalError, Mat, Neg, Num, ParseError, Pow, Var, uses_f, variables

__all__ = [
    "Num", "Var", "Neg", "Bin", "Pow", "Call", "Mat",
    "Interval", "ParseError", "EvalError", "is_matrix", "product",
    "parse", "tokenize", "strip_annotation", "classify", "Evaluator", "diff",
    "number_band", "decimals", "make_num", "range_error", "variables", "uses_f", "MAX_PLACES", "MAX_NESTING",
]
