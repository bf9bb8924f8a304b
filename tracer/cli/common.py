"""What the commands share: a config from the command line, output paths checked before any work, the network to test."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tracer.config import files
from tracer.config import schema as config_mod
from tracer.core.dataset import MinMax
from tracer.core.engine import MLP
from tracer.errors import InputError

__all__ = ["load_config", "output_file", "output_dir", "format_of", "say_saved", "network_and_minmax", "untrained", "UNTRAINED", "in_range"]

WEIGHTS_NAME = "trained-weights-biases.json"
MINMAX_NAME = "minmax.json"


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


def output_dir(path: str, inputs: list[str]) -> tuple[Path, list[Path]]:
    """Check ``--out DIR`` before training, so bad output paths fail before the work."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "", "--out must be a directory")
    from tracer.config.trained import DATASET_NAME, TRAINED_NAME

    targets = [out / WEIGHTS_NAME, out / MINMAX_NAME, out / TRAINED_NAME, out / DATASET_NAME]
    # out's parent must be a folder (the run makes out itself); a folder where
    # a file goes must fail now, not after the first of the two files is saved.
    for target in targets if out.is_dir() else [out]:
        files.write_target(target)
    files.check_not_input(targets, inputs)
    return out, targets


def output_file(path: str, inputs: list[str]) -> Path:
    target = Path(path)
    files.write_target(target)  # a folder, or a missing one around it, fails before the work
    files.check_not_input([target], inputs)
    return target


def format_of(path: str, extensions: dict[str, str], option: str, given: str | None = None) -> str | None:
    """The format ``path``'s extension names (None for a name without one, such as /dev/null).

    An extension not in ``extensions``, or one that names another format
    than ``given`` (``--format``), is bad input: the file would hold
    something its name does not say (LaTeX in r.md, Markdown in r.docx).
    """
    ext = Path(path).suffix.lower()
    if not ext:
        return None
    if ext not in extensions:
        known = sorted(set(extensions), key=list(extensions).index)
        listed = ", ".join(known[:-1]) + " or " + known[-1] if len(known) > 1 else known[0]
        raise InputError(path, option, f"unknown extension {Path(path).suffix!r}; expected {listed}")
    named = extensions[ext]
    if given is not None and given != named:
        raise InputError(path, option, f"the extension {Path(path).suffix} says {named}, --format says {given}; "
                         "make them agree (or leave --format out)")
    return named


def say_saved(paths: list[Path] | list[str]) -> None:
    """One line on standard output per file a command wrote: ``saved PATH`` (train, report -o, gd --svg).

    A device or FIFO written in place (-o /dev/null, -o /dev/stdout) is no saved file and is not named.
    """
    import sys

    from tracer.errors import visible

    for path in paths:
        if Path(path).is_file():
            print(visible(f"saved {path}"), file=sys.stdout, flush=True)


def network_and_minmax(args: argparse.Namespace, cfg: config_mod.Config) -> tuple[MLP, MinMax]:
    if args.weights:
        params = files.read_weights(args.weights, cfg.layers)
    else:
        params = cfg.initial_params()
    net = MLP(params, cfg.activations, cfg.variant.loss)
    if args.minmax:
        mm = files.read_minmax(args.minmax, cfg.n_in, cfg.n_out)
        minmax = MinMax(cfg.method, mm["minInput"], mm["maxInput"], mm["minOutput"], mm["maxOutput"])
    else:
        minmax = cfg.minmax()
    return net, minmax


UNTRAINED = "untrained: the config's initial weights; train --out DIR writes DIR/trained.toml"


def untrained(args: argparse.Namespace, cfg: config_mod.Config) -> bool:
    """Whether test or predict runs the config's initial weights: no --weights, and no ``[init] trained = true``."""
    return not args.weights and not cfg.trained


def in_range(values: np.ndarray, source: str, where: str, labels: list[str]) -> np.ndarray:
    """Normalised values, refused where one left float64: far outside a narrow min-max range."""
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = (int(v) for v in bad[0])
        raise InputError(source, where.format(r + 1),
                         f"{labels[c]} is so far outside its min-max range that normalising it overflows float64")
    return values




