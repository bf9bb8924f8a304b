"""Put a config through the engine: the one path from settings to a trace."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .config import Config
from .engine import MLP, train
from .errors import NumericalError
from .trace import Policy, Trace, parse_policy

__all__ = ["record"]


def record(
    config: Config,
    policy: Policy | str = "all",
    on_epoch: Callable[[int, float], None] | None = None,
) -> tuple[Trace, MLP]:
    """Train ``config`` and return its trace (the steps ``policy`` keeps) and the trained network.

    On a NumericalError the trace is returned through the exception's
    ``trace`` attribute, with the network's last finite weights.
    """
    if isinstance(policy, str):
        policy = parse_policy(policy)
    X, Z = config.training_data()
    params = config.initial_params()
    net = MLP(params, config.activations)
    mm = config.minmax()
    trace = Trace(
        layers=config.layers,
        activations=list(config.activations),
        learning_rate=config.learning_rate,
        loss_name=config.loss,
        input_labels=list(config.input_labels),
        output_labels=list(config.output_labels),
        minmax=mm.to_mapping(config.n_in, config.n_out),
        method=config.method,
        n_rows=len(X),
        epochs=config.epochs,
        kept=policy.steps(config.epochs * len(X)),
        initial=[(w.copy(), b.copy()) for w, b in params],
        seed=config.seed if config.init_method == "random" else None,
    )
    try:
        train(net, X, Z, config.learning_rate, config.epochs, trace, on_epoch)
    except NumericalError as exc:
        trace.stopped = str(exc)
        trace.final = net.params
        exc.trace, exc.net = trace, net
        raise
    trace.final = net.params
    trace.final_loss = float(np.mean(net.losses(X, Z)))
    return trace, net
