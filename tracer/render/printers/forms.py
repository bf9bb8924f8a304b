"""What every printer shares: sympy prints each Formula and Form once; a step only fills numbers in.

A Form's template is its expression printed with a hole per number
(``\\x01i\\x02``) and cut at the holes, kept per
:class:`~tracer.explain.nodes.Form` object: a report with hundreds of
steps prints each Form once per format and then only joins strings.  A
Formula's printed string is kept the same way.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from tracer.explain.nodes import Filled, Form, Formula, Hole, Node, lead_terms

__all__ = ["FormPrinting"]

_HOLE = re.compile("\x01(\\d+)\x02")


class FormPrinting:
    """A mixin for sympy printers: ``_print_Hole``, ``_print_Filled`` and the template cache."""

    # what opens a power right after a slot in this format: a number raised
    # to a power keeps its parentheses even where it opens the expression
    raised: tuple[str, ...] = ("^",)

    def _init_forms(self) -> None:
        self._forms: weakref.WeakKeyDictionary[Form, list[str]] = weakref.WeakKeyDictionary()
        self._formulas: weakref.WeakKeyDictionary[Formula, str] = weakref.WeakKeyDictionary()
        self._names: Any = {}
        self._lead: Any = None
        self._top: Any = None

    def _print_Formula(self, f: Formula) -> str:
        printed = self._formulas.get(f)
        if printed is None:
            printed = self._formulas[f] = self.print_formula(f)
        return printed

    def print_formula(self, f: Formula) -> str:
        """``f``'s sympy expression in ``f.names``, its term order and its lead (see :class:`Formula`)."""
        saved = self._names, self._lead, self._top, self._settings["order"]  # type: ignore[attr-defined]
        self._names, self._lead, self._top = f.names, f.lead, f.expr
        if f.ordered:
            self._settings["order"] = None  # type: ignore[attr-defined]  # sympy's default order
        try:
            return self._print(f.expr)
        finally:
            self._names, self._lead, self._top, self._settings["order"] = saved  # type: ignore[attr-defined]

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)  # type: ignore[misc]
        return terms if self._lead is None else lead_terms(terms, self._lead, expr is self._top)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # The explanation's own nodes go straight to their method, by class name as sympy's dispatch
        # would (a node class has no printing subclasses); a step prints thousands of them.
        if isinstance(expr, Node):
            return getattr(self, "_print_" + type(expr).__name__)(expr)
        return super()._print(expr, **kwargs)  # type: ignore[misc]

    def _print_Hole(self, hole: Hole) -> str:
        return f"\x01{hole.i}\x02"

    def template(self, form: Form) -> list[str]:
        """``form`` printed once, split at its holes: text, slot, text, slot, ... (slots as digit strings)."""
        parts = self._forms.get(form)
        if parts is None:
            printed = self.print_formula(Formula(form.expr, {**form.names, **form.holes}, dot=True))
            parts = self._forms[form] = _HOLE.split(printed)
        return parts

    def _print_Filled(self, filled: Filled) -> str:
        parts = self.template(filled.form)
        numbers = filled.numbers
        # tracer.core.numbers.slot's rule, on digits already written: a negative number in parentheses
        out = [(f"({numbers[int(p)]})" if numbers[int(p)].startswith("-") else numbers[int(p)]) if i % 2 else p
               for i, p in enumerate(parts)]
        # "-0.5 - 0.1 ...": a number that opens the expression needs no
        # parentheses, unless it is raised to a power.
        if len(parts) > 2 and parts[0] == "" and not parts[2].startswith(self.raised):
            out[1] = numbers[int(parts[1])]
        return "".join(out)
