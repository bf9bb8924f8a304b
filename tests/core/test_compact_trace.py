"""The compact trace (issue 16): the state stored at keyframes only, every step's rebuilt bit for bit.

A second recorder, :class:`Copies`, rides along with the trace in the same
run: it keeps *every* step the engine makes and copies everything it is
handed (the state each step starts from, the row, the sums, activations,
error signals and loss), so the weights, biases and velocities that follow
a step are the ones the engine handed over at the next step (or holds at the
end).  Every number of every kept step of the compact trace -- in memory,
after a save to .npz and a load, chunk by chunk, and from JSON -- must equal
those copies exactly (np.array_equal, not allclose), for every training
variant and recording policy, with keyframes far apart and close.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import tracer.config.run
from tracer.config import from_mapping, trace_io
from tracer.config.run import record
from tracer.core import trace as T
from tracer.core import update
from tracer.errors import InputError


VARIANTS = {  # every value of every variant key at least once, and momentum's velocity with each bias
    "the document's rule": dict(bias="per-node"),
    "shared bias, momentum": dict(bias="shared", momentum=0.9),
    "no bias, cross-entropy": dict(bias="none", loss="cross-entropy"),
    "frozen biases, momentum": dict(bias="per-node", update_biases=False, momentum=0.5),
    "updated weights, sse, momentum": dict(bias="per-node", hidden_deltas="updated-weights", loss="sse", momentum=0.9),
    "batches of 3, momentum": dict(bias="per-node", batch_size=3, momentum=0.9, loss="mean-squared"),
    "one batch, shared bias": dict(bias="shared", batch_size="all"),
}
POLICIES = ["all", "every:3", "first:7", "last:6", "first:2,every:5,last:4"]
NETWORK = ([3, 4, 3, 2], ["tanh", "sigmoid", "sigmoid"])
EPOCHS, ROWS = 4, 5


def problem(layers, bias, seed, n_rows):
    """Random weights in [-1, 1) (a shared bias one value per layer, none zeros), inputs and targets."""
    rng = np.random.default_rng(seed)
    W = [rng.uniform(-1, 1, size=(n, m)).tolist() for m, n in zip(layers[:-1], layers[1:])]
    B = [[float(rng.uniform(-1, 1))] * n if bias == "shared" else
         [0.0] * n if bias == "none" else rng.uniform(-1, 1, size=n).tolist() for n in layers[1:]]
    X = rng.uniform(-1, 1, size=(n_rows, layers[0])).tolist()
    Z = rng.uniform(0.05, 0.95, size=(n_rows, layers[-1])).tolist()
    return W, B, X, Z


def config(variant: dict):
    layers, acts = NETWORK
    v = dict(variant)
    bias = v.pop("bias")
    W, B, X, Z = problem(layers, bias, 11, n_rows=ROWS)
    return from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts,
                    "bias": bias},
        "training": {"learning_rate": 0.3, "epochs": EPOCHS, "data": [x + z for x, z in zip(X, Z)], **v},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": W[:-1], "hiddenBias": B[:-1], "outputWeights": W[-1],
                 "outputBias": B[-1]},
    })


class Copies:
    """A recorder around another: it keeps every step, copies all it is handed, and passes the kept ones on."""

    def __init__(self, inner):
        self.inner, self.steps, self.final = inner, {}, None

    def schedule(self):
        self.keep = set(self.inner_schedule)
        return iter(range(10**9))

    def begin(self, step, x, z, state):
        self.current = step
        self.steps[step] = {"x": x.copy(), "z": z.copy(), **{name: [a.copy() for a in arrays]
                                                           for name, arrays in state.items()}}
        self.state = state
        if step in self.keep:
            self.bufs = self.inner.begin(step, x, z, state)
        else:  # a batch's rows, or one row
            self.bufs = [tuple(np.empty((*x.shape[:-1], len(b))) for _ in range(3)) for b in state["b"]]
        return self.bufs

    def end(self, loss):
        got = self.steps[self.current]
        r = len(got["x"]) if got["x"].ndim > 1 else None  # a batch: its rows (the trace's buffers may hold more)
        got.update(s=[s[:r].copy() for s, _, _ in self.bufs], a=[a[:r].copy() for _, a, _ in self.bufs],
                   delta=[d[:r].copy() for _, _, d in self.bufs], loss=np.copy(loss))
        if self.current in self.keep:
            self.inner.end(loss)
        return False

    def epoch_done(self, e, loss):
        self.inner.epoch_done(e, loss)

    def close(self):
        # the state after the last step: what the engine holds when the run ends
        self.final = {name: [a.copy() for a in arrays] for name, arrays in self.state.items()}
        self.inner.close()

    def after(self, step):
        """The state the engine had after ``step``'s update."""
        nxt = self.steps.get(step + 1)
        return self.final if nxt is None else {name: nxt[name] for name in self.final}


def run_with_copies(cfg, spec, every, monkeypatch, stream_to=None):
    """The compact trace of ``cfg`` under ``spec``, keyframes every ``every`` steps, and the copies of the same run."""
    monkeypatch.setattr(T, "keyframe_interval", lambda *_: every)
    holder = {}
    real_train = tracer.config.run.train

    def train(net, X, Z, lr, epochs, recorder, *rest):
        copies = Copies(recorder)
        copies.inner_schedule = list(recorder.schedule())
        holder["copies"] = copies
        return real_train(net, X, Z, lr, epochs, copies, *rest)

    monkeypatch.setattr(tracer.config.run, "train", train)
    trace, _ = record(cfg, spec, stream_to=stream_to)
    monkeypatch.setattr(tracer.config.run, "train", real_train)
    return trace, holder["copies"]


def assert_every_number(trace, copies):
    """Each kept step's stored, rebuilt and derived numbers are the engine's, bit for bit."""
    assert trace.n_steps == len(trace.kept) and set(trace.kept.tolist()) == copies.keep
    momentum = trace.variant.momentum != 0
    n_layers = len(trace.layers) - 1
    for k, step in enumerate(trace.kept.tolist()):
        got, after, r = copies.steps[step], copies.after(step), trace.rows_in(k)
        def rows(v):  # a batch's rows, without the padding of a smaller last batch
            return v if trace.rows_per_step == 1 else v[:r]

        assert np.array_equal(rows(trace.x[k]), got["x"]) and np.array_equal(rows(trace.z[k]), got["z"])
        assert np.array_equal(rows(trace.loss[k]), got["loss"])
        one = trace.state(k, k + 1)  # a window, replayed from the nearest keyframe
        updated = trace.updated(k)
        for l in range(n_layers):
            for name in ("s", "a", "delta"):
                assert np.array_equal(rows(getattr(trace, name)[l][k]), got[name][l]), (name, l, step)
            for name in ("w", "b") + (("v_w", "v_b") if momentum else ()):
                assert np.array_equal(getattr(trace, name)[l][k], got[name][l]), (name, l, step)
                assert np.array_equal(one[name][l][0], got[name][l]), (name, l, step)
            assert np.array_equal(trace.w_new(l)[k], after["w"][l]) and np.array_equal(trace.b_new(l)[k], after["b"][l])
            assert np.array_equal(updated[l][0], after["w"][l]) and np.array_equal(updated[l][1], after["b"][l])
            # the gradient: core.update's function on the engine's own error signals and layer input
            inp = got["x"] if l == 0 else got["a"][l - 1]
            want = update.gradient(got["delta"][l], inp) if trace.rows_per_step == 1 else \
                update.batch_gradient(got["delta"][l], inp)
            assert np.array_equal(trace.grad_w(l)[k], want), (l, step)
            if momentum:  # the velocity after the step: the next step's, as the engine left it
                v_new = trace.rule.velocity(trace.v_w[l][k], trace.grad_w(l)[k])
                assert np.array_equal(v_new, after["v_w"][l])


@pytest.mark.parametrize("every", [1, 3, 50])
@pytest.mark.parametrize("spec", POLICIES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_number_of_every_kept_step_is_the_engines(name, spec, every, monkeypatch, tmp_path):
    cfg = config(VARIANTS[name])
    trace, copies = run_with_copies(cfg, spec, every, monkeypatch)
    assert_every_number(trace, copies)
    # the state is stored only where a keyframe is: the first step, each `every`, each kept step after a gap
    kept = trace.kept
    gaps = {0} | {k for k in range(1, len(kept)) if kept[k] != kept[k - 1] + 1}
    assert set(trace.key_at.tolist()) >= gaps and len(trace.key_at) == len(T.keyframe_positions(kept, every))
    assert all(trace.key_at[j + 1] - trace.key_at[j] <= every for j in range(len(trace.key_at) - 1))
    # the same numbers from the JSON trace (every step its own keyframe there) and the .npz, whole and chunked
    (tmp_path / "t.json").write_text(trace.to_json())
    assert_every_number(trace_io.load(tmp_path / "t.json"), copies)
    monkeypatch.setattr(trace_io, "CHUNK", 4)
    monkeypatch.setattr(tracer.config.run, "CHUNK", 4)
    streamed, copies = run_with_copies(cfg, spec, every, monkeypatch, str(tmp_path / "t.npz"))  # the run again, to disk
    assert streamed.n_steps == 0
    loaded = trace_io.load(tmp_path / "t.npz")
    assert_every_number(loaded, copies)
    assert loaded.step_dicts() == trace.step_dicts()
    chunks = list(trace_io.iter_chunks(tmp_path / "t.npz"))
    assert sum(c.n_steps for c in chunks) == trace.n_steps and all(c.key_at[0] == 0 for c in chunks)
    for chunk in chunks:
        copies.keep = set(chunk.kept.tolist())
        assert_every_number(chunk, copies)


def test_a_dense_run_stores_the_weights_once_per_interval():
    """784-128-10: a keyframe every ceil(keyframe / step) steps, so memory per step is O(nodes), not O(weights)."""
    layers, variant = [784, 128, 10], T.DEFAULT
    # by hand: a step holds its index, x 784, z 10, loss 1, and s, a, delta of 128 and of 10 nodes
    step = 8 * (1 + 784 + 10 + 1 + 3 * 128 + 3 * 10)
    key = 8 * (1 + 784 * 128 + 128 + 128 * 10 + 10)
    assert T.step_bytes(layers, variant, 1) == step and T.keyframe_bytes(layers, variant) == key
    every = T.keyframe_interval(layers, variant, 1)
    assert every == -(-key // step) == 85
    per_step = (1000 * step + len(T.keyframe_positions(np.arange(1000), every)) * key) / 1000
    assert per_step < 2.05 * step < key / 40  # about twice a step's own numbers, against every weight each step


def write_v1(path, trace, copies, version=1):
    """A trace file as version 1 wrote it: one chunk, every kept step's state stored, no keyframe array."""
    meta = trace.to_dict(steps=False, epochs=False)
    meta.pop("epochs")
    meta.update(version=version, chunks=1)
    steps = sorted(copies.keep)
    with zipfile.ZipFile(path, "w") as zf:
        def put(name, arr):
            with zf.open(name + ".npy", "w") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arr))
        put("c000000/step", np.array(steps))
        for name in ("x", "z", "loss"):
            put(f"c000000/{name}", [copies.steps[s][name] for s in steps])
        for name in ("w", "b", "s", "a", "delta", "v_w", "v_b"):
            for l in range(len(trace.layers) - 1):
                put(f"c000000/{name}{l}", [copies.steps[s][name][l] for s in steps])
        zf.writestr("meta.json", json.dumps(meta))
        put("epoch_loss", trace.epoch_loss)


def test_a_version_1_npz_still_loads_and_a_newer_one_is_refused(tmp_path, monkeypatch):
    """Version 1 stored every step's state (no keyframe array): each step reads as its own keyframe."""
    trace, copies = run_with_copies(config(VARIANTS["shared bias, momentum"]), "all", 3, monkeypatch)
    write_v1(tmp_path / "v1.npz", trace, copies)
    old = trace_io.load(tmp_path / "v1.npz")
    assert old.n_keys == old.n_steps == trace.n_steps
    assert_every_number(old, copies)
    write_v1(tmp_path / "v3.npz", trace, copies, version=3)
    with pytest.raises(InputError, match="trace version 3; this mlptrace reads versions 1, 2"):
        trace_io.load(tmp_path / "v3.npz")
