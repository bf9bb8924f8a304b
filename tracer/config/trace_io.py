"""Traces on disk: the JSON trace loaded back, and the .npz trace streamed in compressed chunks.

The trace itself (tracer.core.trace) is numbers in memory; writing and reading
files, atomically, belongs with the other file formats.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import re
import zipfile
from typing import Any, Iterator

import numpy as np

from tracer.core.trace import Trace
from tracer.core.variant import DEFAULT, Variant

__all__ = ["NpzWriter", "CHUNK", "iter_chunks", "load", "as_trace", "as_trace_or_config"]


# --------------------------------------------------------------------------
# streaming to disk, and loading back

CHUNK = 4096  # kept steps per chunk of a streamed trace


def _meta(trace: Trace, params: bool = True) -> dict[str, Any]:
    """Everything of the trace JSON but the steps (and the epochs, stored as an array; and the params if not ``params``)."""
    d = trace.to_dict(steps=False, epochs=False, params=params)
    d.pop("epochs")
    if not params:
        del d["initial"], d["final"]
    return d


class NpzWriter:
    """Streams a trace to a ``.npz`` file, one chunk of steps at a time.

    Each chunk ``c`` is a group of arrays ``c000000/x``, ``c000000/s0``, ...
    (the stored quantities only, full float64: per kept step, and the state
    ``w0``, ``b0``, ... at the chunk's keyframes, ``c000000/keyframe``; a
    chunk's first step is one, so each chunk reads on its own).  The
    arrays are stored uncompressed: deflate shrinks float64 noise by about
    14% at more than the training's own time.  ``meta.json`` (the JSON
    trace's fields but the steps, compressed), ``epoch_loss`` and the
    ``initial/w0``, ``final/w0``, ... weights and biases (as arrays: their
    JSON text took longer than a short run) are written last.  The file is built under a temporary
    name beside the target, reserved in ``outputs`` (a
    :class:`tracer.config.files.Outputs`: the command's other files are committed
    with it, or none is); without one it is renamed into place when closed.
    Either way a reader never sees a partial trace.
    """

    def __init__(self, path: str | os.PathLike, outputs: Any = None):
        from tracer.config.files import Outputs

        self.own = outputs is None
        self.outputs = Outputs() if self.own else outputs
        self.tmp, target = self.outputs.reserve(path)
        self.path = os.fspath(target)
        self.zip = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.chunks = 0

    def _put(self, name: str, array: np.ndarray) -> None:
        try:
            with self.zip.open(zipfile.ZipInfo(name + ".npy"), "w", force_zip64=True) as fh:  # stored
                np.lib.format.write_array(fh, np.ascontiguousarray(array), allow_pickle=False)
        except OSError as exc:  # a full disk, a file-size limit: one line, and the temporary goes
            from tracer.errors import InputError

            raise InputError(self.path, "", f"cannot write: {exc.strerror or exc}") from None

    def __call__(self, trace: Trace, n: int) -> None:
        prefix = f"c{self.chunks:06d}/"
        self._put(prefix + "step", trace.kept[:n])
        for name, arr in trace.per_field(n):
            self._put(prefix + name, arr)
        self.chunks += 1

    def close(self, trace: Trace) -> None:
        meta = _meta(trace, params=False)
        meta["chunks"] = self.chunks
        try:
            self.zip.writestr("meta.json", json.dumps(meta, allow_nan=False))
            self._put("epoch_loss", trace.epoch_loss)
            for side in ("initial", "final"):
                for l, (w, b) in enumerate(getattr(trace, side)):
                    self._put(f"{side}/w{l}", w)
                    self._put(f"{side}/b{l}", b)
            self.zip.close()
            if self.tmp != self.path:
                with open(self.tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
        except OSError as exc:
            from tracer.errors import InputError

            raise InputError(self.path, "", f"cannot write: {exc.strerror or exc}") from None
        if self.own:
            self.outputs.commit()

    def abort(self) -> None:
        try:
            self.zip.close()
        except (OSError, ValueError):
            pass  # the file is thrown away: a failure to finish it changes nothing
        finally:
            if self.own:
                self.outputs.abort()


def _variant(meta: dict[str, Any]) -> Variant:
    """The training rule a trace records (a trace from before the variants: the document's)."""
    training = meta.get("training", {})
    return Variant(bias=meta["network"].get("bias", DEFAULT.bias), loss=meta["network"]["loss"],
                   **{key: training[key] for key in DEFAULT.training_dict() if key in training})


def _from_meta(meta: dict[str, Any], k: int) -> Trace:
    """A trace of ``k`` kept steps, its arrays allocated, not filled.

    Its ``kept`` are zeros until filled, no two consecutive: every position
    has room for a keyframe, as a JSON trace (which lists every step's
    state) needs; a .npz's chunks set their own (``Trace.set_stored``).
    """
    net = meta["network"]

    def params(ps):
        return [(np.array(p["w"], dtype=np.float64), np.array(p["b"], dtype=np.float64)) for p in ps]

    t = Trace(
        layers=net["layers"], activations=net["activations"], learning_rate=net["learning_rate"],
        input_labels=net["inputs"], output_labels=net["outputs"],
        minmax=meta["minmax"], method=meta["normalize"], n_rows=meta["rows"], epochs=meta["epoch_count"],
        kept=np.zeros(k, dtype=np.int64), initial=params(meta["initial"]), final=params(meta["final"]),
        final_loss=np.nan if meta["final_loss"] is None else meta["final_loss"],
        seed=meta["seed"], stopped=meta.get("stopped"), variant=_variant(meta),
    )
    return t


READS = (1, 2)  # trace versions this mlptrace reads: 1 stored every step's state, 2 the keyframes' only


def _version(meta: dict[str, Any], name: str) -> int:
    from tracer.errors import InputError

    version = meta.get("version", READS[-1])  # none: not a trace, which the keys it lacks will say
    if version not in READS:
        raise InputError(name, "version", f"trace version {version!r}; this mlptrace reads versions "
                         f"{', '.join(map(str, READS))} (a newer mlptrace wrote it?)")
    return version


@contextlib.contextmanager
def _reading(path: str | os.PathLike) -> Iterator[None]:
    """A trace file that is missing, foreign or damaged raises InputError naming it, as every reader does."""
    from tracer.errors import InputError

    name = os.fspath(path)
    not_a_trace = "not an mlptrace trace (mlptrace train --trace writes one, .json or .npz)"
    try:
        yield
    except FileNotFoundError:
        raise InputError(name, "", "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "", "is a directory, not a file") from None
    except json.JSONDecodeError as exc:
        raise InputError(name, f"line {exc.lineno}, column {exc.colno}", f"{exc.msg}; {not_a_trace}") from None
    except UnicodeDecodeError:
        raise InputError(name, "", f"not valid UTF-8: {not_a_trace}") from None
    except OSError as exc:
        raise InputError(name, "", f"cannot read: {exc.strerror or exc}") from None
    except KeyError as exc:
        raise InputError(name, str(exc.args[0]) if exc.args else "", f"missing: {not_a_trace}") from None
    except (zipfile.BadZipFile, ValueError, TypeError, IndexError, AttributeError):
        raise InputError(name, "", not_a_trace) from None


def _trace_file(read: Any) -> Any:
    """``read(path)`` (a function or a generator) with :func:`_reading`'s errors."""
    if inspect.isgeneratorfunction(read):
        @functools.wraps(read)
        def chunks(path: str | os.PathLike) -> Iterator[Trace]:
            with _reading(path):
                yield from read(path)
        return chunks

    @functools.wraps(read)
    def whole(path: str | os.PathLike) -> Trace:
        with _reading(path):
            return read(path)
    return whole


def _npz_meta(npz: Any) -> dict[str, Any]:
    """A .npz trace's ``meta.json``, with the initial and final parameters its arrays hold (version 1: in the JSON)."""
    meta = json.loads(npz.zip.read("meta.json"))
    for side in ("initial", "final"):
        if side not in meta:
            meta[side] = [{"w": npz[f"{side}/w{l}"], "b": npz[f"{side}/b{l}"]}
                          for l in range(len(meta["network"]["layers"]) - 1)]
    return meta


@_trace_file
def iter_chunks(path: str | os.PathLike) -> Iterator[Trace]:
    """The chunks of a streamed ``.npz`` trace, one Trace each, read lazily; a JSON trace is its own one chunk."""
    if not zipfile.is_zipfile(path):  # a JSON trace is read whole anyway
        yield load(path)
        return
    with np.load(path, allow_pickle=False) as npz:
        meta = _npz_meta(npz)
        version = _version(meta, os.fspath(path))
        for c in range(meta["chunks"]):
            prefix = f"c{c:06d}/"
            kept = npz[prefix + "step"]
            t = _from_meta(meta, len(kept))
            t.kept = kept
            # version 1 stored every step's state: each step its own keyframe
            key_at = npz[prefix + "keyframe"] if version >= 2 else np.arange(len(kept))
            t.set_stored(lambda name: npz[prefix + name], key_at)
            t.epoch_loss = npz["epoch_loss"]
            yield t


@_trace_file
def load(path: str | os.PathLike) -> Trace:
    """Read a trace written by ``mlptrace train --trace`` (``.json`` or a streamed ``.npz``)."""
    path = os.fspath(path)
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as npz:
            meta = _npz_meta(npz)
            epoch_loss = npz["epoch_loss"]
        chunks = list(iter_chunks(path))
        t = _from_meta(meta, 0)
        if chunks:
            t.kept = np.concatenate([c.kept for c in chunks])
            stored = [dict(c.per_field()) for c in chunks]
            starts = np.cumsum([0] + [c.n_steps for c in chunks[:-1]])
            key_at = np.concatenate([c.key_at + start for c, start in zip(chunks, starts)])
            t.set_stored(lambda name: np.concatenate([arrays[name] for arrays in stored]), key_at)
        t.epoch_loss = epoch_loss
        return t
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    _version(d, path)
    steps = d["steps"]
    t = _from_meta(d, len(steps))
    # a step is one update: steps_per_epoch of them per epoch, each starting at row (its index) * rows_per_step
    t.kept = np.array([s["epoch"] * t.steps_per_epoch + s["row"] // t.rows_per_step for s in steps], dtype=np.int64)
    def arr(v: Any) -> np.ndarray:
        return np.array(v, dtype=np.float64)  # null (a value that overflowed) reads back as NaN

    for k, st in enumerate(steps):
        for f in t.fields:
            values = [layer[f.name] for layer in st["layers"]] if f.per_layer else [st[f.name]]
            # the state as listed, every step a keyframe
            targets = t.keys[f.name] if f.state else getattr(t, f.name) if f.per_layer else [getattr(t, f.name)]
            for target, value in zip(targets, values):
                if target.ndim == 1:
                    target[k] = arr(value)
                else:
                    v = arr(value)
                    target[k][:len(v)] = v  # a batch step lists its rows only; the rest stays NaN
    t.key_at[:], t.n_keys = np.arange(len(steps)), len(steps)  # each step lists its state: each a keyframe
    t.epoch_loss = np.full(d["epoch_count"], np.nan)
    for e in d["epochs"]:
        t.epoch_loss[e["epoch"]] = e["loss"]
    return t


# --------------------------------------------------------------------------
# what a caller has: a Trace, a config, or the path of either


def as_trace(source: Any) -> Trace:
    """A Trace from a Trace or the path (str or Path) of a ``.json`` or ``.npz`` trace; else an InputError.

    Every public function that takes a trace calls this, so each takes both.
    """
    if isinstance(source, Trace):
        return source
    if isinstance(source, (str, os.PathLike)):
        return load(source)
    from tracer.errors import InputError

    raise InputError(type(source).__name__, "", "expected a trace: a Trace, or the path of a .json or .npz trace file")


# A JSON trace starts with its format (Trace.to_dict puts it first): enough to tell it from a JSON config.
_JSON_TRACE = re.compile(rb'\A\s*\{\s*"format"\s*:\s*"mlptrace-trace"')


def as_trace_or_config(source: Any) -> Any:
    """A Trace or a Config, for the functions that take either (the gradient check, reports).

    A path is a trace when it is a ``.npz`` file or a JSON file starting with
    ``"format": "mlptrace-trace"``, a config otherwise.
    """
    from tracer.config.schema import Config, as_config

    if isinstance(source, (Trace, Config)):
        return source
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if name.lower().endswith(".npz"):
            return load(name)
        if name.lower().endswith(".json"):
            try:
                with open(name, "rb") as fh:
                    head = fh.read(4096)
            except OSError:
                head = b""  # the config reader names what is wrong with it
            if _JSON_TRACE.match(head.removeprefix(b"\xef\xbb\xbf")):
                return load(name)
    return as_config(source)
