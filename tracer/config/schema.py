"""Configs (TOML or JSON, the same keys): read, check and resolve them.

Loading a config reads every file it names (dataset, min-max, weights), so
that all bad input is reported before anything is computed or written.
Errors name the config file and the key path, e.g. ``network.hidden[1]``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tracer.core import activations
from tracer.config import files
from tracer.core.dataset import METHODS, MinMax, column_minmax, overflowing_column
from tracer.core.losses import CROSS_ENTROPY_OUTPUTS
from tracer.core.variant import BIASES, DEFAULT, HIDDEN_DELTAS, LOSSES, Variant
from tracer.errors import InputError

__all__ = ["Config", "load", "as_config", "from_mapping", "SCHEMA", "MAX_EPOCHS", "too_many_epochs",
           "check_explainable", "check_rule_explained"]

# section -> key -> description; used to reject unknown keys with a helpful list.
SCHEMA: dict[str, dict[str, str]] = {
    "network": {
        "inputs": "input labels, or a count",
        "hidden": "nodes per hidden layer",
        "outputs": "output labels, or a count",
        "activation": "one name, or one per hidden layer then the output layer (softmax: the output layer only)",
        "bias": "per-node | shared (one per layer) | none",
    },
    "training": {
        "learning_rate": "eta, a positive number",
        "epochs": "passes over the dataset",
        "loss": "mse | sse | mean-squared | cross-entropy",
        "update_biases": "true | false (biases keep their initial values)",
        "hidden_deltas": "old-weights | updated-weights",
        "batch_size": "rows per update: 1, a count, or \"all\"",
        "momentum": "mu in [0, 1): v <- mu*v + g, w <- w - eta*v",
        "dataset": "CSV file: header, input columns, target columns",
        "data": "inline rows of numbers",
    },
    "normalize": {
        "method": "zero-to-one | minus-one-to-one | none",
        "inputs": "calculate | file | off",
        "outputs": "calculate | file | off",
        "minmax": "min-max file (Go format)",
    },
    "init": {
        "method": "file | random | inline",
        "file": "weights file (Go format)",
        "seed": "integer seed for random",
        "hiddenWeights": "inline weights",
        "hiddenBias": "inline biases",
        "outputWeights": "inline weights",
        "outputBias": "inline biases",
        "trained": "true when the weights are a training run's result (train --out writes it); test and predict say when they are not",
    },
    "report": {
        "dataset": "a dataset that the min-max and normalisation sections illustrate",
    },
}

# Limits that keep a typo from asking for terabytes: every epoch's mean loss
# is kept (8 bytes each, more in a JSON trace), and the weights are held in
# several copies (initial, current, last finite, gradient, final).
MAX_EPOCHS = 10_000_000
MAX_PARAMS = 10_000_000
# The engine, the trace and the report walk the layers one by one in Python:
# a million layers of one node each took minutes and gigabytes before failing.
MAX_HIDDEN_LAYERS = 100
# The commands that explain a network write (report, walk) or check (check)
# every node and weight, which is far slower than training it: the sizes
# below finish in about ten seconds or less (a 1,000-node report took 7 s,
# its walkthrough 15 s; a 100,000-node one never finished).  check also takes
# four finite differences per parameter per step, each a forward pass.
EXPLAIN_NODES = 500  # report and walk: nodes of every layer, inputs included
EXPLAIN_PARAMS = 10_000  # report and walk: weights and biases
EXPLAIN_LAYERS = 20  # report and walk: hidden layers (100 layers of 2 nodes took 23 s to report, 39 s to walk)
CHECK_GRADIENTS = 50_000  # check: weights and biases times --steps
SIDES = ("calculate", "file", "off")
INITS = ("file", "random", "inline")
# The keys each init method takes; the others are refused as "not used with method".
INIT_KEYS = {"file": ("method", "file", "trained"), "random": ("method", "seed"),
             "inline": ("method", "trained", *files.WEIGHT_KEYS)}


@dataclass
class Config:
    """A resolved config: every value checked and every file it names read."""

    source: str
    input_labels: list[str]
    output_labels: list[str]
    hidden: list[int]
    activations: list[str]
    learning_rate: float
    epochs: int
    dataset_source: str
    raw: np.ndarray  # rows of the dataset: inputs then targets, as read
    method: str
    inputs_mode: str
    outputs_mode: str
    minmax_source: str | None
    minmax_file: dict[str, np.ndarray] | None
    init_method: str
    init_source: str | None
    init_params: list[tuple[np.ndarray, np.ndarray]] | None
    seed: int | None
    trained: bool = False  # [init] trained: the weights are a training run's result, not initial ones
    illustrate_source: str | None = None
    illustrate_raw: np.ndarray | None = None
    files_read: list[str] = field(default_factory=list)
    variant: Variant = DEFAULT  # the training rule: the document's unless the config says otherwise

    @property
    def loss(self) -> str:
        return self.variant.loss

    # ---------------------------------------------------------------- shape
    @property
    def n_in(self) -> int:
        return len(self.input_labels)

    @property
    def n_out(self) -> int:
        return len(self.output_labels)

    @property
    def layers(self) -> list[int]:
        return [self.n_in, *self.hidden, self.n_out]

    # ----------------------------------------------------------------- data
    @property
    def raw_inputs(self) -> np.ndarray:
        return self.raw[:, : self.n_in]

    @property
    def raw_targets(self) -> np.ndarray:
        return self.raw[:, self.n_in :]

    def minmax(self) -> MinMax:
        """Min-max per side: calculated from the training dataset, from the file, or off."""
        lo_in, hi_in = column_minmax(self.raw_inputs)
        lo_out, hi_out = column_minmax(self.raw_targets)
        mm = self.minmax_file or {}
        sides = {
            "inputs": {"calculate": (lo_in, hi_in), "file": (mm.get("minInput"), mm.get("maxInput")), "off": (None, None)},
            "outputs": {"calculate": (lo_out, hi_out), "file": (mm.get("minOutput"), mm.get("maxOutput")), "off": (None, None)},
        }
        i_lo, i_hi = sides["inputs"][self.inputs_mode]
        o_lo, o_hi = sides["outputs"][self.outputs_mode]
        return MinMax(self.method, i_lo, i_hi, o_lo, o_hi)

    def training_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The normalised inputs and targets the network sees."""
        mm = self.minmax()
        return mm.inputs(self.raw_inputs), mm.outputs(self.raw_targets)

    def initial_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Initial weights and biases, hidden layers first, as fresh arrays."""
        if self.init_params is not None:
            return [(w.copy(), b.copy()) for w, b in self.init_params]
        rng = np.random.default_rng(self.seed)
        # Uniform in [-1, 1) like the Go package; layer by layer, weights
        # (node-major) then biases, so a seed always gives the same network.
        params = []
        for n_prev, n in zip(self.layers[:-1], self.layers[1:]):
            w = rng.uniform(-1.0, 1.0, size=(n, n_prev))
            b = rng.uniform(-1.0, 1.0, size=n)
            params.append((w, _as_bias(b, self.variant.bias)))
        return params

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **changes)

    def with_activation(self, name: str | None) -> "Config":
        """The same config with every layer using activation ``name`` (None: unchanged)."""
        if name is None:
            return self
        known = ", ".join(activations.ACTIVATIONS)
        if name in activations.OUTPUT_ONLY:  # --activation sets every layer; softmax is an output layer's alone
            raise InputError("--activation", "", f"{name!r} is for an output layer only (set it in network.activation); "
                             f"--activation takes one of {known}")
        if name not in activations.ACTIVATIONS:
            raise InputError("--activation", "", f"unknown activation {name!r}; expected one of {known}")
        return self.replace(activations=[name] * (len(self.hidden) + 1))


def _check_ranges(raw: np.ndarray, source: str, labels: list[str]) -> None:
    """Every column's max - min must be a float64, or min-max normalisation makes NaN of it."""
    lo, hi = column_minmax(raw)
    j = overflowing_column(lo, hi)
    if j is not None:
        raise InputError(source, f"column {labels[j]}",
                         f"max - min ({hi[j]:g} - {lo[j]:g}) overflows float64; scale the column down")


def check_explainable(cfg: "Config", command: str, steps: int = 1) -> None:
    """Refuse, before any training, a network too large for ``command`` (report, walk or check) to explain.

    The error names the config and the key that sets the size
    (``network.hidden``, or ``network.inputs`` for a network without hidden
    layers); for check, ``--steps`` when the network alone would fit.
    """
    check_rule_explained(cfg, command)
    n_params = sum(m * n + n for m, n in zip(cfg.layers[:-1], cfg.layers[1:]))
    n_nodes = sum(cfg.layers)
    where = "network.hidden" if cfg.hidden else "network.inputs"
    size = f"this one has {files.count(n_nodes)} nodes and {files.count(n_params)} weights and biases"
    if command == "check":
        if n_params > CHECK_GRADIENTS:
            raise InputError(cfg.source, where, f"check compares at most {CHECK_GRADIENTS:,} gradients "
                             f"(weights and biases times --steps); {size} (train takes up to {MAX_PARAMS:,} weights and biases)")
        if n_params * steps > CHECK_GRADIENTS:
            raise InputError("command line", "--steps", f"check compares at most {CHECK_GRADIENTS:,} gradients "
                             f"(weights and biases times --steps): at most {CHECK_GRADIENTS // n_params:,} steps "
                             f"for {cfg.source}'s {n_params:,} weights and biases, found {steps:,}")
        return
    if len(cfg.hidden) > EXPLAIN_LAYERS:
        raise InputError(cfg.source, "network.hidden", f"{command} explains networks of at most {EXPLAIN_LAYERS} "
                         f"hidden layers; this one has {len(cfg.hidden):,} (train takes up to {MAX_HIDDEN_LAYERS} hidden layers)")
    if n_nodes > EXPLAIN_NODES or n_params > EXPLAIN_PARAMS:
        raise InputError(cfg.source, where, f"{command} explains networks of at most {EXPLAIN_NODES:,} nodes "
                         f"and {EXPLAIN_PARAMS:,} weights and biases; {size} (train takes up to {MAX_PARAMS:,} weights and biases)")


def _per_node(data: Any, layers: list[int], bias: str) -> Any:
    """Go-format weights with a layer's one bias value (shared or none) repeated for each of its nodes.

    Anything not shaped like a weights mapping is left for
    files.weights_from_mapping to name what is wrong with it.
    """
    if bias == "per-node" or not isinstance(data, dict):
        return data
    data = dict(data)

    def spread(values: Any, n: int) -> Any:
        return values * n if isinstance(values, list) and len(values) == 1 and n > 1 else values

    if isinstance(data.get("hiddenBias"), list):
        data["hiddenBias"] = [spread(b, n) for b, n in zip(data["hiddenBias"], layers[1:-1])] + \
            data["hiddenBias"][len(layers) - 2:]
    if "outputBias" in data:
        data["outputBias"] = spread(data["outputBias"], layers[-1])
    return data


def _check_biases(params: list[tuple[np.ndarray, np.ndarray]], bias: str, source: str, prefix: str) -> None:
    """A shared bias is one value per layer; without biases, every bias is 0."""
    if bias == "per-node":
        return
    for l, (_, b) in enumerate(params):
        key = f"{prefix}outputBias" if l == len(params) - 1 else f"{prefix}hiddenBias[{l}]"
        if bias == "shared" and not (b == b[0]).all():
            other = b[np.flatnonzero(b != b[0])[0]]
            raise InputError(source, key, f'network.bias is "shared": a layer\'s biases must be equal '
                             f"(or one value per layer), found {b[0]:g} and {other:g}")
        if bias == "none" and b.any():
            raise InputError(source, key, f'network.bias is "none": every bias must be 0, found {b[b != 0][0]:g}')


def _as_bias(b: np.ndarray, bias: str) -> np.ndarray:
    """Random biases under a variant: one per node; the first node's for the whole layer (shared); zeros (none)."""
    if bias == "shared":
        return np.full_like(b, b[0])
    if bias == "none":
        return np.zeros_like(b)
    return b


# What each command explains of the training variants: the variant keys
# (tracer.core.variant) whose every value it follows, and whether it
# explains a softmax output layer.  check compares the gradient of the loss
# actually used, so it follows everything but hidden error signals through
# the updated weights (no loss has them as its gradient).
EXPLAINED_KEYS: dict[str, frozenset[str]] = {
    "check": frozenset({"bias", "loss", "update_biases", "batch_size", "momentum"}),
    "report": frozenset({"bias", "loss", "update_biases", "hidden_deltas", "momentum"}),
    "walk": frozenset({"bias", "loss", "update_biases", "hidden_deltas", "momentum"}),
}
EXPLAINS_SOFTMAX = frozenset({"check", "report", "walk"})  # report and walk: with cross-entropy only


def check_rule_explained(cfg: "Config", command: str) -> None:
    """Refuse a training variant ``command`` does not explain yet, rather than show the document's equations for it.

    Training (and test, predict) run every variant; report, walk and check
    follow the keys of :data:`EXPLAINED_KEYS`.  The error names the first
    key that differs from the document's rule and is not explained.
    """
    if command not in EXPLAINS_SOFTMAX and any(name in activations.OUTPUT_ONLY for name in cfg.activations):
        where = "network.activation" if len(set(cfg.activations)) == 1 else f"network.activation[{len(cfg.hidden)}]"
        raise InputError(cfg.source, where, f"{command} does not explain a {cfg.activations[-1]} output layer yet; "
                         "mlptrace train runs it")
    if command != "check" and cfg.activations[-1] == "softmax" and cfg.variant.loss != "cross-entropy":
        raise InputError(cfg.source, "training.loss", f"{command} explains a softmax output layer with "
                         f'loss = "cross-entropy" only, not {json.dumps(cfg.variant.loss)} yet; mlptrace train runs it')
    explained = EXPLAINED_KEYS.get(command, frozenset())
    for key, value in dataclasses.asdict(cfg.variant).items():
        if value != getattr(DEFAULT, key) and key not in explained:
            where = f"{'network' if key == 'bias' else 'training'}.{key}"
            shown = json.dumps(value)
            raise InputError(cfg.source, where, f"{command} does not explain {key} = {shown} yet (only the "
                             f"document's rule, {key} = {json.dumps(getattr(DEFAULT, key))}); mlptrace train runs it")


def too_many_epochs(epochs: int) -> str:
    return f"at most {MAX_EPOCHS:,} (every epoch's loss is kept in memory), found {files.count(epochs)}"


# ---------------------------------------------------------------------------
# loading


class _Reader:
    """Typed access to the raw mapping, with key paths in every error."""

    def __init__(self, data: dict[str, Any], source: str):
        self.data, self.source = data, source

    def fail(self, where: str, what: str) -> InputError:
        return InputError(self.source, where, what)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "expected a table of keys")
        return value

    def get(self, section: str, key: str, default: Any = ...) -> Any:
        sec = self.section(section)
        if key not in sec:
            if default is ...:
                raise self.fail(f"{section}.{key}", "missing (" + SCHEMA[section][key] + ")")
            return default
        return sec[key]

    def choice(self, section: str, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(section, key, default)
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(f"{section}.{key}", f"{files.shown(value)} is not one of: {', '.join(allowed)}")
        return value

    def number(self, section: str, key: str, default: Any = ...) -> float:
        value = self.get(section, key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(files.as_float(value)):
            raise self.fail(f"{section}.{key}", f"expected a finite number, found {files.shown(value)}")
        return float(value)

    def integer(self, section: str, key: str, default: Any = ...) -> int:
        value = self.get(section, key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{section}.{key}", f"expected a whole number, found {files.shown(value)}")
        return value

    def labels(self, key: str, prefix: str) -> list[str] | int:
        value = self.get("network", key)
        where = f"network.{key}"
        if isinstance(value, bool):
            raise self.fail(where, "expected a list of labels or a count")
        if isinstance(value, int):
            if value < 1:
                raise self.fail(where, f"the count must be at least 1, found {value}")
            return value
        if not isinstance(value, list) or not value:
            raise self.fail(where, "expected a non-empty list of labels or a count")
        for i, label in enumerate(value):
            if not isinstance(label, str) or not label.strip():
                raise self.fail(f"{where}[{i}]", f"expected a non-empty label, found {files.shown(label)}")
            if not files.one_line(label):
                raise self.fail(f"{where}[{i}]", f"a label is one line of printable text, found {files.shown(label)}")
            if "," in label:  # datasets and predict's output are comma-separated, with the labels as header
                raise self.fail(f"{where}[{i}]", f"a label cannot hold a comma, found {files.shown(label)}")
        dup = files.first_repeat(value)
        if dup is not None:
            raise self.fail(where, f"label {dup!r} appears twice")
        return list(value)


def _parse(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".json":
        data = files.read_json(path, "config")
        if not isinstance(data, dict):
            raise InputError(str(path), "top level", "expected an object of sections")
        return data
    text = files.read_text(path, "config")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputError(str(path), "", files.NESTED_TOO_DEEPLY) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        # tomllib says "... (at line 3, column 7)"; move the place to the front.
        where = ""
        if "(at " in msg and msg.endswith(")"):
            msg, where = msg[: msg.rindex("(at ")].strip(), msg[msg.rindex("(at ") + 4 : -1]
        raise InputError(str(path), where, msg) from None
    except ValueError as exc:  # tomllib lets Python's integer-length limit through
        raise InputError(str(path), "", files.too_long_integer(exc) or str(exc)) from None


def as_config(source: Any = None) -> Config:
    """A Config from what a caller has: a Config, a path (str or Path) of a TOML or JSON config,
    a mapping of its sections, or None (the embedded default).  Anything else is an InputError.

    Every public function that takes a config calls this, so each takes all of these.
    """
    if isinstance(source, Config):
        return source
    if isinstance(source, dict):
        return from_mapping(source)
    if source is None or isinstance(source, (str, Path)):
        return load(source)
    raise InputError(type(source).__name__, "", "expected a config: the path of a TOML or JSON file, "
                     "a mapping of its sections, or a loaded Config")


def load(path: str | Path | None = None) -> Config:
    """Read and check a config; ``None`` gives the embedded default (the document's example).

    A mapping or a loaded Config is taken as well (see :func:`as_config`).
    """
    if not (path is None or isinstance(path, (str, Path))):
        return as_config(path)
    if path is None:
        from tracer.config.resources import default_config_path

        path = default_config_path()
    path = Path(path)
    if path.is_dir():
        raise InputError(str(path), "", "is a directory; expected a config file (.toml or .json)")
    data = _parse(path)
    return _resolve(data, str(path), path.parent)


def from_mapping(data: dict[str, Any], source: str = "<mapping>", base: str | Path | None = None) -> Config:
    """A Config from an already-parsed mapping (the keys of a TOML or JSON config).

    ``source`` names it in error messages; relative file names resolve against
    ``base`` (default: the current folder).
    """
    if not isinstance(data, dict):
        raise InputError(source, "top level", "expected a mapping of sections")
    return _resolve(data, source, Path(base) if base is not None else Path.cwd())


def _resolve(data: dict[str, Any], source: str, base: Path) -> Config:
    r = _Reader(data, source)
    for name, sec in data.items():
        if name not in SCHEMA:
            raise r.fail(name, f"unknown section; expected one of: {', '.join(SCHEMA)}")
        if not isinstance(sec, dict):
            raise r.fail(name, "expected a table of keys")
        for key in sec:
            if key not in SCHEMA[name]:
                raise r.fail(f"{name}.{key}", f"unknown key; expected one of: {', '.join(SCHEMA[name])}")
    files_read: list[str] = []

    def rel(section: str, key: str) -> Path:
        value = r.get(section, key)
        if not isinstance(value, str) or not value:
            raise r.fail(f"{section}.{key}", f"expected a file name, found {files.shown(value)}")
        p = base / value
        files_read.append(str(p))
        return p

    # network ---------------------------------------------------------------
    inputs = r.labels("inputs", "i")
    outputs = r.labels("outputs", "z")
    hidden = r.get("network", "hidden")
    if not isinstance(hidden, list):
        raise r.fail("network.hidden", "expected a list of node counts, [] for none")
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise r.fail("network.hidden", f"at most {MAX_HIDDEN_LAYERS} hidden layers, found {files.count(len(hidden))}")
    for i, n in enumerate(hidden):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise r.fail(f"network.hidden[{i}]", f"expected a node count of at least 1, found {files.shown(n)}")
    n_in_guess = inputs if isinstance(inputs, int) else len(inputs)
    n_out_guess = outputs if isinstance(outputs, int) else len(outputs)
    sizes = [n_in_guess, *hidden, n_out_guess]
    n_params = sum(m * n + n for m, n in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMS:
        raise r.fail("network.hidden" if hidden else "network",
                     f"mlptrace trains networks of at most {MAX_PARAMS:,} weights and biases; this one has {files.count(n_params)}")
    act = r.get("network", "activation", "sigmoid")
    n_layers = len(hidden) + 1
    if isinstance(act, str):
        acts = [act] * n_layers
        act_where = ["network.activation"] * n_layers
    elif isinstance(act, list) and len(act) == n_layers:
        acts = act
        act_where = [f"network.activation[{i}]" for i in range(n_layers)]
    else:
        raise r.fail(
            "network.activation",
            f"expected one name or a list of {n_layers} (one per hidden layer, then the output layer)",
        )
    for l, (name, where) in enumerate(zip(acts, act_where)):
        if isinstance(name, str) and name in activations.OUTPUT_ONLY:
            if l < n_layers - 1:
                raise r.fail(where, f"{name} is for the output layer only; a hidden layer takes one of: "
                             f"{', '.join(activations.ACTIVATIONS)}")
            continue
        if not isinstance(name, str) or name not in activations.ACTIVATIONS:
            raise r.fail(where, f"{files.shown(name)} is not one of: "
                         f"{', '.join([*activations.ACTIVATIONS, *activations.OUTPUT_ONLY])}")
    bias = r.choice("network", "bias", BIASES, DEFAULT.bias)

    # training --------------------------------------------------------------
    lr = r.number("training", "learning_rate", 0.1)
    if lr <= 0:
        raise r.fail("training.learning_rate", f"must be positive, found {lr:g}")
    epochs = r.integer("training", "epochs", 1000)
    if epochs < 1:
        raise r.fail("training.epochs", f"must be at least 1, found {epochs}")
    if epochs > MAX_EPOCHS:
        raise r.fail("training.epochs", too_many_epochs(epochs))
    loss = r.choice("training", "loss", LOSSES, DEFAULT.loss)
    if loss == "cross-entropy" and acts[-1] not in CROSS_ENTROPY_OUTPUTS:
        raise r.fail("training.loss", f"cross-entropy needs outputs in (0, 1): an output layer of "
                     f"{' or '.join(CROSS_ENTROPY_OUTPUTS)}, found {acts[-1]} ({act_where[-1]})")
    update_biases = r.get("training", "update_biases", DEFAULT.update_biases)
    if not isinstance(update_biases, bool):
        raise r.fail("training.update_biases", f"expected true or false, found {files.shown(update_biases)}")
    hidden_deltas = r.choice("training", "hidden_deltas", HIDDEN_DELTAS, DEFAULT.hidden_deltas)
    batch_size = r.get("training", "batch_size", DEFAULT.batch_size)
    if batch_size != "all" and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise r.fail("training.batch_size", f'expected a whole number of rows of at least 1, or "all", '
                     f"found {files.shown(batch_size)}")
    momentum = r.number("training", "momentum", DEFAULT.momentum)
    if not 0.0 <= momentum < 1.0:
        raise r.fail("training.momentum", f"must be at least 0 and below 1, found {momentum:g}")

    columns = n_in_guess + n_out_guess
    sec = r.section("training")
    if ("dataset" in sec) == ("data" in sec):
        raise r.fail("training", "give exactly one of dataset (a CSV file) or data (inline rows)")
    header: list[str] | None = None
    if "dataset" in sec:
        ds_path = rel("training", "dataset")
        header, raw = files.read_csv(ds_path, columns, [("inputs", inputs), ("outputs", outputs)])
        dataset_source = str(ds_path)
    else:
        rows = sec["data"]
        if not isinstance(rows, list) or not rows:
            raise r.fail("training.data", "expected a non-empty list of rows")
        try:
            raw = files.numbers(rows, source, "training.data", (len(rows), columns))
        except InputError as exc:
            if exc.what.startswith("expected") and "entries" in exc.what:
                exc = InputError(exc.source, exc.where, exc.what + f" (inputs then targets: {columns})")
            raise exc from None
        dataset_source = f"{source} (training.data)"

    def labels(value: list[str] | int, names: list[str] | None, prefix: str) -> list[str]:
        if isinstance(value, list):
            return value
        return names if names is not None else [f"{prefix}{i}" for i in range(value)]

    input_labels = labels(inputs, header[:n_in_guess] if header else None, "i")
    output_labels = labels(outputs, header[n_in_guess:] if header else None, "z")
    _check_ranges(raw, dataset_source, input_labels + output_labels)

    variant = Variant(bias=bias, loss=loss, update_biases=update_biases, hidden_deltas=hidden_deltas,
                      batch_size=batch_size, momentum=momentum)
    if hidden_deltas == "updated-weights" and variant.batched(len(raw)):
        raise r.fail("training.hidden_deltas", f"updated-weights updates after every row, so it needs batch_size = 1; "
                     f"found batch_size = {files.shown(batch_size)}")

    # normalize -------------------------------------------------------------
    method = r.choice("normalize", "method", METHODS, "zero-to-one")
    in_mode = r.choice("normalize", "inputs", SIDES, "calculate")
    out_mode = r.choice("normalize", "outputs", SIDES, "calculate")
    minmax_source, minmax_file = None, None
    if "file" in (in_mode, out_mode):
        mm_path = rel("normalize", "minmax")
        minmax_file = files.read_minmax(mm_path, n_in_guess, n_out_guess)
        minmax_source = str(mm_path)
    elif "minmax" in r.section("normalize"):
        raise r.fail("normalize.minmax", 'given, but neither inputs nor outputs is set to "file"')

    # init ------------------------------------------------------------------
    layers = sizes
    init = r.choice("init", "method", INITS, "random")
    init_sec = r.section("init")
    allowed = INIT_KEYS[init]
    for key in init_sec:
        if key not in allowed:
            raise r.fail(f"init.{key}", f'not used with method "{init}"')
    init_source, init_params, seed = None, None, None
    if init == "file":
        w_path = rel("init", "file")
        init_source = str(w_path)
        init_params = files.weights_from_mapping(_per_node(files.read_json(w_path, "weights"), layers, bias),
                                                 layers, init_source)
        _check_biases(init_params, bias, init_source, "")
    elif init == "inline":
        inline = _per_node({k: v for k, v in init_sec.items() if k not in ("method", "trained")}, layers, bias)
        init_params = files.weights_from_mapping(inline, layers, source, "init")
        init_source = f"{source} (init)"
        _check_biases(init_params, bias, source, "init.")
    else:
        if "seed" in init_sec:
            seed = r.integer("init", "seed")
            if seed < 0:
                raise r.fail("init.seed", f"must not be negative, found {seed}")
        else:
            import secrets

            seed = secrets.randbelow(2**32)  # recorded, so the run can be repeated

    trained = init_sec.get("trained", False)
    if not isinstance(trained, bool):
        raise r.fail("init.trained", f"expected true or false, found {files.shown(trained)}")

    # report ----------------------------------------------------------------
    illustrate_source, illustrate_raw = None, None
    if "dataset" in r.section("report"):
        il_path = rel("report", "dataset")
        _, illustrate_raw = files.read_csv(il_path, columns, [("inputs", input_labels), ("outputs", output_labels)])
        illustrate_source = str(il_path)
        _check_ranges(illustrate_raw, illustrate_source, input_labels + output_labels)

    return Config(
        source=source,
        input_labels=input_labels,
        output_labels=output_labels,
        hidden=list(hidden),
        activations=list(acts),
        learning_rate=lr,
        epochs=epochs,
        dataset_source=dataset_source,
        raw=raw,
        method=method,
        inputs_mode=in_mode,
        outputs_mode=out_mode,
        minmax_source=minmax_source,
        minmax_file=minmax_file,
        init_method=init,
        init_source=init_source,
        init_params=init_params,
        seed=seed,
        trained=trained,
        illustrate_source=illustrate_source,
        illustrate_raw=illustrate_raw,
        files_read=[source, *files_read],
        variant=variant,
    )
