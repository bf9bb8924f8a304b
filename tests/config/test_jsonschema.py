"""`mlptrace schema` (issue 17): a JSON Schema of the config, kept equal to what the loader accepts.

Both ways: every example config and every config of the bad-input
catalogue (the CASES of tests/cli/test_bad_input.py, test_hardening_inputs.py
and tests/config/test_variant_keys.py), then configs hypothesis draws from
the schema's vocabulary, are loaded by the loader and validated by the
schema, and the two verdicts must agree.  Where the loader's verdict rests on
something a JSON Schema cannot see, CANNOT_JUDGE names the case and why; the
schema must then accept it (so a case the schema learns to judge leaves the
list), and an error in another file the config names (a CSV, a weights or
min-max file) must leave the config's own text valid.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from badinput import lay_out, run, run_bad_input
from conftest import EXAMPLES, ROOT
from tracer.config import files, from_mapping, load
from tracer.config.jsonschema import DEFAULTS, DESCRIPTIONS, config_schema, schema_text
from tracer.config.schema import SCHEMA
from tracer.core.activations import ACTIVATIONS, OUTPUT_ONLY
from tracer.core.dataset import METHODS
from tracer.core.losses import CROSS_ENTROPY_OUTPUTS
from tracer.core.variant import BIASES, HIDDEN_DELTAS, LOSSES
from tracer.errors import InputError

SCHEMA_FILE = EXAMPLES / "mlptrace.schema.json"
VALIDATOR = jsonschema.Draft7Validator(config_schema())
CONFIG_COMMANDS = ("train", "report", "walk", "check", "test", "predict")
FLAGS = ("--no-pause", "--full", "--no-figures")  # options that take no value


def _catalogue_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"_catalogue_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue() -> list[tuple[str, dict[str, Any], str]]:
    """(case name, files, the config's file name) for each catalogue case whose command reads a config the case writes."""
    out = []
    for rel in ("cli/test_bad_input.py", "cli/test_hardening_inputs.py", "config/test_variant_keys.py"):
        for case in _catalogue_module(ROOT / "tests" / rel).CASES:
            name, case_files = case[0], case[1]
            argv = case[2] if len(case) == 4 else ["train", "c.toml"]  # test_variant_keys runs every case so
            if argv[0] not in CONFIG_COMMANDS:
                continue
            # the config is a positional: after the command or a flag, never an option's value (--weights w.json)
            names = [a for i, a in enumerate(argv[1:], 1) if a in case_files and a.endswith((".toml", ".json"))
                     and (i == 1 or argv[i - 1] in FLAGS)]
            if names:
                out.append((name, case_files, names[0]))
    return out


CASES = catalogue()

# The catalogue's configs whose own text the loader refuses where JSON Schema cannot follow.
CANNOT_JUDGE = {
    "inline row of the wrong length": "a row's length against the network's inputs plus outputs compares two keys' sizes",
    "inline weights of the wrong shape": "inline weights' shapes against the network compare several keys' sizes",
    "inline column whose range overflows": "max - min of a column is arithmetic on the rows' values",
    "toml nan learning rate": "NaN is no JSON number, so no JSON Schema keyword names it",
    "network beyond the limit": "the weights and biases are a product of layer sizes; JSON Schema cannot multiply",
    "softmax in a hidden layer": "softmax is the last item's alone; JSON Schema has no 'last item' of a list of any length",
    "cross-entropy with linear outputs": "the output layer is the activation list's last item (as above)",
    "config beyond its size limit": "the file's size in bytes is not its keys' values",
    "json config with a duplicate key": "a key given twice: the parsed object holds one value",
    "json duplicate key deep inside": "a key given twice: the parsed object holds one value",
    "updated-weights with batches": "whether a batch holds several rows depends on the CSV's row count",
    "updated-weights with the full batch": "whether a batch holds several rows depends on the CSV's row count",
}


def parse(path: Path) -> Any:
    """The config as a standard reader (an editor) parses it; None for a file that is not TOML or JSON at all."""
    try:
        text = path.read_bytes().decode("utf-8")
        if path.suffix == ".json":
            return json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        return tomllib.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):  # TOMLDecodeError and JSONDecodeError are ValueErrors
        return None


def loader_verdict(path: Path) -> InputError | None:
    try:
        load(path.name)
    except InputError as exc:
        return exc
    return None


def of_config(exc: InputError, name: str) -> bool:
    """Whether the error is about the config's own text (also its inline data, "c.toml (training.data)")."""
    return exc.source == name or exc.source.startswith(f"{name} (")


def schema_errors(instance: Any) -> list[str]:
    # the first few, lazily: validating all of a million-layer list takes a minute
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in itertools.islice(VALIDATOR.iter_errors(instance), 5)]


# ---------------------------------------------------------------- the command and its file


def test_the_schema_is_draft_7_and_the_shipped_file_is_what_the_command_prints(tmp_path):
    jsonschema.Draft7Validator.check_schema(config_schema())
    r = run(tmp_path, ["schema"])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout == SCHEMA_FILE.read_text() == schema_text()  # regenerate: mlptrace schema -o examples/mlptrace.schema.json
    assert r.stdout.endswith("}\n") and r.stdout.startswith('{\n  "$schema": "http://json-schema.org/draft-07/schema#",')


def test_schema_o_writes_the_file_and_says_so(tmp_path):
    r = run(tmp_path, ["schema", "-o", "s.json"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "saved s.json\n" and (tmp_path / "s.json").read_text() == SCHEMA_FILE.read_text()


@pytest.mark.parametrize("argv,words", [
    (["schema", "-o", "s.toml"], ["s.toml", "-o", "unknown extension '.toml'", ".json"]),
    (["schema", "-o", "dataset.csv/s.json"], ["dataset.csv/s.json", "is a file, not a directory"]),
    (["schema", "-o", ""], ["command line", "--output", "empty name"]),
])
def test_schema_o_refuses_bad_output_paths(tmp_path, argv, words):
    run_bad_input(tmp_path, {}, argv, words)


def test_every_key_the_loader_knows_has_a_description_and_nothing_else_is_allowed():
    sections = config_schema()["properties"]
    assert list(sections) == list(SCHEMA)
    for section, keys in SCHEMA.items():
        assert sections[section]["additionalProperties"] is False
        assert list(sections[section]["properties"]) == list(keys)
        for key, prop in sections[section]["properties"].items():
            assert prop["description"] == DESCRIPTIONS[section][key] and prop["description"].endswith("."), (section, key)


def test_the_defaults_are_the_loaders():
    """A config that gives no optional key loads with the value each key's "default" names."""
    cfg = from_mapping({"network": {"inputs": 1, "hidden": [], "outputs": 1}, "training": {"data": [[1, 2]]}})
    loaded = {("network", "activation"): cfg.activations[0], ("network", "bias"): cfg.variant.bias,
              ("training", "learning_rate"): cfg.learning_rate, ("training", "epochs"): cfg.epochs,
              ("training", "loss"): cfg.variant.loss, ("training", "update_biases"): cfg.variant.update_biases,
              ("training", "hidden_deltas"): cfg.variant.hidden_deltas, ("training", "batch_size"): cfg.variant.batch_size,
              ("training", "momentum"): cfg.variant.momentum, ("normalize", "method"): cfg.method,
              ("normalize", "inputs"): cfg.inputs_mode, ("normalize", "outputs"): cfg.outputs_mode,
              ("init", "method"): cfg.init_method, ("init", "trained"): cfg.trained}
    assert loaded == DEFAULTS
    props = config_schema()["properties"]
    assert {(s, k): props[s]["properties"][k]["default"] for s, k in DEFAULTS} == DEFAULTS


def test_the_label_patterns_are_the_loaders_rule_for_every_code_point():
    """A one-character label is valid exactly when the loader takes it: not blank, printable, no comma.

    Lone surrogates are the loader's alone (the schema's regex leaves them, as editors' engines refuse them).
    """
    label = config_schema()["definitions"]["labels"]["items"]
    some, none_of = re.compile(label["pattern"]), re.compile(label["not"]["pattern"])
    for c in map(chr, range(sys.maxunicode + 1)):
        if 0xD800 <= ord(c) <= 0xDFFF:
            continue
        loader = bool(c.strip()) and files.one_line(c) and c != ","
        assert loader == (some.search(c) is not None and none_of.search(c) is None), hex(ord(c))


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.toml")), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_names_the_schema_and_both_accept_it(path):
    first = path.read_text().splitlines()[0]
    # Taplo's header directive: "#:schema <path>", relative to the document
    assert re.fullmatch(r"#:schema \S+", first), first
    assert (path.parent / first.split(" ", 1)[1]).resolve() == SCHEMA_FILE.resolve()
    load(path)  # the directive is a comment to TOML
    assert schema_errors(tomllib.loads(path.read_text())) == []


def test_the_config_train_out_writes_is_valid(tmp_path):
    lay_out(tmp_path, {})
    r = run(tmp_path, ["train", "sigmoid.toml", "--epochs", "2", "--out", "o"])
    assert r.returncode == 0, r.stderr
    assert schema_errors(tomllib.loads((tmp_path / "o" / "trained.toml").read_text())) == []


# ---------------------------------------------------------------- the bad-input catalogue


def test_the_catalogue_is_read_and_every_case_the_schema_cannot_judge_is_in_it():
    names = [name for name, _, _ in CASES]
    assert len(names) > 100 and "unknown key" in names and "bias unknown" in names
    assert set(CANNOT_JUDGE) <= set(names), set(CANNOT_JUDGE) - set(names)


@pytest.mark.parametrize("name,case_files,config", CASES, ids=[c[0] for c in CASES])
def test_the_loader_and_the_schema_agree_on_the_catalogue(tmp_path, monkeypatch, name, case_files, config):
    lay_out(tmp_path, case_files)
    monkeypatch.chdir(tmp_path)
    instance = parse(tmp_path / config)
    exc = loader_verdict(tmp_path / config)
    if instance is None:  # not TOML or JSON: there is nothing to validate, and the loader says where the syntax fails
        assert exc is not None and of_config(exc, config), exc
        assert name not in CANNOT_JUDGE
        return
    errors = schema_errors(instance)
    if name in CANNOT_JUDGE:
        assert exc is not None and of_config(exc, config), exc
        assert errors == [], f"the schema now judges {name!r}; take it out of CANNOT_JUDGE"
    elif exc is None or not of_config(exc, config):
        assert errors == [], (str(exc), errors)  # accepted, or refused for another file's contents: the text is valid
    else:
        assert errors, f"the loader refuses ({exc}) and the schema accepts"


# ---------------------------------------------------------------- hypothesis: configs from the schema's vocabulary

# Values for each key: the loader's choices, and at most one value per config
# that it refuses, so the loader's verdict and the schema's are about the same
# thing (a second fault could hide a rule the schema lacks).  Combinations of
# good values still break the rules between keys (softmax before another layer,
# cross-entropy on tanh, updated-weights in batches, a min-max file no side reads).
# Integer keys never get a float such as 2.0 (JSON Schema's integers include it,
# the loader's do not).
BAD_LABELS = ["", " ", "a,b", "x\ny", "tab\there", "\x1b[31m", "\u2028"]
ANY_VALUE = [0, -1, 2.5, True, "x", [], {}, None]


# Where a generated config can go wrong (each its own test; None: nowhere).
FAULTS = ["network.inputs", "network.outputs", "network.hidden", "a required key missing", "network.activation",
          "an activation list's length", "an activation list's item", "network.bias", "training.learning_rate",
          "training.epochs", "training.loss", "training.update_biases", "training.hidden_deltas", "training.batch_size",
          "training.momentum", "dataset and data", "a data value", "training.data", "training.dataset",
          "normalize.method", "normalize.inputs", "normalize.outputs", "a min-max file no side reads, or none for one",
          "normalize.minmax", "init.method", "an init key missing", "a key of another init method", "init.file",
          "init.seed", "init.trained", "inline weights", "report.dataset", "an unknown section", "an unknown key",
          # good values that break a rule between keys (they also meet by chance)
          "softmax for a hidden layer too", "cross-entropy on tanh, relu or linear outputs", "updated-weights in batches"]


class OneFault:
    """The one place a generated config goes wrong (None: nowhere); each place asks whether it is the one."""

    def __init__(self, draw, place: str | None):
        self.draw, self.place = draw, place

    def at(self, place: str) -> bool:
        assert place in FAULTS, place
        return place == self.place

    def pick(self, place: str, good: list, bad: list) -> Any:
        return self.draw(st.sampled_from(bad if self.at(place) else good))

    def maybe(self, mapping: dict[str, Any], place: str, good: list, bad: list) -> None:
        """Give the key of ``place`` ("section.key") a value half the time, and always when it is the fault."""
        if self.at(place) or self.draw(st.booleans()):
            mapping[place.split(".")[1]] = self.pick(place, good, bad)


def labels_or_count(draw, fault: OneFault, place: str) -> Any:
    prefix = "i" if place == "network.inputs" else "z"
    if draw(st.booleans()):
        return fault.pick(place, [1, 2, 3], [0, -2, True, "three", [], [1], 2.5, 10**30])
    n = draw(st.integers(1, 3))
    names = [f"{prefix}{i}" for i in range(n)]
    if fault.at(place):  # a repeated label, or one the loader refuses
        if n > 1 and draw(st.booleans()):
            names[-1] = names[0]
        else:
            names[draw(st.integers(0, n - 1))] = draw(st.sampled_from(BAD_LABELS))
    return names


def size(value: Any) -> int | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3 else None  # 10**30: refused


@st.composite
def configs(draw, place: str | None):
    """A config mapping wrong at ``place`` (None: nowhere), and what the files it names must hold (so a verdict rests
    on the config's text alone)."""
    fault = OneFault(draw, place)
    network: dict[str, Any] = {}
    inputs, outputs = labels_or_count(draw, fault, "network.inputs"), labels_or_count(draw, fault, "network.outputs")
    hidden = draw(st.lists(st.integers(1, 3), max_size=3))
    if fault.at("network.hidden"):
        hidden = draw(st.sampled_from([[0], [2, True], ["2"], [2.5], [1] * 101, *(v for v in ANY_VALUE if v != [])]))
    missing = draw(st.sampled_from(["inputs", "hidden", "outputs"])) if fault.at("a required key missing") else None
    for key, value in (("inputs", inputs), ("hidden", hidden), ("outputs", outputs)):
        if key != missing:
            network[key] = value
    n_layers = len(hidden) + 1 if isinstance(hidden, list) else 1
    in_a_list = fault.at("an activation list's length") or fault.at("an activation list's item")
    if fault.at("softmax for a hidden layer too"):
        hidden = network["hidden"] = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
        network["activation"] = draw(st.sampled_from(list(OUTPUT_ONLY)))
    elif fault.at("cross-entropy on tanh, relu or linear outputs"):
        network["activation"] = draw(st.sampled_from([a for a in ACTIVATIONS if a not in CROSS_ENTROPY_OUTPUTS]))
    elif not in_a_list and (fault.at("network.activation") or draw(st.booleans())):
        # one name for every layer (softmax: with no hidden layer)
        network["activation"] = fault.pick("network.activation", [*ACTIVATIONS, *OUTPUT_ONLY], ["swish", 1, None, []])
    elif in_a_list or draw(st.booleans()):
        # one per layer; softmax only last, a place JSON Schema cannot point at
        n = n_layers
        if fault.at("an activation list's length"):
            n = draw(st.sampled_from([n_layers - 1, n_layers + 1]))
        names = [draw(st.sampled_from(list(ACTIVATIONS))) for _ in range(n - 1)] + [draw(st.sampled_from([*ACTIVATIONS, *OUTPUT_ONLY]))]
        if fault.at("an activation list's item"):
            names[draw(st.integers(0, len(names) - 1))] = draw(st.sampled_from(["swish", 3, None]))
        network["activation"] = names[:n]
    fault.maybe(network, "network.bias", list(BIASES), ["both", 1])

    training: dict[str, Any] = {}
    fault.maybe(training, "training.learning_rate", [0.1, 1, 3e-3, 2], [0, -0.5, math.inf, -math.inf, 10**400, "fast", True])
    fault.maybe(training, "training.epochs", [1, 5, 10_000_000], [0, -1, 10_000_001, 2.5, True, "ten"])
    fault.maybe(training, "training.loss", list(LOSSES), ["hinge", 2])
    if fault.at("cross-entropy on tanh, relu or linear outputs"):
        training["loss"] = "cross-entropy"
    if training.get("loss") == "cross-entropy" and isinstance(network.get("activation"), list) and network["activation"] \
            and not in_a_list:
        # the output layer is the list's last item: always one cross-entropy takes
        network["activation"][-1] = draw(st.sampled_from(CROSS_ENTROPY_OUTPUTS))
    fault.maybe(training, "training.update_biases", [True, False], ["no", 0])
    fault.maybe(training, "training.hidden_deltas", list(HIDDEN_DELTAS), ["new-weights"])
    fault.maybe(training, "training.batch_size", [1, 2, 5, "all"], [0, -3, 2.5, "half", True])
    fault.maybe(training, "training.momentum", [0, 0.0, 0.5, 0.9], [1, 1.0, -0.1, math.inf, "high"])
    if fault.at("updated-weights in batches"):
        training.update(hidden_deltas="updated-weights", batch_size=draw(st.sampled_from([2, 5, "all"])))
    n_in, n_out = size(inputs), size(outputs)
    width = (n_in or 1) + (n_out or 1)
    source = fault.pick("dataset and data", ["data", "dataset"], ["both", "neither"])
    if fault.place in ("a data value", "training.data", "training.dataset", "updated-weights in batches"):  # the key the fault is in
        source = "dataset" if fault.place == "training.dataset" else "data"
    if source in ("data", "both"):
        n_rows = draw(st.integers(2 if fault.at("updated-weights in batches") else 1, 3))
        rows = draw(st.lists(st.lists(st.floats(-100, 100), min_size=width, max_size=width), min_size=n_rows, max_size=n_rows))
        if fault.at("a data value"):
            rows[draw(st.integers(0, n_rows - 1))][0] = draw(st.sampled_from(["x", True, math.inf, -math.inf, None, 10**400]))
        training["data"] = fault.pick("training.data", [rows], [[], "rows", [[]], [[1]]])
    if source in ("dataset", "both"):
        training["dataset"] = fault.pick("training.dataset", ["d.csv"], ["", 3])

    normalize: dict[str, Any] = {}
    fault.maybe(normalize, "normalize.method", list(METHODS), ["z-score"])
    fault.maybe(normalize, "normalize.inputs", ["calculate", "calculate", "file", "off"], ["maybe", 1])
    fault.maybe(normalize, "normalize.outputs", ["calculate", "calculate", "file", "off"], ["maybe", 1])
    if fault.at("normalize.minmax"):  # a side that reads the file the fault names
        normalize["inputs"] = "file"
    if ("file" in normalize.values()) != fault.at("a min-max file no side reads, or none for one"):
        normalize["minmax"] = fault.pick("normalize.minmax", ["mm.json"], ["", 7])

    init: dict[str, Any] = {}
    # the method a fault in one method's keys needs
    methods = {"init.file": ["file"], "inline weights": ["inline"], "an init key missing": ["file", "inline"],
               "init.seed": [None, "random"], "init.trained": ["file", "inline"]}.get(fault.place, [None, "file", "random", "inline"])
    method = fault.pick("init.method", methods, ["magic", 3])
    if method is not None:
        init["method"] = method
    keys = {None: ["seed"], "random": ["seed"], "file": ["file", "trained"], "inline": [*files.WEIGHT_KEYS, "trained"]}.get(method, [])
    required = {"file": ["file"], "inline": list(files.WEIGHT_KEYS)}.get(method, [])
    missing = draw(st.sampled_from(required)) if required and fault.at("an init key missing") else None
    for key in keys:
        if key != missing and (key in required or fault.at(f"init.{key}") or draw(st.booleans())):
            init[key] = None  # filled below, once the network's shape is known
    others = [k for k in ("file", "seed", "trained", *files.WEIGHT_KEYS) if k not in keys]
    if others and fault.at("a key of another init method"):
        init[draw(st.sampled_from(others))] = None
    if "file" in init:
        init["file"] = fault.pick("init.file", ["w.json"], ["", 0])
    if "seed" in init:
        init["seed"] = fault.pick("init.seed", [0, 7, 2**40], [-1, "x", 1.5])
    if "trained" in init:
        init["trained"] = fault.pick("init.trained", [True, False], ["yes"])

    data: dict[str, Any] = {"network": network, "training": training}
    if normalize or draw(st.booleans()):
        data["normalize"] = normalize
    if init or draw(st.booleans()):
        data["init"] = init
    if fault.at("report.dataset") or draw(st.booleans()):
        data["report"] = {"dataset": fault.pick("report.dataset", ["r.csv"], ["", 1])}
    if fault.at("an unknown section"):  # or a section that is no table
        data[draw(st.sampled_from(["extra", "network", "training"]))] = draw(st.sampled_from([{"x": 1}, 3]))
    if fault.at("an unknown key"):
        data.setdefault(draw(st.sampled_from(["network", "training", "normalize", "init"])), {})["lerning_rate"] = 0.1

    # The weights: the network's shapes, one value per layer's bias under the variant, a value refused now and then.
    shape = [n_in, *hidden, n_out] if n_in and n_out and isinstance(hidden, list) and \
        all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden) else None
    bias = network.get("bias", "per-node")
    layers = []
    for m, n in zip(shape[:-1], shape[1:]) if shape else []:
        w = draw(st.lists(st.lists(st.floats(-1, 1), min_size=m, max_size=m), min_size=n, max_size=n))
        b0 = draw(st.floats(-1, 1))
        layers.append((w, [0.0] * n if bias == "none" else [b0] * n if bias == "shared" else
                       draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n))))
    weights = {"hiddenWeights": [w for w, _ in layers[:-1]], "hiddenBias": [b for _, b in layers[:-1]],
               "outputWeights": layers[-1][0] if layers else [[0.0]], "outputBias": layers[-1][1] if layers else [0.0]}
    given = [key for key in files.WEIGHT_KEYS if key in init]
    wrong = draw(st.sampled_from(given)) if given and fault.at("inline weights") else None
    for key in given:
        init[key] = draw(st.sampled_from(["x", 1, [[["x"]]], [[[math.inf]]], [[[-math.inf]]]])) if key == wrong else weights[key]
    return data, shape, weights, [inputs, outputs]


def write_files(folder: Path, shape, weights, labels) -> None:
    """The dataset, min-max and weights files a generated config may name, right for its network."""
    if shape is None:
        return
    header = [*(labels[0] if isinstance(labels[0], list) else [f"i{i}" for i in range(shape[0])]),
              *(labels[1] if isinstance(labels[1], list) else [f"z{i}" for i in range(shape[-1])])]
    header_line = ",".join(header) if all(files.one_line(h) and "," not in h for h in header) else None
    if header_line is not None:
        # one row: a batch of one, whatever batch_size says (the schema cannot count a CSV's rows)
        for name in ("d.csv", "r.csv"):
            (folder / name).write_text(header_line + "\n" + ",".join(str(k + 1) for k in range(len(header))) + "\n")
    n_in, n_out = shape[0], shape[-1]
    (folder / "mm.json").write_text(json.dumps({"minInput": [0] * n_in, "maxInput": [1] * n_in,
                                                "minOutput": [0] * n_out, "maxOutput": [1] * n_out}))
    (folder / "w.json").write_text(json.dumps(weights))


@pytest.mark.parametrize("place", [None, *FAULTS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=st.data())
def test_the_loader_and_the_schema_agree_on_generated_configs(place, drawn):
    data, shape, weights, labels = drawn.draw(configs(place))
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), shape, weights, labels)
        try:
            from_mapping(data, "<generated>", folder)
            exc = None
        except InputError as error:
            exc = error
    errors = schema_errors(data)
    event("loads" if exc is None else "refused")
    assert place is None or exc is not None, f"the config generated wrong at {place} loads: {data}"
    if exc is None:
        assert errors == [], (data, errors)
    else:
        assert exc.source == "<generated>", f"a file written for the config was refused: {exc}"
        assert errors, f"the loader refuses ({exc}) and the schema accepts {data}"
