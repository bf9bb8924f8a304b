"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def require_tool(name: str) -> str:
    """Path of an external tool; skip without it, but fail in CI (CI is set there)."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI but was not found on PATH")
    pytest.skip(f"{name} is not installed")


def require_module(name: str):
    """An optional Python module (a test-only reference such as torch); skip without it, but fail in CI."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"the Python module {name} is required in CI but cannot be imported")
        pytest.skip(f"the Python module {name} is not installed")


def engine_step(params, acts, x, z, lr=0.1):
    """One step of the engine's own training loop (``tracer.core.engine.train``) on one row, as recorded.

    ``params`` is ``[(W, b), ...]`` hidden layers first; the row is fed as
    given (normalisation "none").  Returns the Trace: ``trace.delta[l][0]``
    and ``trace.grad_w(l)[0]`` are what the engine computed.
    """
    from tracer.config import from_mapping
    from tracer.config.run import record

    cfg = from_mapping({
        "network": {"inputs": len(x), "hidden": [len(b) for _, b in params[:-1]], "outputs": len(z),
                    "activation": list(acts)},
        "training": {"learning_rate": lr, "epochs": 1, "data": [[*map(float, x), *map(float, z)]]},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": [w.tolist() for w, _ in params[:-1]],
                 "hiddenBias": [b.tolist() for _, b in params[:-1]],
                 "outputWeights": params[-1][0].tolist(), "outputBias": params[-1][1].tolist()},
    }, "<engine_step>", ROOT)
    return record(cfg, "all")[0]
