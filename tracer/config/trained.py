"""The config ``train --out DIR`` writes beside the trained weights: ``DIR/trained.toml``.

It is the trained config made runnable again: ``mlptrace test DIR/trained.toml``
and ``predict`` use the trained network, not the initial one.  Every path in
it is relative to DIR and names a file in DIR, so the folder can be moved:

- ``[init]`` reads the saved weights (``method = "file"``) and says
  ``trained = true``, which is how ``test`` and ``predict`` tell trained
  weights from a config's initial ones;
- ``[normalize]`` reads the saved min-max for every side that was not off
  (a calculated min-max is fixed now: a testing dataset must be normalised
  with the training data's range, not its own);
- ``[training]`` names a copy of the rows the network was trained on, so the
  folder does not depend on where the original dataset was.

Everything else (labels, layers, activations as trained, the learning rate,
any other key of the original config) is carried over; ``[report]`` is left
out, its dataset being outside the folder.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

import numpy as np

from tracer.config.schema import Config

__all__ = ["TRAINED_NAME", "DATASET_NAME", "trained_mapping", "trained_toml", "dataset_csv", "toml_text"]

TRAINED_NAME = "trained.toml"
DATASET_NAME = "training-data.csv"


def trained_mapping(cfg: Config, original: Mapping[str, Any], weights_name: str, minmax_name: str,
                    dataset_name: str = DATASET_NAME) -> dict[str, dict[str, Any]]:
    """The sections of the trained config: ``original`` (the parsed config file) with what training fixed."""
    out = {name: dict(sec) for name, sec in original.items() if isinstance(sec, Mapping) and name != "report"}
    network = out.setdefault("network", {})
    network.update(inputs=list(cfg.input_labels), outputs=list(cfg.output_labels), hidden=list(cfg.hidden))
    # as trained: --activation on the command line changes what the weights mean
    network["activation"] = cfg.activations[0] if len(set(cfg.activations)) == 1 else list(cfg.activations)
    training = out.setdefault("training", {})
    training.pop("data", None)
    training.update(epochs=cfg.epochs, dataset=dataset_name)
    sides = {side: ("off" if mode == "off" else "file") for side, mode in
             (("inputs", cfg.inputs_mode), ("outputs", cfg.outputs_mode))}
    normalize: dict[str, Any] = {"method": cfg.method, **sides}
    if "file" in sides.values():
        normalize["minmax"] = minmax_name
    out["normalize"] = normalize
    out["init"] = {"method": "file", "file": weights_name, "trained": True}
    order = ["network", "training", "normalize", "init"]
    return {name: out[name] for name in order + [n for n in out if n not in order]}


def trained_toml(cfg: Config, original: Mapping[str, Any], weights_name: str, minmax_name: str,
                 dataset_name: str = DATASET_NAME) -> str:
    """``trained.toml``'s text: a comment saying where it came from, then :func:`trained_mapping`."""
    head = (
        f"# Written by mlptrace train --out from {json.dumps(str(cfg.source), ensure_ascii=False)}:\n"
        f"# the network after {cfg.epochs} epoch(s), its weights in {weights_name}, its min-max in {minmax_name},\n"
        f"# the rows it was trained on in {dataset_name}. Paths are relative to this file's folder.\n"
        "#   mlptrace test trained.toml        mlptrace predict trained.toml --input ...\n\n"
    )
    return head + toml_text(trained_mapping(cfg, original, weights_name, minmax_name, dataset_name))


def dataset_csv(cfg: Config) -> str:
    """The training rows as a CSV under a header of the config's labels; every value round-trips."""
    lines = [",".join(cfg.input_labels + cfg.output_labels)]
    lines += [",".join(_number(float(v)) for v in row) for row in np.asarray(cfg.raw)]
    return "\n".join(lines) + "\n"


def _number(v: float) -> str:
    text = repr(v)  # the shortest text that reads back as the same float64
    return text[:-2] if text.endswith(".0") else text


# --------------------------------------------------------------------------
# TOML, for the values a config holds (strings, booleans, numbers, lists, tables of them)


def toml_text(sections: Mapping[str, Mapping[str, Any]]) -> str:
    """A TOML document of ``[section]`` tables; tomllib reads it back as ``sections``."""
    blocks = []
    for name, sec in sections.items():
        lines = [f"[{_key(name)}]"] + [f"{_key(k)} = {_value(v)}" for k, v in sec.items()]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _key(name: str) -> str:
    return name if name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name) else _string(name)


def _string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL escaped
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return ("-inf" if v < 0 else "inf") if math.isinf(v) else "nan"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(item) for item in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(item)}" for k, item in v.items()) + "}"
    raise TypeError(f"a config holds no {type(v).__name__} values")
