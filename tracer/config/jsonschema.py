"""The config's JSON Schema (draft 7): what the loader accepts, written for editors.

``mlptrace schema`` prints it; examples/mlptrace.schema.json is its output,
and each example config names it in a ``#:schema`` line, so Taplo (Even
Better TOML) completes and checks keys as they are typed.

The loader (tracer.config.schema) stays the authority; this module says the
same thing in JSON Schema's words.  Its vocabulary is the loader's own: the
key table SCHEMA, the keys each init method takes, the choice tuples
(activations, biases, losses, normalisation methods, sides, inits, the Go
weight keys) and the MAX_* limits are imported, never copied, so a choice or
a key added there appears here or fails tests/config/test_jsonschema.py,
which checks both ways that the loader accepts a config exactly when this
schema does.

JSON Schema cannot say everything the loader checks: what the files a
config names hold (a CSV's rows, a weights file's shapes), a row's length
against the network's inputs and outputs, a product of layer sizes
(MAX_PARAMS), which item of a list is the last (softmax only there,
cross-entropy on its activation), NaN (JSON has none), or 1000.0 against
1000 (JSON numbers have no int/float distinction).  There the schema accepts
and the loader decides; the test lists each such case with its reason.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from tracer.config import files
from tracer.config.schema import INIT_KEYS, INITS, MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_PARAMS, SCHEMA, SIDES
from tracer.core.activations import ACTIVATIONS, OUTPUT_ONLY
from tracer.core.dataset import METHODS
from tracer.core.losses import CROSS_ENTROPY_OUTPUTS
from tracer.core.variant import BIASES, DEFAULT, HIDDEN_DELTAS, LOSSES

__all__ = ["DRAFT", "config_schema", "schema_text", "DESCRIPTIONS", "DEFAULTS"]

DRAFT = "http://json-schema.org/draft-07/schema#"  # draft 7: the first with if/then/else, which the rules between keys need

# One sentence per section and key, in the README's words (its Config and Variants sections).
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "network": {
        "": "The network's shape: inputs, hidden layers, outputs, their activations and biases.",
        "inputs": "Input labels, or a count (the labels then come from the CSV header).",
        "hidden": "Nodes per hidden layer; [] means none.",
        "outputs": "Output labels, or a count (the labels then come from the CSV header).",
        "activation": "sigmoid, tanh, relu or linear for every layer, or a list: one per hidden layer, then the output "
                      "layer (softmax: the output layer's activation only).",
        "bias": "per-node (one bias per node), shared (one bias per layer, used by all its nodes) or none (no bias terms).",
    },
    "training": {
        "": "How the network learns, and from which rows: give exactly one of dataset or data.",
        "learning_rate": "The learning rate eta, a positive number.",
        "epochs": "Passes over the dataset.",
        "loss": "mse: 1/2 sum (y - z)^2 | sse: sum (y - z)^2 | mean-squared: (1/n) sum (y - z)^2 over the n outputs | "
                "cross-entropy (sigmoid or softmax outputs).",
        "update_biases": "false: the biases keep their initial values.",
        "hidden_deltas": "old-weights (the document's rule) | updated-weights: the output layer is updated first, hidden "
                         "error signals use its new weights (needs batch_size = 1).",
        "batch_size": "1 (per row) | N | \"all\": consecutive rows, the last batch possibly smaller; one update per batch, "
                      "by the mean of its rows' gradients.",
        "momentum": "In [0, 1): v <- mu*v + g, then w <- w - eta*v (PyTorch's SGD rule, v starting at 0).",
        "dataset": "A CSV file (relative to the config): a header row, input columns then target columns.",
        "data": "Inline rows of numbers, inputs then targets (instead of dataset).",
    },
    "normalize": {
        "": "Min-max normalisation per column, and where each side's min and max come from.",
        "method": "zero-to-one (v - min)/(max - min) | minus-one-to-one 2 (v - min)/(max - min) - 1 | none.",
        "inputs": "calculate (from the dataset) | file (the minmax file) | off.",
        "outputs": "calculate (from the dataset) | file (the minmax file) | off.",
        "minmax": "The min-max file (Go format), for a side set to \"file\".",
    },
    "init": {
        "": "The initial weights and biases: from a file, random, or inline.",
        "method": "file (Go weights format) | random (uniform [-1, 1), seeded) | inline (the Go file's keys here).",
        "file": "The weights file (Go format), for method \"file\".",
        "seed": "The seed for method \"random\"; without it a seed is drawn and printed.",
        "hiddenWeights": "Inline weights [layer][node][input] of the hidden layers, as in the Go file.",
        "hiddenBias": "Inline biases [layer][node] of the hidden layers, as in the Go file.",
        "outputWeights": "Inline weights [output][node] of the output layer, as in the Go file.",
        "outputBias": "Inline biases [output] of the output layer, as in the Go file.",
        "trained": "The weights are a training run's (train --out writes it): test and predict print \"untrained: the "
                   "config's initial weights\" unless it is set.",
    },
    "report": {
        "": "What the report shows beside the training run.",
        "dataset": "A dataset the report's min-max and normalisation sections illustrate.",
    },
}

# The loader's defaults for keys a config may leave out.  The variant's come
# from its DEFAULT; the rest are _resolve's, which the test checks by loading
# a config that gives none of them.
DEFAULTS: dict[tuple[str, str], Any] = {
    ("network", "activation"): "sigmoid",
    ("network", "bias"): DEFAULT.bias,
    ("training", "learning_rate"): 0.1,
    ("training", "epochs"): 1000,
    ("training", "loss"): DEFAULT.loss,
    ("training", "update_biases"): DEFAULT.update_biases,
    ("training", "hidden_deltas"): DEFAULT.hidden_deltas,
    ("training", "batch_size"): DEFAULT.batch_size,
    ("training", "momentum"): DEFAULT.momentum,
    ("normalize", "method"): "zero-to-one",
    ("normalize", "inputs"): "calculate",
    ("normalize", "outputs"): "calculate",
    ("init", "method"): "random",
    ("init", "trained"): False,
}

def _char_class(holds: Callable[[str], bool]) -> str:
    """A regex character class of the characters ``holds`` is true of, as \\uXXXX ranges.

    ECMA-262 (editors) and Python's re (the test) read \\uXXXX alike.  The
    classes built here (control characters, line separators, white space)
    lie in the Basic Multilingual Plane; the test checks every code point.
    """
    ranges: list[tuple[int, int]] = []
    for c in range(0x10000):
        if holds(chr(c)):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1] = (ranges[-1][0], c)
            else:
                ranges.append((c, c))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


def _surrogate(c: str) -> bool:
    return 0xD800 <= ord(c) <= 0xDFFF


def _definitions() -> dict[str, Any]:
    finite = {"type": "number", "minimum": -sys.float_info.max, "maximum": sys.float_info.max}
    # A label: some character that is not white space (the loader strips it),
    # and none that is not one line of printable text, nor a comma (CSV headers hold the labels).
    # Lone surrogates (JSON's "\udc80") are left to the loader: a regex engine such as Rust's,
    # which Taplo uses, refuses a surrogate in a pattern, and TOML cannot hold one.
    refused = _char_class(lambda c: c == "," or not (files.one_line(c) or _surrogate(c)))
    label = {"type": "string", "pattern": f"[^{_char_class(str.isspace)}]", "not": {"pattern": f"[{refused}]"}}

    def rows(depth: int, outer_may_be_empty: bool = False) -> dict[str, Any]:
        """Nested lists of finite numbers, ``depth`` deep; every list but a weights file's list of hidden layers has an entry."""
        out = finite
        for level in range(depth):
            out = {"type": "array", "items": out}
            if not (outer_may_be_empty and level == depth - 1):
                out["minItems"] = 1
        return out

    return {
        "finite": finite,
        "count": {"type": "integer", "minimum": 1, "maximum": MAX_PARAMS},
        "labels": {"type": "array", "minItems": 1, "uniqueItems": True, "items": label},
        "any_activation": {"enum": [*ACTIVATIONS, *OUTPUT_ONLY]},
        "file_name": {"type": "string", "minLength": 1},
        "hiddenWeights": rows(3, outer_may_be_empty=True),
        "hiddenBias": rows(2, outer_may_be_empty=True),
        "outputWeights": rows(2),
        "outputBias": rows(1),
        # One activation per layer: a list as long as the hidden layers and one more.
        "activations_per_layer": {"allOf": [
            {"if": {"properties": {"hidden": {"minItems": k, "maxItems": k}}},
             "then": {"properties": {"activation": {"minItems": k + 1, "maxItems": k + 1}}}}
            for k in range(MAX_HIDDEN_LAYERS + 1)]},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _keys() -> dict[str, dict[str, dict[str, Any]]]:
    """Each section's keys: what a value may be."""
    labels_or_count = {"anyOf": [_ref("labels"), _ref("count")]}
    return {
        "network": {
            "inputs": labels_or_count,
            "hidden": {"type": "array", "maxItems": MAX_HIDDEN_LAYERS, "items": _ref("count")},
            "outputs": labels_or_count,
            "activation": {"anyOf": [_ref("any_activation"),
                                     {"type": "array", "minItems": 1, "items": _ref("any_activation")}]},
            "bias": {"enum": list(BIASES)},
        },
        "training": {
            "learning_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": sys.float_info.max},
            "epochs": {"type": "integer", "minimum": 1, "maximum": MAX_EPOCHS},
            "loss": {"enum": list(LOSSES)},
            "update_biases": {"type": "boolean"},
            "hidden_deltas": {"enum": list(HIDDEN_DELTAS)},
            "batch_size": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "all"}]},
            "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
            "dataset": _ref("file_name"),
            # a row holds at least one input and one target
            "data": {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 2, "items": _ref("finite")}},
        },
        "normalize": {
            "method": {"enum": list(METHODS)},
            "inputs": {"enum": list(SIDES)},
            "outputs": {"enum": list(SIDES)},
            "minmax": _ref("file_name"),
        },
        "init": {
            "method": {"enum": list(INITS)},
            "file": _ref("file_name"),
            "seed": {"type": "integer", "minimum": 0},
            **{key: _ref(key) for key in files.WEIGHT_KEYS},
            "trained": {"type": "boolean"},
        },
        "report": {"dataset": _ref("file_name")},
    }


def _is(key: str, value: Any) -> dict[str, Any]:
    """A schema true of an object whose ``key`` is given and equals ``value``."""
    return {"properties": {key: {"const": value}}, "required": [key]}


def _required(keys: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    """``required``: the keys not ``optional``, left out when there are none (draft 4 readers refuse an empty list)."""
    needed = [k for k in keys if k not in optional]
    return {"required": needed} if needed else {}


def _rules() -> dict[str, list[dict[str, Any]]]:
    """The rules between a section's keys."""
    file_side = {"anyOf": [_is("inputs", "file"), _is("outputs", "file")]}
    return {
        "network": [
            # softmax alone names every layer's activation only when the output layer is the only one
            {"if": {"properties": {"activation": {"enum": list(OUTPUT_ONLY)}}, "required": ["activation"]},
             "then": {"properties": {"hidden": {"maxItems": 0}}}},
            _ref("activations_per_layer"),
        ],
        "training": [
            {"oneOf": [{"required": ["dataset"]}, {"required": ["data"]}]},
            # updated-weights updates after every row: no batch of several inline rows
            {"if": {"properties": {"hidden_deltas": {"const": "updated-weights"}, "data": {"minItems": 2}},
                    "required": ["hidden_deltas", "data"]},
             "then": {"properties": {"batch_size": {"const": 1}}}},
        ],
        "normalize": [{"if": file_side, "then": {"required": ["minmax"]}, "else": {"not": {"required": ["minmax"]}}}],
        "init": [
            {"if": {"properties": {"method": {"const": method}}} if method == DEFAULTS[("init", "method")] else _is("method", method),
             "then": {"propertyNames": {"enum": list(keys)}, **_required(keys, optional=("method", "trained", "seed"))}}
            for method, keys in INIT_KEYS.items()],
    }


def config_schema() -> dict[str, Any]:
    """The JSON Schema of a config, as a mapping."""
    keys, rules = _keys(), _rules()
    missing = [f"{s}.{k}" for s, sec in SCHEMA.items() for k in sec if k not in keys.get(s, {})]
    extra = [f"{s}.{k}" for s, sec in keys.items() for k in sec if k not in SCHEMA.get(s, {})]
    if missing or extra:  # the loader's key table is the list of keys; a key it gains must be described here
        raise RuntimeError(f"the JSON Schema and the loader's keys differ: missing {missing}, unknown {extra}")
    sections = {}
    for section, names in SCHEMA.items():
        properties = {}
        for key in names:
            prop = {"description": DESCRIPTIONS[section][key], **keys[section][key]}
            if (section, key) in DEFAULTS:
                prop["default"] = DEFAULTS[(section, key)]
            properties[key] = prop
        sections[section] = {"description": DESCRIPTIONS[section][""], "type": "object",
                             "additionalProperties": False, "properties": properties}
        if section == "network":  # the loader has no default for these
            sections[section]["required"] = ["inputs", "hidden", "outputs"]
        if rules.get(section):
            sections[section]["allOf"] = rules[section]
    cross_entropy = {  # cross-entropy needs outputs in (0, 1); a list's last item is beyond JSON Schema
        "if": {"properties": {"training": _is("loss", "cross-entropy")}, "required": ["training"]},
        "then": {"properties": {"network": {"properties": {"activation": {
            "anyOf": [{"enum": list(CROSS_ENTROPY_OUTPUTS)}, {"type": "array"}]}}}}},
    }
    return {
        "$schema": DRAFT,
        "title": "mlptrace config",
        "description": "A config of mlptrace (TOML or JSON, the same keys; file names are relative to the config file).",
        "type": "object",
        "additionalProperties": False,
        "required": ["network", "training"],
        "properties": sections,
        "allOf": [cross_entropy],
        "definitions": _definitions(),
    }


def schema_text() -> str:
    """The schema as ``mlptrace schema`` prints it: JSON, indented by 2, ending in a newline."""
    return json.dumps(config_schema(), indent=2) + "\n"
