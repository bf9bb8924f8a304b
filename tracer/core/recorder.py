"""How the engine hands each step to what records it.

The engine trains and knows nothing of storage; a recorder decides which
steps it keeps and where their numbers go.  One step is one update (one
row, or one batch of rows).  The engine calls, in this order:

``schedule()``
    once: the indices of the steps to keep, ascending.
``begin(step, x, z, state)``
    when a kept step starts: ``x`` and ``z`` are its row (or its batch's
    rows), ``state`` maps a field name (``w``, ``b``, and with momentum
    ``v_w``, ``v_b``) to the live per-layer arrays the step starts from,
    which the recorder copies.  Returns, per layer, the ``(s, a, delta)``
    buffers the engine computes the step's sums, activations and error
    signals into (a batch's: one row per row of the batch).
``end(loss)``
    the begun step is complete, with its loss (a batch's: per row).
``epoch_done(e, loss)``
    every epoch, kept steps or not: its mean loss.
``close()``
    the run ended or stopped between two steps; a begun but unfinished
    step is dropped.

:class:`tracer.core.trace.Trace` is the in-memory recorder.  :class:`Chunks`
keeps the memory flat for any run: it fills a Trace of a few thousand
steps and hands each full one to a sink (the .npz writer, say).  A compact
trace or another store implements the same five calls.
"""

from __future__ import annotations

from typing import Callable, Iterator, Protocol

import numpy as np

__all__ = ["Recorder", "Chunks"]


class Recorder(Protocol):
    def schedule(self) -> Iterator[int]: ...

    def begin(self, step: int, x: np.ndarray, z: np.ndarray, state: dict[str, list[np.ndarray]]) -> list[tuple]: ...

    def end(self, loss: float | np.ndarray) -> bool: ...

    def epoch_done(self, e: int, loss: float) -> None: ...

    def close(self) -> None: ...


class Chunks:
    """A recorder that fills ``buffer`` (a Trace of the chunk's size) and hands each full one to ``sink(buffer, n)``.

    Full means its steps, or its keyframes (a sparse policy keyframes
    every kept step whose predecessor was not kept), are all used.

    ``steps`` yields the steps to keep (lazily: a policy over a billion
    steps never becomes a list).  After :meth:`close` the buffer holds no
    step and every kept one has gone to the sink.
    """

    def __init__(self, buffer, steps: Iterator[int], sink: Callable[[object, int], None]):
        self.buffer, self.steps, self.sink = buffer, steps, sink

    def schedule(self) -> Iterator[int]:
        return self.steps

    def begin(self, step: int, x: np.ndarray, z: np.ndarray, state: dict[str, list[np.ndarray]]) -> list[tuple]:
        return self.buffer.begin(step, x, z, state)

    def end(self, loss: float | np.ndarray) -> bool:
        if self.buffer.end(loss):
            self._spill()
        return False

    def epoch_done(self, e: int, loss: float) -> None:
        self.buffer.epoch_done(e, loss)

    def _spill(self) -> None:
        n = self.buffer.filled
        if n:
            self.sink(self.buffer, n)
        self.buffer.clear()  # the next chunk starts at a keyframe: each chunk can be read on its own

    def close(self) -> None:
        self._spill()
        self.buffer.truncate(0)
