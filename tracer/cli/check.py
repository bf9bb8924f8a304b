"""mlptrace check: the engine's gradients against finite differences and sympy."""

from __future__ import annotations

import argparse
import math
from tracer.cli.tables import print_table
from tracer.core.numbers import error, gradient
from tracer.errors import CheckFailed, InputError
from tracer.explain.gradcheck import MAX_STEPS, SUMMARY_OVER, gradient_check


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from tracer.cli.common import load_config
    from tracer.errors import visible
    from tracer.render.terminal import console as make_console

    steps = getattr(args, "steps", 1) or 1
    if steps > MAX_STEPS:
        raise InputError("command line", "--steps", f"at most {MAX_STEPS:,}, found {steps:,}")
    cfg = load_config(args)
    res = gradient_check(cfg, steps=steps)
    console = make_console()
    sym_head = {"full": "sympy", "layered": "sympy (layer by layer)", "none": "sympy"}[res.symbolic]
    many = len(res.rows) > SUMMARY_OVER * res.steps
    what = visible(str(cfg.source)) if getattr(args, "config", None) else "the document's worked example"
    when = "the first training step" if res.steps == 1 else f"the first {res.steps} training steps"
    console.print(
        f"Gradients of the loss at {when} of {what}: the engine's backpropagation, "
        "a central finite difference of the engine's loss, "
        f"and sympy's derivative of the "
        + ("full loss expression." if res.symbolic == "full" else "loss, layer by layer (the network is too "
           "large for one expression)."),
        markup=False,
    )
    if many:
        table = Table(title="largest relative error per layer")
        for h in (["step"] if res.steps > 1 else []) + ["layer", "parameters", "largest relative error",
                                                        "parameter", "engine", "finite difference", sym_head]:
            table.add_column(h, justify="left" if h in ("layer", "parameter") else "right")
        for s in res.per_layer():
            w = s.worst
            table.add_row(*([str(s.step)] if res.steps > 1 else []), s.name, str(s.count), error(w.error),
                          w.name, gradient(w.engine), gradient(w.fd), gradient(w.sympy))
        print_table(console, table, keep=2 if res.steps > 1 else 1)  # the step and the layer name a row
    rows = res.rows if not many else sorted(res.failures, key=lambda r: -r.error if r.error == r.error else -math.inf)[:20]
    if rows:
        table = Table(title=None if not many else "the worst disagreements")
        for h in (["step"] if res.steps > 1 else []) + ["parameter", "engine", "finite difference", sym_head,
                                                        "relative error", ""]:
            table.add_column(h, justify="left" if h in ("parameter", "") else "right")
        for r in rows:
            table.add_row(*([str(r.step)] if res.steps > 1 else []), r.name, gradient(r.engine), gradient(r.fd), gradient(r.sympy),
                          error(r.error), ("ok" if r.ok else "MISMATCH") + (" (kink)" if r.kink else ""))
        print_table(console, table, keep=2 if res.steps > 1 else 1)  # the step and the parameter name a row
    for note in res.notes:
        console.print(f"note: {note}", markup=False)
    if not res.ok:
        raise CheckFailed(f"gradient check: {res.summary()}")
    console.print(res.summary().capitalize() + ".", markup=False)
    return 0
