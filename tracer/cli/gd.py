"""mlptrace gd: gradient descent on any function, as the document's table."""

from __future__ import annotations

import argparse

from tracer.core.numbers import cell
from tracer.errors import InputError
from tracer.explain.descent import descend, parse, parse_point


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from tracer.cli.tables import print_table
    from tracer.render.terminal import console as make_console

    expr, syms = parse(args.expr)
    start = parse_point(args.at, tuple(s.name for s in syms))
    digits = getattr(args, "digits", 4)
    svg = getattr(args, "svg", None)
    if svg:  # refuse before any work: the picture needs a plane and a file it can write
        from tracer.cli.common import format_of, output_file

        if len(syms) != 2:
            raise InputError("command line", "--svg",
                             f"the picture needs a function of two variables; {args.expr!r} has {len(syms)}")
        output_file(svg, [])
        format_of(svg, {".svg": "svg"}, "--svg")
    d = descend(args.expr, start, args.lr, args.steps)
    if svg:
        from tracer.config.files import atomic_write
        from tracer.render import drawings

        atomic_write(svg, drawings.gd_svg(d, digits=digits))

    console = make_console()
    for line in d.plain_lines():
        console.print(line, markup=False, soft_wrap=True)
    console.print()
    console.print(f"Step 0 is the start point; {d.f_label()} is taken at each step's new point.", markup=False)
    header, rows = d.table()
    table = Table()
    table.add_column("step", justify="right")
    for h in header:
        table.add_column(h, justify="right")
    for k, row in enumerate(rows):
        table.add_row(str(k), *(cell(v, digits) for v in row))
    print_table(console, table)  # never squeezed into "0.1…": stacked by columns where it is too wide
    if svg:
        from tracer.cli.common import say_saved

        say_saved([svg])
    return 0


