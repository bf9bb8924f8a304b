"""Put a config through the engine: the one path from settings to a trace."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tracer.config.schema import Config, as_config
from tracer.core.engine import MLP, train
from tracer.core.recorder import Chunks
from tracer.errors import InputError, Interrupted, NumericalError
from tracer.config.trace_io import CHUNK, NpzWriter
from tracer.core.trace import (Policy, Trace, keyframe_bytes, keyframe_interval, keyframe_positions, parse_policy,
                               step_bytes)

__all__ = ["record", "MEMORY_LIMIT"]

MEMORY_LIMIT = 4 * 2**30  # bytes of kept steps a trace may hold in memory


def record(
    config: Config,
    policy: Policy | str = "all",
    on_epoch: Callable[[int, float], None] | None = None,
    stream_to: str | None = None,
    stop: list[bool] | None = None,
    outputs: Any = None,
) -> tuple[Trace, MLP]:
    """Train ``config`` and return its trace (the steps ``policy`` keeps) and the trained network.

    With ``stream_to`` (a ``.npz`` path) the kept steps go to that file a
    chunk at a time and the returned trace holds none of them: memory stays
    flat however long the run.  ``outputs`` (a :class:`tracer.config.files.Outputs`)
    holds that file's temporary until the command commits all its outputs;
    without it the file is renamed into place when the run ends.

    On a NumericalError or an Interrupted (``stop[0]`` set by a signal
    handler) the trace and the network so far travel on the exception as
    ``trace`` and ``net``.  Kept steps that would take more than
    ``MEMORY_LIMIT`` bytes in memory are refused first, with an InputError.
    """
    config = as_config(config)  # a path or a mapping, too
    if isinstance(policy, str):
        policy = parse_policy(policy)
    variant = config.variant
    total = config.epochs * variant.steps_per_epoch(len(config.raw))  # one step per update
    kept = None
    if not stream_to:
        _check_memory(config, policy.most_steps(total))  # before building the list of steps
        kept = policy.steps(total)
        _check_memory(config, len(kept), len(keyframe_positions(kept, _interval(config))))
    X, Z = config.training_data()
    params = config.initial_params()
    net = MLP(params, config.activations, variant.loss)
    mm = config.minmax()
    trace = Trace(
        layers=config.layers,
        activations=list(config.activations),
        learning_rate=config.learning_rate,
        input_labels=list(config.input_labels),
        output_labels=list(config.output_labels),
        minmax=mm.to_mapping(config.n_in, config.n_out),
        method=config.method,
        n_rows=len(X),
        epochs=config.epochs,
        # a chunk's buffer: room for a dense run's keyframes (a sparse policy's chunk ends when they are full)
        kept=np.arange(CHUNK, dtype=np.int64) if stream_to else kept,
        initial=[(w.copy(), b.copy()) for w, b in params],
        seed=config.seed if config.init_method == "random" else None,
        variant=variant,
    )
    writer, recorder = None, trace
    if stream_to:
        writer = NpzWriter(stream_to, outputs)
        recorder = Chunks(trace, policy.iter_steps(total), writer)
    try:
        try:
            train(net, X, Z, config.learning_rate, config.epochs, recorder, on_epoch, stop, variant)
        except (NumericalError, Interrupted) as exc:
            trace.stopped = str(exc)
            trace.final = net.params
            if writer:
                writer.close(trace)  # what was trained so far is kept
            exc.trace, exc.net = trace, net
            raise
        trace.final = net.params
        trace.final_loss = float(np.mean(net.losses(X, Z)))
        if writer:
            writer.close(trace)
    except (NumericalError, Interrupted):
        raise
    except BaseException:  # an error, a full disk, SIGTERM: no partial trace is left
        if writer:
            writer.abort()
        raise
    return trace, net


def _interval(config: Config) -> int:
    return keyframe_interval(config.layers, config.variant, config.variant.rows_per_batch(len(config.raw)))


def _check_memory(config: Config, kept: int, keyframes: int | None = None) -> None:
    """Refuse a recording that would not fit in memory, before anything is allocated.

    Without the count of keyframes (before the steps are listed), as few
    as a dense run's.
    """
    per_step = step_bytes(config.layers, config.variant, config.variant.rows_per_batch(len(config.raw)))
    if keyframes is None:
        keyframes = -(-kept // _interval(config))
    need = kept * per_step + keyframes * keyframe_bytes(config.layers, config.variant)
    if need > MEMORY_LIMIT:
        raise InputError(
            "command line", "",
            f"keeping {kept:,} steps in memory would take {need / 2**30:,.1f} GiB (at most {MEMORY_LIMIT // 2**30} GiB); "
            "keep fewer with --record (every:N, first:K, last:K) or stream them to disk with --trace FILE.npz")
