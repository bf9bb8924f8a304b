"""The recorder protocol: the engine hands each kept step to any recorder, and the field table sizes a trace."""

from __future__ import annotations

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.config.run import record
from tracer.core.engine import MLP, train
from tracer.core.trace import FIELDS, Trace, fields_of, keyframe_bytes, keyframe_interval, step_bytes
from tracer.core.variant import Variant

from conftest import EXAMPLES

FOUR = EXAMPLES / "seed" / "four-rows.toml"


class Notebook:
    """A recorder that is not a Trace: it writes down what it is handed, in the order it is handed."""

    def __init__(self, keep, layers):
        self.keep, self.layers, self.calls, self.steps = keep, layers, [], []

    def schedule(self):
        return iter(self.keep)

    def begin(self, step, x, z, state):
        self.calls.append(("begin", step))
        self.current = {"step": step, "x": x.copy(), "w": [w.copy() for w in state["w"]]}
        self.bufs = [(np.empty(n), np.empty(n), np.empty(n)) for n in self.layers[1:]]
        return self.bufs

    def end(self, loss):
        self.calls.append(("end", self.current["step"]))
        self.current.update(loss=loss, delta=[d.copy() for _, _, d in self.bufs])
        self.steps.append(self.current)
        return False

    def epoch_done(self, e, loss):
        self.calls.append(("epoch", e))

    def close(self):
        self.calls.append(("close",))


def test_any_recorder_gets_the_kept_steps_the_trace_gets():
    cfg = config.load(FOUR).replace(epochs=3)  # 12 steps
    trace, _ = record(cfg, "all")
    X, Z = cfg.training_data()
    book = Notebook([1, 5, 11], cfg.layers)
    train(MLP(cfg.initial_params(), cfg.activations), X, Z, cfg.learning_rate, cfg.epochs, book)
    assert [c for c in book.calls if c[0] != "epoch"] == [("begin", 1), ("end", 1), ("begin", 5), ("end", 5),
                                                          ("begin", 11), ("end", 11), ("close",)]
    assert [c[1] for c in book.calls if c[0] == "epoch"] == [0, 1, 2]
    for got in book.steps:
        k = got["step"]
        assert np.array_equal(got["x"], trace.x[k]) and got["loss"] == trace.loss[k]
        for l in range(2):
            assert np.array_equal(got["w"][l], trace.w[l][k])
            assert np.array_equal(got["delta"][l], trace.delta[l][k])


def test_a_stopped_run_drops_the_step_it_began():
    cfg = config.load(FOUR).replace(epochs=3)
    X, Z = cfg.training_data()
    trace = Trace(layers=cfg.layers, activations=cfg.activations, learning_rate=cfg.learning_rate,
                  input_labels=cfg.input_labels, output_labels=cfg.output_labels, minmax={}, method=cfg.method,
                  n_rows=4, epochs=3, kept=np.arange(12))
    net = MLP(cfg.initial_params(), cfg.activations)
    net.W[1][0, 0] = np.nan  # the loss of the first row is not finite: that step never ends
    with pytest.raises(Exception, match="the loss is"):
        train(net, X, Z, cfg.learning_rate, 3, trace)
    assert trace.n_steps == 0 and all(len(w) == 0 for w in trace.w)


@pytest.mark.parametrize("variant,rows", [(Variant(), 1), (Variant(momentum=0.9), 1),
                                          (Variant(batch_size=3), 3), (Variant(batch_size="all", momentum=0.5), 4)])
def test_the_field_table_sizes_the_trace(variant, rows):
    layers = [3, 4, 2, 2]
    trace = Trace(layers=layers, activations=["sigmoid"] * 3, learning_rate=0.1, input_labels=["a", "b", "c"],
                  output_labels=["y", "z"], minmax={}, method="none", n_rows=4, epochs=1, kept=np.arange(5),
                  variant=variant)
    # room for every step, and for the keyframes of five consecutive steps (every keyframe_every-th)
    trace.key_at[:] = range(0, 5, trace.keyframe_every)
    trace.n_keys = len(trace.key_at)
    held = trace.kept.nbytes + sum(arr.nbytes for _, arr in trace.per_field(5))
    every = keyframe_interval(layers, variant, rows)
    assert trace.keyframe_every == every and len(trace.key_at) == len(range(0, 5, every))
    assert held == 5 * step_bytes(layers, variant, rows) + len(trace.key_at) * keyframe_bytes(layers, variant)
    # by hand for the document's rule: a step's index 1, x 3, z 2, loss 1, per layer s + a + delta; a
    # keyframe's position 1 and per layer w + b; so a keyframe every ceil(264 / 248) = 2 steps
    if variant == Variant():
        assert step_bytes(layers, variant, 1) == 8 * (1 + 3 + 2 + 1 + 4 * 3 + 2 * 3 + 2 * 3)
        assert keyframe_bytes(layers, variant) == 8 * (1 + (12 + 4) + (8 + 2) + (4 + 2))
        assert every == 2
    names = {f.name for f in fields_of(variant)}
    assert ("v_w" in names) == (variant.momentum != 0) and names <= {f.name for f in FIELDS}
    if rows > 1:
        assert trace.x.shape == (5, rows, 3) and trace.s[0].shape == (5, rows, 4) and trace.keys["w"][0].shape[1:] == (4, 3)
