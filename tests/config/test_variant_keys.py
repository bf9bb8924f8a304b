"""The training-variant keys (issue 13): bad values and forbidden combinations are one line of bad input.

Cases of the bad-input catalogue (tests/badinput.py's harness): each runs the
real command on a copy of the seed example with one change, and must exit 2
with one line naming the file and the key, leaving every file as it was.
Then what the keys accept: one bias value per layer, and a variant's trace.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from badinput import SEED, run, run_bad_input, seed_with
from tracer.config import from_mapping, schema
from tracer.config.run import record

from conftest import EXAMPLES


def training(line: str, config: str = SEED) -> str:
    """The seed's config with ``line`` added to [training]."""
    return config.replace('loss = "mse"\n', f'loss = "mse"\n{line}\n')


def network(line: str, config: str = SEED) -> str:
    return config.replace('activation = "sigmoid"\n', f'activation = "sigmoid"\n{line}\n')


FOUR_ROWS = seed_with('dataset = "dataset.csv"', 'dataset = "four-rows.csv"')
WEIGHTS = json.loads((EXAMPLES / "seed" / "init-weights-biases.json").read_text())


def weights(**changes) -> str:
    return json.dumps({**WEIGHTS, **changes})


CASES = [
    # --- network.bias and softmax
    ("bias unknown", {"c.toml": network('bias = "both"')}, ["network.bias", "both", "per-node, shared, none"]),
    ("bias not a string", {"c.toml": network("bias = 1")}, ["network.bias", "1"]),
    ("softmax in a hidden layer", {"c.toml": seed_with('activation = "sigmoid"', 'activation = ["softmax", "sigmoid"]')},
     ["network.activation[0]", "softmax", "output layer only"]),
    ("softmax for every layer", {"c.toml": seed_with('activation = "sigmoid"', 'activation = "softmax"')},
     ["network.activation", "softmax", "output layer only"]),
    ("unknown activation lists softmax", {"c.toml": seed_with('activation = "sigmoid"', 'activation = ["sigmoid", "gelu"]')},
     ["network.activation[1]", "gelu", "softmax"]),
    # --- training.loss
    ("cross-entropy with tanh outputs", {"c.toml": training("", seed_with('activation = "sigmoid"', 'activation = "tanh"')
                                                            .replace('loss = "mse"', 'loss = "cross-entropy"'))},
     ["training.loss", "cross-entropy", "tanh", "sigmoid or softmax"]),
    ("cross-entropy with linear outputs", {"c.toml": seed_with('activation = "sigmoid"', 'activation = ["sigmoid", "linear"]')
                                           .replace('loss = "mse"', 'loss = "cross-entropy"')},
     ["training.loss", "linear", "network.activation[1]"]),
    ("loss not a string", {"c.toml": seed_with('loss = "mse"', "loss = 2")}, ["training.loss", "mse, sse, mean-squared, cross-entropy"]),
    # --- training.update_biases
    ("update_biases a string", {"c.toml": training('update_biases = "no"')}, ["training.update_biases", "true or false"]),
    ("update_biases a number", {"c.toml": training("update_biases = 0")}, ["training.update_biases", "0"]),
    # --- training.hidden_deltas
    ("hidden_deltas unknown", {"c.toml": training('hidden_deltas = "new-weights"')},
     ["training.hidden_deltas", "new-weights", "old-weights, updated-weights"]),
    ("updated-weights with batches", {"c.toml": training('hidden_deltas = "updated-weights"\nbatch_size = 2', FOUR_ROWS)},
     ["training.hidden_deltas", "batch_size = 1", "2"]),
    ("updated-weights with the full batch", {"c.toml": training('hidden_deltas = "updated-weights"\nbatch_size = "all"', FOUR_ROWS)},
     ["training.hidden_deltas", "all"]),
    # --- training.batch_size
    ("batch_size zero", {"c.toml": training("batch_size = 0")}, ["training.batch_size", "at least 1", "0"]),
    ("batch_size negative", {"c.toml": training("batch_size = -3")}, ["training.batch_size", "-3"]),
    ("batch_size a fraction", {"c.toml": training("batch_size = 2.5")}, ["training.batch_size", "2.5"]),
    ("batch_size a word", {"c.toml": training('batch_size = "half"')}, ["training.batch_size", "half", '"all"']),
    ("batch_size a boolean", {"c.toml": training("batch_size = true")}, ["training.batch_size", "true"]),
    # --- training.momentum
    ("momentum one", {"c.toml": training("momentum = 1.0")}, ["training.momentum", "below 1", "1"]),
    ("momentum negative", {"c.toml": training("momentum = -0.1")}, ["training.momentum", "-0.1"]),
    ("momentum a string", {"c.toml": training('momentum = "high"')}, ["training.momentum", "finite number", "high"]),
    ("momentum infinite", {"c.toml": training("momentum = inf")}, ["training.momentum", "finite number"]),
    # --- biases a variant constrains, in a weights file and inline
    ("shared bias file with unequal values",
     {"w.json": weights(hiddenBias=[[0.5, 0.4, 0.5]]),
      "c.toml": network('bias = "shared"', seed_with('file = "init-weights-biases.json"', 'file = "w.json"'))},
     ["w.json", "hiddenBias[0]", "shared", "0.5 and 0.4"]),
    ("shared bias file with two values of three",
     {"w.json": weights(hiddenBias=[[0.5, 0.5]]),
      "c.toml": network('bias = "shared"', seed_with('file = "init-weights-biases.json"', 'file = "w.json"'))},
     ["w.json", "hiddenBias[0]", "expected 3 entries, found 2"]),
    ("no bias but the file has one",
     {"c.toml": network('bias = "none"')}, ["init-weights-biases.json", "hiddenBias[0]", "none", "0.5"]),
]


@pytest.mark.parametrize("name,files,words", CASES, ids=[c[0] for c in CASES])
def test_bad_variant_key(tmp_path, name, files, words):
    # the line names the file at fault: the config, or the weights file a case names first
    source = words[0] if words[0].endswith(".json") else "c.toml"
    line = run_bad_input(tmp_path, files, ["train", "c.toml"], words)
    assert line.startswith(f"mlptrace: error: {source}: "), line


SHARED = network('bias = "shared"')


@pytest.mark.parametrize("command", [["report", "c.toml"], ["walk", "c.toml", "--no-pause"], ["check", "c.toml"]])
@pytest.mark.parametrize("change,key", [
    (SHARED, "network.bias"),
    (training("momentum = 0.9"), "training.momentum"),
    (training("batch_size = 2", FOUR_ROWS), "training.batch_size"),
    (seed_with('activation = "sigmoid"', 'activation = ["sigmoid", "softmax"]'), "network.activation[1]"),
    (seed_with('loss = "mse"', 'loss = "sse"'), "training.loss"),
    (training('hidden_deltas = "updated-weights"'), "training.hidden_deltas"),
])
def test_commands_that_explain_refuse_a_variant_they_do_not_explain_yet(tmp_path, command, change, key):
    # what a command explains is tested where it explains it (tests/explain/test_variant_explanations.py)
    name = key.split(".")[1].split("[")[0]
    if name in schema.EXPLAINED_KEYS[command[0]] or (name == "activation" and command[0] in schema.EXPLAINS_SOFTMAX):
        pytest.skip(f"{command[0]} explains {key}")
    line = run_bad_input(tmp_path, {"c.toml": change}, command, ["c.toml", key, f"{command[0]} does not explain"])
    assert "yet" in line and "mlptrace train" in line


def test_a_variant_config_trains_from_the_command_line(tmp_path):
    """The keys at work through the real command: shared frozen biases, sse, momentum, batches of 3 of 4 rows."""
    from badinput import lay_out

    config = training('update_biases = false\nmomentum = 0.5\nbatch_size = 3', network('bias = "shared"', FOUR_ROWS))
    lay_out(tmp_path, {"c.toml": config.replace('loss = "mse"', 'loss = "sse"')})
    r = run(tmp_path, ["train", "c.toml", "--epochs", "5", "--out", "o", "--trace", "t.json"])
    assert r.returncode == 0, r.stderr
    trace = json.loads((tmp_path / "t.json").read_text())
    assert trace["network"]["bias"] == "shared" and trace["network"]["loss"] == "sse"
    assert trace["training"] == {"update_biases": False, "hidden_deltas": "old-weights", "batch_size": 3, "momentum": 0.5}
    assert [(s["epoch"], s["row"], s["rows"]) for s in trace["steps"][:3]] == [(0, 0, 3), (0, 3, 1), (1, 0, 3)]
    saved = json.loads((tmp_path / "o" / "trained-weights-biases.json").read_text())
    assert saved["hiddenBias"] == [[0.5, 0.5, 0.5]] and saved["outputBias"] == [0.5]  # frozen, one value per node


def test_one_bias_value_per_layer_is_spread_over_its_nodes(tmp_path):
    base = {"network": {"inputs": 2, "hidden": [3], "outputs": 2, "bias": "shared"},
            "training": {"data": [[0.1, 0.2, 0.3, 0.4]]}, "normalize": {"method": "none"}}
    one = from_mapping({**base, "init": {"method": "inline", "hiddenWeights": [[[0.1, 0.2]] * 3], "hiddenBias": [[0.35]],
                                         "outputWeights": [[0.1, 0.2, 0.3]] * 2, "outputBias": [0.6]}})
    assert one.init_params[0][1].tolist() == [0.35] * 3 and one.init_params[1][1].tolist() == [0.6, 0.6]
    seeded = from_mapping({**base, "init": {"method": "random", "seed": 4}})
    per_node = from_mapping({**base, "network": {**base["network"], "bias": "per-node"}, "init": {"method": "random", "seed": 4}})
    (w, b), (w0, b0) = seeded.initial_params()[0], per_node.initial_params()[0]
    assert np.array_equal(w, w0) and b.tolist() == [b0[0]] * 3  # the same draws; the layer's first bias for all
    none = from_mapping({**base, "network": {**base["network"], "bias": "none"}, "init": {"method": "random", "seed": 4}})
    assert all(not b.any() for _, b in none.initial_params())
    trace, net = record(none.replace(epochs=3))
    assert all(not b.any() for b in net.b) and not trace.grad_b(0).any()


def test_the_explaining_commands_take_the_documents_rule_spelled_out():
    cfg = from_mapping({"network": {"inputs": 1, "hidden": [], "outputs": 1, "bias": "per-node"},
                        "training": {"data": [[0.1, 0.2]], "loss": "mse", "update_biases": True,
                                     "hidden_deltas": "old-weights", "batch_size": 1, "momentum": 0}})
    schema.check_explainable(cfg, "report")  # no error: every key at the document's value
