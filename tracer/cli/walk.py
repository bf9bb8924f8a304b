"""mlptrace walk: step through one training step's math in the terminal."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import numpy as np

from tracer.render.walk_pager import can_page
from tracer.render.walkthrough import Pager, Walk, build, plain_console, print_all


def _one_step(index: int):
    """A recording policy that keeps step ``index`` only (the trace then holds one step, whatever the run)."""
    from tracer.core.trace import Policy

    @dataclass(frozen=True)
    class OneStep(Policy):
        def steps(self, total: int) -> np.ndarray:
            return np.arange(index, min(index + 1, total), dtype=np.int64)

        def iter_steps(self, total: int):
            return iter(range(index, min(index + 1, total)))

    return OneStep(f"step {index}", ())


def prepare(args: argparse.Namespace, interactive: bool = False) -> Walk:
    """Load the config, check --epoch and --step, and train, keeping the one step to explain."""
    from tracer.cli.common import load_config
    from tracer.config.run import record
    from tracer.errors import InputError, NumericalError

    cfg = load_config(args)
    epoch, step = getattr(args, "epoch", 0) or 0, getattr(args, "step", 0) or 0
    if epoch >= cfg.epochs:
        raise InputError("command line", "--epoch",
                         f"{epoch} is past the last epoch; this config trains epochs 0 to {cfg.epochs - 1}")
    if step >= len(cfg.raw):
        raise InputError("command line", "--step",
                         f"{step} is past the last row; the dataset has rows 0 to {len(cfg.raw) - 1}")
    try:
        trace, _ = record(cfg, _one_step(epoch * len(cfg.raw) + step))
    except NumericalError as exc:
        if exc.trace.n_steps == 0:  # it diverged before the step asked for
            raise
        # The step was recorded before training diverged: explain it, then report the divergence.
        return Walk(cfg, exc.trace, 0, interactive=interactive, stopped=exc)
    return Walk(cfg, trace, 0, interactive=interactive)


def run(args: argparse.Namespace) -> int:
    # Paged at a terminal that can page; printed whole anywhere else (a pipe, --no-pause, no termios).
    interactive = (not args.no_pause and sys.stdin.isatty() and sys.stdout.isatty()
                   and os.environ.get("TERM") != "dumb" and can_page())
    walk = prepare(args, interactive)
    sections = build(walk)
    if interactive:
        from tracer.render.terminal import console

        Pager(sections, console()).run()
    else:
        print_all(plain_console(), sections)
    if walk.stopped is not None:
        raise walk.stopped
    return 0


