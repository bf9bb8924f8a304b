"""The report's appendix: every gradient of the explained step checked two more ways (what ``mlptrace check`` does)."""

from __future__ import annotations

from typing import Any

from tracer.explain.nodes import Sci
from tracer.explain.pieces import Section, Table

__all__ = ["check_section"]


CHECK_ROWS = 24  # more parameters than this: one row per layer, naming its worst
CHECK_DIGITS = 6  # significant digits of the appendix's gradients: enough to see them agree


def _sci(v: float, digits: int, fixed: bool = False) -> Sci:
    """``v`` to ``digits`` significant digits, in exponent notation where it needs one (a printer writes
    the power of ten as such: 1.2 \\times 10^{-15}).

    ``fixed``: always in exponent notation, trailing zeros kept (1.0e-12).
    """
    if v != v:
        return Sci("")  # NaN: not compared (see the notes)
    if v == 0:
        return Sci("0")
    return Sci(f"{v:.{digits - 1}e}" if fixed else f"{v:.{digits}g}")


def check_section(trace: Any, step: int = 0) -> Section:
    """The appendix: every gradient of the explained step checked two more ways (``mlptrace check``)."""
    from tracer.explain.gradcheck import gradient_check

    if trace.variant.hidden_deltas == "updated-weights":
        # its hidden error signals are no loss's gradient: there is nothing to check them against
        return Section("gradient_check", "gradient-check", "A", "Checking every gradient", tables=[],
                       facts={"skipped": True})
    # sympy's derivatives of the loss and of each activation, chained layer by
    # layer: differentiating the whole loss (what mlptrace check does) would
    # double the time of every report.
    result = gradient_check(trace, steps=step + 1, symbolic="layered")
    rows = [r for r in result.rows if r.step == step]
    ok = all(r.ok for r in rows)

    def num(v: float) -> Sci:
        return _sci(v, CHECK_DIGITS)

    def err(v: float) -> Sci:
        return _sci(v, 2, fixed=True)

    if len(rows) <= CHECK_ROWS:
        # a verdict per row only when some differ (the prose says when all agree): one column less to fit a page
        table = Table("check", "Every gradient of this step, three ways",
                      ["parameter", "backpropagation", "finite difference", "sympy", "relative error",
                       *([] if ok else ["verdict"])],
                      [[r.symbol, num(r.engine), num(r.fd), num(r.sympy), err(r.error),
                        *([] if ok else ["ok" if r.ok else "DIFFERS"])] for r in rows])
    else:
        # the parameter's name says its layer (w_{h_{2}[2][10]}): no column for the layer
        layers = [x for x in result.per_layer() if x.step == step]
        table = Table("check", "The gradient with the largest relative error in each layer",
                      ["parameter", "backpropagation", "finite difference", "sympy", "relative error"],
                      [[x.worst.symbol, num(x.worst.engine),
                        num(x.worst.fd), num(x.worst.sympy), err(x.worst.error)] for x in layers])
    facts = {"skipped": False, "ok": ok, "count": len(rows), "per_layer": len(rows) > CHECK_ROWS, "rtol": _sci(result.rtol, 2), "symbolic": result.symbolic,
             "floor": _sci(rows[0].floor, 2) if rows else "", "notes": list(result.notes),
             "worst": max(rows, key=lambda r: r.error).name if rows else ""}
    return Section("gradient_check", "gradient-check", "A", "Checking every gradient", tables=[table], facts=facts)
