"""mlptrace train: train, print the loss table, save the weights, the min-max and a trace (no sympy here: training must not load it)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

import numpy as np

from tracer.cli.common import load_config, output_dir, output_file, say_saved
from tracer.cli.tables import print_table
from tracer.config import files
from tracer.config import schema as config_mod
from tracer.core.engine import MLP
from tracer.core import numbers
from tracer.errors import InputError, Interrupted, NumericalError
from tracer.render.terminal import console as make_console

PROGRESS_MIN_STEPS = 50_000  # below this a run is over before a bar is worth drawing


def run(args: argparse.Namespace) -> int:
    from tracer.config.run import record
    from tracer.core.trace import parse_policy

    cfg = load_config(args)
    spec = args.record or ("all" if args.trace else "epochs")
    try:
        policy = parse_policy(spec)
    except ValueError as exc:
        raise InputError("command line", "--record", str(exc)) from None
    out_dir, targets = output_dir(args.out, cfg.files_read) if args.out else (None, [])
    trace_path = output_file(args.trace, cfg.files_read) if args.trace else None
    if trace_path is not None and out_dir is not None:
        real = os.path.realpath(trace_path)
        if real == os.path.realpath(out_dir):
            raise InputError(str(trace_path), "", "the trace would be written where --out makes its folder")
        if real in {os.path.realpath(t) for t in targets}:
            raise InputError(str(trace_path), "", "the trace would overwrite a file --out saves (weights, min-max, trained.toml, its rows)")
    if trace_path is not None and trace_path.suffix.lower() not in (".json", ".npz"):
        raise InputError(str(trace_path), "", "a trace is .json (kept in memory) or .npz (streamed to disk)")
    stream_to = str(trace_path) if trace_path is not None and trace_path.suffix.lower() == ".npz" else None

    console = make_console()
    total = cfg.epochs * len(cfg.raw)
    live = None
    on_epoch = None
    if total >= PROGRESS_MIN_STEPS and sys.stderr.isatty():
        from rich.console import Group
        from rich.live import Live
        from rich.progress import Progress

        from tracer.render.live import LossCurve

        # The bar and, under it, the loss curve so far, redrawn together.
        progress = Progress()
        task = progress.add_task("training", total=cfg.epochs)
        curve = LossCurve(np.full(cfg.epochs, np.nan), cfg.epochs)
        live = Live(Group(progress, curve), console=_stderr_console(), transient=True, refresh_per_second=8)
        every = max(1, cfg.epochs // 200)

        def on_epoch(e: int, loss: float) -> None:
            curve.values[e] = loss
            curve.done = e + 1
            if e % every == 0 or e == cfg.epochs - 1:
                progress.update(task, completed=e + 1, description=f"training  loss {numbers.loss(loss)}")

    # The weights, the min-max and the trace are committed together or not at
    # all (a full disk, a file-size limit, SIGTERM): see files.Outputs.
    with files.Outputs() as outputs:
        # Ctrl-C ends the run between two steps, and what was trained so far is saved.
        stop = [False]
        previous = signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))
        stopped = None
        try:
            if live is not None:
                with live:
                    trace, net = record(cfg, policy, on_epoch, stream_to, stop, outputs)
            else:
                trace, net = record(cfg, policy, on_epoch, stream_to, stop, outputs)
        except (NumericalError, Interrupted) as exc:
            stopped = exc
            trace, net = exc.trace, exc.net
        finally:
            signal.signal(signal.SIGINT, previous)

        if out_dir is not None:
            outputs.mkdir(out_dir)
            files.write_weights(targets[0], net.params, outputs)
            files.write_minmax(targets[1], trace.minmax, outputs)
            _write_trained_config(cfg, targets, outputs)
        if trace_path is not None and stream_to is None:
            outputs.write(trace_path, trace.json_chunks())
        outputs.commit()
    # printed once the files are in place: an output that fails prints one line and nothing else
    _print_loss_table(console, cfg, trace)
    _print_summary(console, cfg, trace, net)
    if out_dir is not None:
        say_saved(targets)
    if trace_path is not None:
        say_saved([trace_path])
    if stopped is not None:
        raise stopped
    return 0


def _write_trained_config(cfg: config_mod.Config, targets, outputs: files.Outputs) -> None:
    """DIR/trained.toml and the rows it names, staged with the weights they go with."""
    from tracer.config.schema import _parse
    from tracer.config.trained import dataset_csv, trained_toml

    from pathlib import Path

    weights, minmax, config_path, dataset = targets
    original = _parse(Path(cfg.source))  # the keys as written, for those training does not fix
    outputs.write(config_path, trained_toml(cfg, original, weights.name, minmax.name, dataset.name))
    outputs.write(dataset, dataset_csv(cfg))


def _stderr_console():
    from tracer.render.terminal import console

    return console(stderr=True)


def _print_loss_table(console, cfg: config_mod.Config, trace) -> None:
    from rich.table import Table

    layers = "-".join(str(n) for n in cfg.layers)
    acts = ", ".join(dict.fromkeys(cfg.activations))
    scaling = "no normalisation" if trace.method == "none" else f"{trace.method} normalisation"
    console.print(f"{layers} network ({acts}), learning rate {cfg.learning_rate:g}, {scaling}")
    console.print(f"{files.count_of(cfg.epochs, 'epoch')} of {files.count_of(len(cfg.raw), 'row')}")
    if trace.seed is not None:
        console.print(f"random initial weights, seed {trace.seed}")
    table = Table(title="Loss", title_justify="left")
    table.add_column("Iteration", justify="right")
    table.add_column("Loss", justify="right")
    previous = -1
    for k, loss in trace.loss_table():
        if k != previous + 1:
            table.add_row("...", "...")
        table.add_row(str(k), numbers.loss(loss))
        previous = k
    print_table(console, table)


def _print_summary(console, cfg: config_mod.Config, trace, net: MLP) -> None:
    from tracer.render.live import output_losses, summary_table

    X, Z = cfg.training_data()
    start = output_losses(MLP(trace.initial, cfg.activations, cfg.variant.loss), X, Z)
    print_table(console, summary_table(cfg.output_labels, start, output_losses(net, X, Z)))
    if len(X) > 1:  # with one row the two are the same number
        console.print("Start loss is the initial weights' mean loss over every row, before any update; "
                      "iteration 0 is epoch 0's mean, each row's loss taken before its own update "
                      "but after the updates of the rows before it.")


