"""mlptrace predict: denormalised outputs for given inputs."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from tracer.cli.common import UNTRAINED, in_range, load_config, network_and_minmax, untrained
from tracer.config import files
from tracer.errors import InputError, visible


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    net, mm = network_and_minmax(args, cfg)
    if args.input is not None:
        fields = args.input.split(",")
        if len(fields) != cfg.n_in:
            raise InputError("command line", "--input", f"{files.count_of(len(fields), 'value')}, the network has {files.count_of(cfg.n_in, 'input')}")
        values = [files.parse_number(f.strip()) for f in fields]
        if None in values:
            raise InputError("command line", "--input",
                             f"{args.input!r} is not a comma-separated list of finite numbers")
        X = np.array([values])
    else:
        header, raw = files.read_csv(args.data)
        if raw.shape[1] not in (cfg.n_in, cfg.n_in + cfg.n_out):
            raise InputError(args.data, "line 1",
                             f"{raw.shape[1]} columns; expected {cfg.n_in} inputs (optionally followed by {cfg.n_out} targets)")
        files.check_header(header, [("inputs", cfg.input_labels)]
                           + ([("outputs", cfg.output_labels)] if raw.shape[1] > cfg.n_in else []), args.data, 1)
        X = raw[:, : cfg.n_in]
    where = "row {}" if args.input is None else "--input"
    Xn = in_range(mm.inputs(X), "command line" if args.input is not None else args.data, where, cfg.input_labels)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = mm.denormalise_outputs(net.predict(Xn))
    if untrained(args, cfg):  # on stderr: standard output is the CSV of predictions
        print(f"mlptrace: {UNTRAINED}", file=sys.stderr)
    out = sys.stdout
    # The header is the only user text here: labels are checked at load, and
    # visible() keeps a terminal safe from anything that slipped past.
    out.write(visible(",".join(cfg.input_labels + cfg.output_labels)) + "\n")
    for x, p in zip(X, pred):
        out.write(",".join([f"{v:g}" for v in x] + [repr(float(v)) for v in p]) + "\n")
    return 0


