"""mlptrace test: the loss and denormalised predictions of a testing dataset."""

from __future__ import annotations

import argparse

import numpy as np

from tracer.cli.common import UNTRAINED, in_range, load_config, network_and_minmax, untrained
from tracer.cli.tables import print_table
from tracer.config import files
from tracer.core import numbers
from tracer.errors import visible
from tracer.render.terminal import console as make_console

TEST_ROWS_SHOWN = 1000  # test's table: past this nobody reads it, and rich takes minutes on a million rows


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    cfg = load_config(args)
    net, mm = network_and_minmax(args, cfg)
    if args.data:
        _, raw = files.read_csv(args.data, cfg.n_in + cfg.n_out,
                                [("inputs", cfg.input_labels), ("outputs", cfg.output_labels)])
        source = args.data
    else:
        raw, source = cfg.raw, cfg.dataset_source
    X, Zraw = raw[:, : cfg.n_in], raw[:, cfg.n_in :]
    Xn = in_range(mm.inputs(X), source, "row {}", cfg.input_labels)
    Zn = in_range(mm.outputs(Zraw), source, "row {}", cfg.output_labels)
    Y = net.predict(Xn)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged network's outputs show as inf or nan
        losses = net.losses(Xn, Zn)  # the loss the config trains on
        pred = mm.denormalise_outputs(Y)

    console = make_console()
    table = Table(title=f"Testing {visible(str(source))}", title_justify="left")
    table.add_column("Row", justify="right")
    for label in cfg.input_labels:
        table.add_column(label, justify="right")
    for label in cfg.output_labels:
        table.add_column(f"{label} target", justify="right")
        table.add_column(f"{label} predicted", justify="right")
    table.add_column("Loss", justify="right")
    shown = min(len(raw), TEST_ROWS_SHOWN)
    for r in range(shown):
        cells = [str(r)] + [f"{v:g}" for v in X[r]]
        for t, p in zip(Zraw[r], pred[r]):
            cells += [f"{t:g}", f"{p:.4f}"]
        table.add_row(*cells, numbers.loss(losses[r]))
    if shown < len(raw):
        table.add_row("...", *["..."] * (len(table.columns) - 1))
    print_table(console, table)  # the row number names each row of every part
    if shown < len(raw):
        console.print(f"the first {shown:,} rows of {len(raw):,} are shown; "
                      "mlptrace predict --data writes every prediction as CSV")
    console.print(f"mean loss {numbers.loss(float(losses.mean()))} over {files.count_of(len(raw), 'row')}")
    if untrained(args, cfg):
        console.print(UNTRAINED, soft_wrap=True)
    return 0


