"""The train, test and predict commands (no sympy here: training must not load it)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import numpy as np

from tracer.config import schema as config_mod
from tracer.config import files
from tracer.core.dataset import MinMax
from tracer.core.engine import MLP
from tracer.errors import InputError, Interrupted, NumericalError, visible

__all__ = ["train", "test", "predict", "load_config"]

WEIGHTS_NAME = "trained-weights-biases.json"
MINMAX_NAME = "minmax.json"
PROGRESS_MIN_STEPS = 50_000  # below this a run is over before a bar is worth drawing
TEST_ROWS_SHOWN = 1000  # test's table: past this nobody reads it, and rich takes minutes on a million rows


def load_config(args: argparse.Namespace) -> config_mod.Config:
    cfg = config_mod.load(getattr(args, "config", None))
    cfg = cfg.with_activation(getattr(args, "activation", None))
    if getattr(args, "epochs", None):
        if args.epochs > config_mod.MAX_EPOCHS:
            raise InputError("command line", "--epochs", config_mod.too_many_epochs(args.epochs))
        cfg = cfg.replace(epochs=args.epochs)
    command = getattr(args, "command", None)
    if command in ("walk", "check"):  # before training: a network too large to explain is refused now
        config_mod.check_explainable(cfg, command, getattr(args, "steps", 1) if command == "check" else 1)
    return cfg


def _console():
    from tracer.render.terminal import console

    return console()


def _fmt(v: float, digits: int = 5) -> str:
    return f"{v:.{digits}f}"


def _output_dir(path: str, inputs: list[str]) -> tuple[Path, list[Path]]:
    """Check ``--out DIR`` before training, so bad output paths fail before the work."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "", "--out must be a directory")
    targets = [out / WEIGHTS_NAME, out / MINMAX_NAME]
    # out's parent must be a folder (the run makes out itself); a folder where
    # a file goes must fail now, not after the first of the two files is saved.
    for target in targets if out.is_dir() else [out]:
        files.write_target(target)
    files.check_not_input(targets, inputs)
    return out, targets


def _output_file(path: str, inputs: list[str]) -> Path:
    target = Path(path)
    files.write_target(target)  # a folder, or a missing one around it, fails before the work
    files.check_not_input([target], inputs)
    return target


# ---------------------------------------------------------------------------
# train


def train(args: argparse.Namespace) -> int:
    from tracer.config.run import record
    from tracer.core.trace import parse_policy

    cfg = load_config(args)
    spec = args.record or ("all" if args.trace else "epochs")
    try:
        policy = parse_policy(spec)
    except ValueError as exc:
        raise InputError("command line", "--record", str(exc)) from None
    out_dir, targets = _output_dir(args.out, cfg.files_read) if args.out else (None, [])
    trace_path = _output_file(args.trace, cfg.files_read) if args.trace else None
    if trace_path is not None and out_dir is not None:
        real = os.path.realpath(trace_path)
        if real == os.path.realpath(out_dir):
            raise InputError(str(trace_path), "", "the trace would be written where --out makes its folder")
        if real in {os.path.realpath(t) for t in targets}:
            raise InputError(str(trace_path), "", "the trace would overwrite a saved weights or min-max file")
    if trace_path is not None and trace_path.suffix.lower() not in (".json", ".npz"):
        raise InputError(str(trace_path), "", "a trace is .json (kept in memory) or .npz (streamed to disk)")
    stream_to = str(trace_path) if trace_path is not None and trace_path.suffix.lower() == ".npz" else None

    console = _console()
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
                progress.update(task, completed=e + 1, description=f"training  loss {loss:.5f}")

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
        if trace_path is not None and stream_to is None:
            outputs.write(trace_path, trace.json_chunks())
        outputs.commit()
    # printed once the files are in place: an output that fails prints one line and nothing else
    _print_loss_table(console, cfg, trace)
    _print_summary(console, cfg, trace, net)
    if out_dir is not None:
        console.print(f"saved {visible(str(targets[0]))} and {visible(str(targets[1]))}")
    if trace_path is not None:
        console.print(f"saved the trace to {visible(str(trace_path))}")
    if stopped is not None:
        raise stopped
    return 0


def _stderr_console():
    from tracer.render.terminal import console

    return console(stderr=True)


def _print_loss_table(console, cfg: config_mod.Config, trace) -> None:
    from rich.table import Table

    layers = "-".join(str(n) for n in cfg.layers)
    acts = ", ".join(dict.fromkeys(cfg.activations))
    console.print(f"{layers} network ({acts}), learning rate {cfg.learning_rate:g}, {trace.method} normalisation")
    console.print(f"{cfg.epochs} epoch(s) of {len(cfg.raw)} row(s)")
    if trace.seed is not None:
        console.print(f"random initial weights, seed {trace.seed}")
    table = Table(title="Loss", title_justify="left")
    table.add_column("Iteration", justify="right")
    table.add_column("Loss", justify="right")
    previous = -1
    for k, loss in trace.loss_table():
        if k != previous + 1:
            table.add_row("...", "...")
        table.add_row(str(k), _fmt(loss))
        previous = k
    console.print(table)


def _print_summary(console, cfg: config_mod.Config, trace, net: MLP) -> None:
    from tracer.render.live import output_losses, summary_table

    X, Z = cfg.training_data()
    start = output_losses(MLP(trace.initial, cfg.activations), X, Z)
    console.print(summary_table(cfg.output_labels, start, output_losses(net, X, Z)))


# ---------------------------------------------------------------------------
# test and predict


def _network_and_minmax(args: argparse.Namespace, cfg: config_mod.Config) -> tuple[MLP, MinMax]:
    if args.weights:
        params = files.read_weights(args.weights, cfg.layers)
    else:
        params = cfg.initial_params()
    net = MLP(params, cfg.activations)
    if args.minmax:
        mm = files.read_minmax(args.minmax, cfg.n_in, cfg.n_out)
        minmax = MinMax(cfg.method, mm["minInput"], mm["maxInput"], mm["minOutput"], mm["maxOutput"])
    else:
        minmax = cfg.minmax()
    return net, minmax


def _in_range(values: np.ndarray, source: str, where: str, labels: list[str]) -> np.ndarray:
    """Normalised values, refused where one left float64: far outside a narrow min-max range."""
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = (int(v) for v in bad[0])
        raise InputError(source, where.format(r + 1),
                         f"{labels[c]} is so far outside its min-max range that normalising it overflows float64")
    return values


def test(args: argparse.Namespace) -> int:
    from rich.table import Table

    cfg = load_config(args)
    net, mm = _network_and_minmax(args, cfg)
    if args.data:
        _, raw = files.read_csv(args.data, cfg.n_in + cfg.n_out)
        source = args.data
    else:
        raw, source = cfg.raw, cfg.dataset_source
    X, Zraw = raw[:, : cfg.n_in], raw[:, cfg.n_in :]
    Xn = _in_range(mm.inputs(X), source, "row {}", cfg.input_labels)
    Zn = _in_range(mm.outputs(Zraw), source, "row {}", cfg.output_labels)
    Y = net.predict(Xn)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged network's outputs show as inf or nan
        losses = 0.5 * ((Y - Zn) ** 2).sum(axis=1)
        pred = mm.denormalise_outputs(Y)

    console = _console()
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
        table.add_row(*cells, _fmt(losses[r]))
    if shown < len(raw):
        table.add_row("...", *["..."] * (len(table.columns) - 1))
    console.print(table)
    if shown < len(raw):
        console.print(f"the first {shown:,} rows of {len(raw):,} are shown; "
                      "mlptrace predict --data writes every prediction as CSV")
    console.print(f"mean loss {_fmt(float(losses.mean()))} over {len(raw)} row(s)")
    return 0


def predict(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    net, mm = _network_and_minmax(args, cfg)
    if args.input is not None:
        fields = args.input.split(",")
        if len(fields) != cfg.n_in:
            raise InputError("command line", "--input", f"{len(fields)} value(s), the network has {cfg.n_in} input(s)")
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
        X = raw[:, : cfg.n_in]
    where = "row {}" if args.input is None else "--input"
    Xn = _in_range(mm.inputs(X), "command line" if args.input is not None else args.data, where, cfg.input_labels)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = mm.denormalise_outputs(net.predict(Xn))
    out = sys.stdout
    # The header is the only user text here: labels are checked at load, and
    # visible() keeps a terminal safe from anything that slipped past.
    out.write(visible(",".join(cfg.input_labels + cfg.output_labels)) + "\n")
    for x, p in zip(X, pred):
        out.write(",".join([f"{v:g}" for v in x] + [repr(float(v)) for v in p]) + "\n")
    return 0
