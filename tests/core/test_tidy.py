"""Trace.to_pandas: one row per recorded number, for every trace a user can load (issue 17).

Each frame is checked against the trace's JSON steps (``step_dicts``, the
export every other tool reads) number by number, its length against a count
of the arrays' sizes worked out from the network's shape, and the frames of
the same run saved as JSON, as a chunked .npz and kept in memory against one
another.  pandas is optional: without it, one line says how to install it.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import EXAMPLES, ROOT, require_module
from tracer import config
from tracer.config import from_mapping, trace_io
from tracer.config.run import record

SEED = EXAMPLES / "seed" / "sigmoid.toml"


def variant_config(layers, acts, n_rows=5, epochs=2, seed=3, **variant):
    """A small network trained on random rows under ``variant`` (as tests/core/test_variants.py builds them)."""
    rng = np.random.default_rng(seed)
    bias = variant.pop("bias", "per-node")
    W = [rng.uniform(-1, 1, size=(n, m)).tolist() for m, n in zip(layers[:-1], layers[1:])]
    B = [[float(rng.uniform(-1, 1))] * n if bias == "shared" else
         ([0.0] * n if bias == "none" else rng.uniform(-1, 1, size=n).tolist()) for n in layers[1:]]
    X = rng.uniform(-1, 1, size=(n_rows, layers[0])).tolist()
    Z = rng.uniform(0.05, 0.95, size=(n_rows, layers[-1])).tolist()
    return from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts,
                    "bias": bias},
        "training": {"learning_rate": 0.2, "epochs": epochs, "data": [x + z for x, z in zip(X, Z)], **variant},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": W[:-1], "hiddenBias": B[:-1], "outputWeights": W[-1],
                 "outputBias": B[-1]},
    })


RUNS = {
    "the document's example": lambda: config.load(SEED).replace(epochs=3),
    "batches of 3 rows of 5 (a smaller last batch), momentum, a shared bias":
        lambda: variant_config([3, 4, 2], ["tanh", "sigmoid"], batch_size=3, momentum=0.9, bias="shared"),
    "two hidden layers, softmax and cross-entropy on the full batch, no biases":
        lambda: variant_config([2, 3, 3, 2], ["sigmoid", "relu", "softmax"], loss="cross-entropy", batch_size="all",
                               bias="none", epochs=3),
    "hidden deltas through the updated weights, with momentum":
        lambda: variant_config([3, 4, 2], ["tanh", "sigmoid"], hidden_deltas="updated-weights", momentum=0.5),
}


@pytest.fixture(params=sorted(RUNS))
def trace(request):
    return record(RUNS[request.param](), "all")[0]


def expected_count(trace):
    """How many numbers a trace's kept steps hold, from the network's shape alone.

    Per row of a step: its inputs, targets and loss, and per layer its sums,
    activations and error signals (a node each).  Per step: per layer the
    weights, gradients and new weights (nodes x inputs each) and the biases,
    their gradients and new biases (a node each); with momentum the two
    velocities as well.
    """
    rows = sum(min(trace.rows_per_step, trace.n_rows - int(r)) for r in trace.row)
    steps = trace.n_steps
    per_step_kinds = 3 + (trace.variant.momentum != 0.0)
    n = rows * (trace.layers[0] + trace.layers[-1] + 1)
    for fan_in, nodes in zip(trace.layers[:-1], trace.layers[1:]):
        n += steps * per_step_kinds * (nodes * fan_in + nodes) + rows * 3 * nodes
    return n


def json_value(step, quantity, layer, node, inp, r, batched):
    """The number the JSON step holds for one row of the frame (``r``: the row within a batch step)."""
    source = step if layer is None else step["layers"][layer]
    v = source[quantity]
    if batched and quantity in ("x", "z", "loss", "s", "a", "delta"):
        v = v[r]
    if node is not None:
        v = v[node]
    if inp is not None:
        v = v[inp]
    return v


def test_every_number_of_the_frame_is_the_traces_own(trace):
    pd = require_module("pandas")
    df = trace.to_pandas()
    assert list(df.columns) == ["step", "epoch", "row", "layer", "quantity", "node", "input", "value"]
    assert len(df) == expected_count(trace)
    key = ["step", "row", "layer", "quantity", "node", "input"]
    assert not df.duplicated(key).any()  # so the count and the values below cover every number once
    steps = trace.step_dicts()
    batched = trace.rows_per_step > 1
    for t in df.itertuples(index=False):
        k = int(np.searchsorted(trace.kept, t.step))
        assert trace.kept[k] == t.step and t.epoch == steps[k]["epoch"]
        first = steps[k]["row"]
        def na(v):
            return None if v is pd.NA else int(v)

        want = json_value(steps[k], t.quantity, na(t.layer), na(t.node), na(t.input), t.row - first, batched)
        assert t.value == want or (np.isnan(t.value) and want is None), t
    stepwise = df[df.quantity.isin(["w", "b", "grad_w", "grad_b", "w_new", "b_new", "v_w", "v_b"])]
    assert (stepwise.row.to_numpy() == trace.row[np.searchsorted(trace.kept, stepwise.step)]).all()


def test_the_documents_first_step_reads_off_the_frame():
    require_module("pandas")
    df = record(config.load(SEED), "first:1")[0].to_pandas()

    def value(quantity, layer, node, inp=None):
        sel = (df.quantity == quantity) & (df.layer == layer) & (df.node == node)
        sel &= df.input.isna() if inp is None else (df.input == inp)
        (v,) = df[sel].value
        return v

    # the document's worked step: s_h0 = 0.5(-0.5) + 0.5(-1.0) + 0.5 = -0.25, a_h0 = sigmoid(-0.25) = 0.4378,
    # the output 0.5241; w_h[0][0]'s gradient delta_h0 * x0 = -0.01185 * 0.5 = -0.0059, and its new value
    # -0.5 - 0.1 * (-0.0059228) = -0.49941
    assert value("s", 0, 0) == -0.25 and round(value("a", 0, 0), 4) == 0.4378
    assert round(value("a", 1, 0), 4) == 0.5241
    assert round(value("grad_w", 0, 0, 0), 4) == -0.0059 and round(value("w_new", 0, 0, 0), 4) == -0.4994
    assert round(df[df.quantity == "loss"].value.item(), 5) == 0.07446  # 1/2 (0.91 - 0.5241)^2
    assert df[df.quantity == "loss"].node.isna().all() and df[df.quantity == "x"].layer.isna().all()


@pytest.mark.parametrize("name", ["the document's example",
                                  "batches of 3 rows of 5 (a smaller last batch), momentum, a shared bias"])
def test_json_npz_memory_and_chunks_give_the_same_frame(tmp_path, monkeypatch, name):
    pd = require_module("pandas")
    import tracer.config.run

    monkeypatch.setattr(trace_io, "CHUNK", 4)
    monkeypatch.setattr(tracer.config.run, "CHUNK", 4)
    cfg = RUNS[name]().replace(epochs=5)  # 5 and 10 steps: chunks of 4, the last one partial
    memory, _ = record(cfg, "all")
    (tmp_path / "t.json").write_text(memory.to_json())
    record(cfg, "all", stream_to=str(tmp_path / "t.npz"))
    whole = memory.to_pandas()
    assert len(whole) == expected_count(memory)
    for path in ("t.json", "t.npz"):
        pd.testing.assert_frame_equal(trace_io.load(tmp_path / path).to_pandas(), whole)
    chunks = [c.to_pandas() for c in trace_io.iter_chunks(tmp_path / "t.npz")]
    assert len(chunks) > 1
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_a_trace_that_kept_no_step_is_an_empty_frame():
    require_module("pandas")
    trace, _ = record(config.load(SEED).replace(epochs=3), "epochs")
    df = trace.to_pandas()
    assert len(df) == 0 and list(df.columns) == ["step", "epoch", "row", "layer", "quantity", "node", "input", "value"]


def test_some_kept_steps_name_their_place_in_the_run():
    require_module("pandas")
    # four rows, 5 epochs, every 3rd step: steps 0, 3, 6, ... at epoch step // 4, row step % 4
    trace, _ = record(config.load(EXAMPLES / "seed" / "four-rows.toml").replace(epochs=5), "every:3")
    df = trace.to_pandas()
    assert sorted(set(df.step)) == list(range(0, 20, 3))
    assert (df.epoch == df.step // 4).all() and (df.row == df.step % 4).all()


def test_without_pandas_one_line_says_how_to_install_it():
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # an import of pandas now fails as if it were not installed
        "from tracer import config\n"
        "from tracer.config.run import record\n"
        "from tracer.errors import InputError\n"
        "trace, _ = record(config.load(None), 'first:1')\n"
        "try:\n"
        "    trace.to_pandas()\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert r.stdout == "Trace.to_pandas: pandas is not installed; pip install 'mlptrace[pandas]'\n"


def test_the_trace_never_imports_pandas_until_asked():
    code = ("import sys\nfrom tracer.config.run import record\nfrom tracer import config\n"
            "trace, _ = record(config.load(None), 'first:1'); repr(trace); trace.to_json()\n"
            "print('pandas' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout == "False\n", r.stderr



# --------------------------------------------------------------------------
# the summary a notebook or a REPL shows instead of the arrays

def numbers_in(text):
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text.replace(",", ""))]


def test_the_summary_reads_its_numbers_off_the_arrays():
    trace, _ = record(config.load(SEED).replace(epochs=40), "first:3,last:2")
    rows = dict(trace.summary())
    assert rows["layers"] == "2-3-1" and rows["inputs"] == "i0, i1" and rows["outputs"] == "z0"
    assert rows["activations"] == "sigmoid, sigmoid" and rows["variant"] == "the document's rule"
    assert numbers_in(rows["steps kept"]) == [len(trace.kept), 40]  # one row, so one step per epoch
    assert numbers_in(rows["epochs"]) == [40]
    first, _, last, _, after = numbers_in(rows["mean loss"])  # "L0 in epoch 0, L39 in epoch 39, L after training"
    # three significant digits of each: the document's 0.07446 for the first epoch
    assert first == 0.0745 and abs(last - trace.epoch_loss[39]) <= 5e-3 * trace.epoch_loss[39]
    assert abs(after - trace.final_loss) <= 5e-3 * trace.final_loss and after < last < first
    assert "in epoch 39" in rows["mean loss"]


def test_the_summary_names_the_variant_and_a_batch_runs_steps():
    trace, _ = record(RUNS["batches of 3 rows of 5 (a smaller last batch), momentum, a shared bias"](), "all")
    rows = dict(trace.summary())
    assert rows["variant"] == 'bias = "shared", batch_size = 3, momentum = 0.9'
    # 5 rows in batches of 3: two updates per epoch, 2 epochs
    assert numbers_in(rows["steps kept"]) == [4, 4] and numbers_in(rows["training"])[1] == 5


def test_the_summary_of_a_trace_that_kept_no_step_or_stopped_early():
    trace, _ = record(config.load(SEED).replace(epochs=3), "epochs")
    assert "kept no step" in dict(trace.summary())["steps kept"]
    trace.epoch_loss[2:] = np.nan  # as a run stopped after two epochs leaves it
    trace.stopped = "interrupted after epoch 1"
    rows = dict(trace.summary())
    assert numbers_in(rows["epochs"]) == [2, 3] and rows["stopped"] == "interrupted after epoch 1"


def test_the_repr_is_the_summary_with_every_character_visible():
    trace, _ = record(config.load(SEED), "first:1")
    trace.input_labels = ["sleep\x1b[31m", "study"]  # a JSON trace's labels are whatever its file holds
    text = repr(trace)
    assert text.splitlines()[0] == "mlptrace Trace" and len(text.splitlines()) == len(trace.summary()) + 1
    assert "\x1b" not in text and "sleep\\x1b[31m, study" in text
    assert "array(" not in text and len(text) < 1000  # not the dataclass's dump of every array


def test_the_summary_cuts_a_wide_networks_labels_short():
    trace, _ = record(config.load(EXAMPLES / "wide" / "wide.toml").replace(epochs=1), "first:1")
    assert trace.layers[0] == 10  # ten inputs: the first eight are named, then how many in all
    assert dict(trace.summary())["inputs"] == ", ".join(trace.input_labels[:8]) + ", … (10 in all)"
