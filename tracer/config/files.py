"""Files in the Go package's formats, CSV datasets, and atomic writes.

Every reader raises :class:`InputError` naming the file and the place
(line and column, or a key path) so the command line can print one line.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import stat
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from tracer.core.dataset import overflowing_column
from tracer.errors import InputError

__all__ = [
    "atomic_write",
    "Outputs",
    "write_target",
    "read_json",
    "read_csv",
    "check_header",
    "count_of",
    "read_weights",
    "weights_from_mapping",
    "write_weights",
    "read_minmax",
    "minmax_from_mapping",
    "write_minmax",
    "check_not_input",
    "READ_LIMITS",
    "read_text",
    "parse_number",
    "parse_integer",
]


# --------------------------------------------------------------------------
# writing


def write_target(path: str | os.PathLike) -> tuple[Path, bool]:
    """Where to write ``path``, and whether to replace it atomically.

    A symbolic link is followed, so the file it points to is replaced and
    the link stays.  A target that exists and is not a regular file (a
    device such as /dev/null, a FIFO, a terminal) is written in place:
    renaming a file over it would replace the device itself.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise InputError(str(path), "", "is a directory; expected a file name")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        return path, False
    directory = path.parent if str(path.parent) else Path(".")
    if directory.exists() and not directory.is_dir():
        raise InputError(str(path), "", f"{str(directory)!r} is a file, not a directory")
    if not directory.is_dir():
        raise InputError(str(path), "", f"directory {str(directory)!r} does not exist")
    return path, True


def atomic_write(path: str | os.PathLike, data: str | bytes | Iterable[str]) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    One file's :class:`Outputs`: the bytes go to a temporary file in the same
    directory, are flushed to disk, and the file is renamed over the target
    (a rename within one directory is atomic on POSIX).  An existing file
    keeps its permissions.  Devices and FIFOs are written in place (see
    :func:`write_target`).  ``data`` may be an iterable of strings, written
    as they come, so a large file never has to be held in memory whole.
    """
    with Outputs() as out:
        out.write(path, data)
        out.commit()


class Outputs:
    """A command's output files, committed together or not at all.

    ::

        with Outputs() as out:
            out.write("r-network.svg", svg)     # to a temporary file beside its target
            tmp = out.reserve("t.npz")          # a temporary name for a writer of its own
            out.write("r.md", text)
            out.commit()                        # every temporary renamed over its target

    Leaving the block without :meth:`commit` -- an error, a full disk, a
    file-size limit, Ctrl-C, SIGTERM -- removes every temporary file (and
    every folder :meth:`mkdir` made), so no target is created or changed.
    Inside the block SIGTERM raises SystemExit(143) for that cleanup to run.
    A device or FIFO target cannot be staged: it is written at commit time.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []  # (temporary, target)
        self._in_place: list[tuple[Path, str | bytes | Iterable[str]]] = []
        self._made: list[Path] = []
        self._previous_sigterm: Any = None
        self._done = False

    # ------------------------------------------------------------ the block
    def __enter__(self) -> "Outputs":
        if threading.current_thread() is threading.main_thread():
            current = signal.getsignal(signal.SIGTERM)
            if current in (signal.SIG_DFL, None):  # not inside another Outputs, nor a handler of the caller's
                self._previous_sigterm = signal.signal(signal.SIGTERM, _terminated)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if not self._done:
                self.abort()
        finally:
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)

    # ------------------------------------------------------------ staging
    def mkdir(self, folder: str | os.PathLike) -> None:
        """Make ``folder`` (its parent must exist) now, and remove it again if nothing is committed."""
        folder = Path(folder)
        if not folder.is_dir():
            try:
                folder.mkdir()
            except OSError as exc:
                raise InputError(str(folder), "", f"cannot make the folder: {exc.strerror or exc}") from None
            self._made.append(folder)

    def reserve(self, path: str | os.PathLike) -> tuple[str, Path]:
        """A temporary file beside ``path`` for a writer of its own, and the target it becomes.

        A device or FIFO target is returned as both (it is written in place).
        """
        target, atomic = write_target(path)
        if not atomic:
            return str(target), target
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise InputError(str(target), "", f"cannot write: {exc.strerror or exc}") from None
        os.close(fd)
        self._staged.append((tmp, target))
        return tmp, target

    def write(self, path: str | os.PathLike, data: str | bytes | Iterable[str]) -> None:
        """Stage ``data`` for ``path``: written and flushed to disk now, renamed into place at commit."""
        target, atomic = write_target(path)
        if not atomic:
            self._in_place.append((target, data))
            return
        tmp, _ = self.reserve(target)
        pieces = [data] if isinstance(data, (str, bytes)) else data
        try:
            with open(tmp, "wb") as fh:
                _write_all(fh, pieces)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise InputError(str(target), "", f"cannot write: {exc.strerror or exc}") from None

    def commit(self) -> None:
        """Rename every staged file over its target (keeping an existing file's permissions)."""
        target: Path | None = None
        try:
            for tmp, target in self._staged:
                if tmp != str(target):
                    os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644)
            for tmp, target in self._staged:
                if tmp != str(target):
                    os.replace(tmp, target)
            for target, data in self._in_place:
                with open(target, "wb") as fh:
                    _write_all(fh, [data] if isinstance(data, (str, bytes)) else data)
        except OSError as exc:
            raise InputError(str(target), "", f"cannot write: {exc.strerror or exc}") from None
        self._done = True

    def abort(self) -> None:
        """Remove every temporary file and every folder made; no target is touched."""
        self._done = True
        for tmp, target in self._staged:
            if tmp != str(target):
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:
                pass


def _terminated(signum: int, frame: Any) -> None:
    # Raised where the program is, so the with-blocks around it clean up.
    raise SystemExit(128 + signum)


def _write_all(fh: Any, pieces: Iterable[str | bytes]) -> None:
    for piece in pieces:
        fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)


def check_not_input(targets: Sequence[str | os.PathLike], inputs: Sequence[str | os.PathLike]) -> None:
    """Refuse to write any of ``targets`` over a file that was read as input."""
    read = {os.path.realpath(p) for p in inputs}
    for target in targets:
        if os.path.realpath(target) in read:
            raise InputError(str(target), "", "refusing to overwrite an input file; choose another output")


# --------------------------------------------------------------------------
# reading


MiB = 2**20
# The most bytes mlptrace reads from one input file, per kind of file.  Far
# beyond any real input (a config of a few KiB, the weights of a network at
# the 10,000,000-parameter limit are about 280 MiB of JSON), and small enough
# that the text and what is parsed from it fit in memory: a larger file, or a
# stream that never ends, is refused instead of read until memory runs out.
READ_LIMITS = {
    "config": 16 * MiB,
    "weights": 512 * MiB,  # weights and min-max files (Go-format JSON)
    "dataset": 64 * MiB,  # CSV datasets: ~5 million rows of three columns, ~1.6 GB and ~15 s to parse
    "document": 16 * MiB,  # Markdown or LaTeX documents to verify
}


def read_text(path: str | os.PathLike, kind: str) -> str:
    """The text of an input file of ``kind`` (a key of READ_LIMITS), as UTF-8 without a byte-order mark.

    A character or block device (/dev/zero, /dev/urandom, a terminal) is
    refused: it never ends.  A FIFO is read like a file, at most the limit
    plus one byte, so a writer that never stops is refused too (a FIFO with
    no writer waits for one, as ``cat`` does).
    """
    path = Path(path)
    limit = READ_LIMITS[kind]
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                raise InputError(str(path), "", f"is a device, not a regular file; expected a {kind} file")
            raw = fh.read(limit + 1)  # bounded: never more than one byte past the limit is held
    except FileNotFoundError:
        raise InputError(str(path), "", "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "", "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        size = f"{limit // MiB:,} MiB" if limit % MiB == 0 else f"{limit:,} bytes"
        raise InputError(str(path), "", f"larger than {size}, the most mlptrace reads from a {kind} file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(str(path), f"line {line}, column {col}", "not valid UTF-8") from None
    return text.removeprefix("\ufeff")  # a byte-order mark is fine


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


# A JSON string, or one of the non-JSON constants Python's json would accept.
_JSON_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _constant_place(text: str) -> str:
    """Line and column of the first NaN or Infinity outside a string (parse_constant is not told)."""
    for m in _JSON_CONSTANT.finditer(text):
        if m.group(1):
            at = m.start(1)
            line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
            return f"line {line}, column {col}"
    return ""


class _Repeated(dict):
    """A JSON object in which ``key`` appeared more than once (the dict keeps the last value)."""

    key: str


def _objects(repeats: list[str]):
    """An object_pairs_hook: each object as a dict, marked (and noted in ``repeats``) when a key repeats."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        marked = _Repeated(out)
        marked.key = first_repeat([k for k, _ in pairs]) or ""
        repeats.append(marked.key)
        return marked

    return hook


def _repeated_key(data: Any) -> str | None:
    """Key path (``training.epochs``, ``a[2].b``) of the first repeated key, walking without recursion."""
    todo: list[tuple[str, Any]] = [("", data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict):
            dot = f"{path}." if path else ""
            if isinstance(value, _Repeated):
                return dot + value.key
            todo.extend(reversed([(dot + k, v) for k, v in value.items()]))
        elif isinstance(value, list):
            todo.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(value) if isinstance(v, (dict, list))]))
    return None


def read_json(path: str | os.PathLike, kind: str) -> Any:
    """Parse a JSON file of ``kind`` (see READ_LIMITS); syntax errors name the line and column.

    A key given twice in one object is refused, as TOML refuses it: Python
    keeps the last value, other JSON readers the first, so either reading
    may not be what the author meant.
    """
    text = read_text(path, kind)
    try:
        repeats: list[str] = []
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_objects(repeats))
        # The hook sees objects innermost first and cannot know where they sit:
        # only when a key did repeat is the tree walked for its path.
        repeated = _repeated_key(data) if repeats else None
        if repeated is not None:
            raise InputError(str(path), repeated, "this key is given twice in one object; keep one")
        return data
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"line {exc.lineno}, column {exc.colno}", exc.msg) from None
    except ValueError as exc:
        raise InputError(str(path), _constant_place(text), too_long_integer(exc) or str(exc)) from None
    except RecursionError:
        raise InputError(str(path), "", NESTED_TOO_DEEPLY) from None


NESTED_TOO_DEEPLY = "nested too deeply (lists or objects inside one another beyond Python's recursion limit)"


def too_long_integer(exc: ValueError) -> str | None:
    """Python's own words for an integer beyond its 4300-digit limit, said for a user (or None)."""
    return "an integer of more than 4300 digits" if "integer string conversion" in str(exc) else None


def count(n: int) -> str:
    """A whole number with thousands separators; beyond 10**18 only its size."""
    return f"{n:,}" if n <= 10**18 else "more than 10^18"


def shown(value: Any, limit: int = 40) -> str:
    """A value as JSON, cut to ``limit`` characters so that a message stays one readable line."""
    try:
        text = json.dumps(value)
    except ValueError:  # an integer of more than 4300 digits
        text = "a number too long to print"
    except TypeError:  # TOML's dates and times
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_float(v: int | float) -> float:
    """``float(v)``, or infinity for an integer beyond float64 (JSON and TOML integers have no size limit)."""
    try:
        return float(v)
    except OverflowError:
        return math.inf


# Plain ASCII decimals, the one number syntax mlptrace reads from a data file
# or a command line.  Python's float() and int() also take "1_000", digits of
# other scripts ("١٢", fullwidth "１２"), surrounding whitespace, "nan" and
# "infinity": a file or an option holding those has a typo or an encoding
# slip, not a number.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_number(text: str) -> float | None:
    """A finite plain decimal number (``3``, ``-0.5``, ``1e-3``) as the Go package reads one, else None."""
    if not _DECIMAL.fullmatch(text):
        return None
    v = float(text)
    return v if math.isfinite(v) else None


def parse_integer(text: str) -> int | None:
    """A plain decimal whole number (``10``, ``-3``), else None (also beyond Python's 4300-digit limit)."""
    if not _INTEGER.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def first_repeat(names: Sequence[str]) -> str | None:
    """The first name that appears a second time, if any (in one pass: a header may have many columns)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def one_line(text: str) -> bool:
    """Whether ``text`` is one line of printable text: no newline, tab, escape or other control character.

    A label is printed into Markdown tables, TeX and the terminal, where a
    newline ends a row and an escape sequence recolours the screen.
    """
    # Cs: a lone surrogate (JSON's "\udc80") is no character at all; UTF-8 cannot write it
    return not any(unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") for c in text)


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """``1 column``, ``3 columns``, ``2 mismatches``: a count with its noun in the right number.

    The one helper for plurals, so no message says "1 checks" or "row(s)".
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def check_header(header: list[str], names: Sequence[tuple[str, Sequence[str] | int]], source: str, lineno: int) -> None:
    """The header must name the config's columns in order, or the values land under the wrong labels.

    ``names`` lists each group of columns with its labels, or with a count
    where the config counts them (those columns are named by the file).
    """
    at, wanted, ok = 0, [], True
    for group, labels in names:
        if isinstance(labels, int):
            wanted.append(f"{labels:,} {group}")
            at += labels
            continue
        wanted.append(f"{group} {', '.join(labels)}")
        ok = ok and header[at:at + len(labels)] == list(labels)
        at += len(labels)
    if not ok:
        raise InputError(source, f"line {lineno}", f"the header names {', '.join(header)}; the config names "
                         + " then ".join(wanted) + " (same names, same order)")


def read_csv(path: str | os.PathLike, columns: int | None = None,
             names: Sequence[tuple[str, Sequence[str] | int]] = ()) -> tuple[list[str], np.ndarray]:
    """Read a dataset: a header row, then rows of numbers.

    Fields are separated by commas and may carry spaces; blank lines are
    ignored; Windows line endings, a byte-order mark and a missing final
    newline are fine.  Returns the header labels and a float64 array with
    one row per data line.  ``columns``, when given, is the number of fields
    every row must have.  ``names`` lists the column groups the header must
    name in order, e.g. ``[("inputs", ["sleep", "study"]), ("outputs", ["grade"])]``;
    a group given as a count (a config that counts its inputs) is taken as written.
    """
    text = read_text(path, "dataset")
    # Only \n, \r\n and \r end a line (str.splitlines also splits at form
    # feeds and other separators, which would put later errors on the wrong line).
    lines = re.split(r"\r\n|\r|\n", text)
    header: list[str] | None = None
    rows: list[list[float]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split(",")
        if header is None:
            header = [f.strip() for f in fields]
            for i, name in enumerate(header):
                if not name:
                    raise InputError(str(path), f"line {lineno}, field {i + 1}", "empty column name in the header")
                if not one_line(name):
                    raise InputError(str(path), f"line {lineno}, field {i + 1}",
                                     f"a column name is one line of printable text, found {shown(name)}")
            if all(parse_number(name) is not None for name in header):
                # a dataset without its header would lose its first row and its column names
                raise InputError(str(path), f"line {lineno}",
                                 "no header row: the first line holds numbers; a dataset starts with a line naming its columns")
            dup = first_repeat(header)
            if dup is not None:
                raise InputError(str(path), f"line {lineno}", f"duplicated column name {dup!r} in the header")
            if columns is not None and len(header) != columns:
                hint = " (mlptrace reads commas; is this file separated by semicolons?)" if len(header) == 1 and ";" in line else ""
                raise InputError(
                    str(path), f"line {lineno}",
                    f"the header has {count_of(len(header), 'column')}, the network needs {columns} (inputs then targets){hint}",
                )
            check_header(header, names, str(path), lineno)
            continue
        if len(fields) != len(header):
            raise InputError(
                str(path), f"line {lineno}", f"{len(fields)} fields, expected {len(header)} like the header"
            )
        row = []
        col = 1
        for i, field in enumerate(fields):
            value = field.strip()
            number = parse_number(value)
            if number is None:
                column = col + (len(field) - len(field.lstrip()))
                cut = value if len(value) <= 40 else value[:37] + "..."
                raise InputError(
                    str(path), f"line {lineno}, column {column}",
                    f"{cut!r} is not a finite number" if value else "an empty field is not a number",
                )
            row.append(number)
            col += len(field) + 1
        rows.append(row)
    if header is None:
        raise InputError(str(path), "", "the file is empty; expected a header row and data rows")
    if not rows:
        raise InputError(str(path), "", "the file has a header but no data rows")
    return header, np.array(rows, dtype=np.float64)


# --------------------------------------------------------------------------
# Go-format weights and min-max


def numbers(value: Any, source: str, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """Check that ``value`` is a nested list of finite numbers of ``shape``."""

    def walk(v: Any, path: str, dims: tuple[int, ...]) -> Any:
        if not dims:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(source, path, f"expected a number, found {shown(v)}")
            f = as_float(v)
            if not math.isfinite(f):
                raise InputError(source, path, "expected a finite number")
            return f
        if not isinstance(v, list):
            raise InputError(source, path, f"expected a list of {dims[0]}, found {shown(v)}")
        if len(v) != dims[0]:
            raise InputError(source, path, f"expected {dims[0]} entries, found {len(v)}")
        return [walk(item, f"{path}[{i}]", dims[1:]) for i, item in enumerate(v)]

    return np.array(walk(value, where, shape), dtype=np.float64).reshape(shape)


WEIGHT_KEYS = ("hiddenWeights", "hiddenBias", "outputWeights", "outputBias")


def _check_keys(data: Any, keys: Sequence[str], source: str, prefix: str) -> str:
    """``data`` must be an object with exactly ``keys``; returns the key-path prefix for messages."""
    if not isinstance(data, dict):
        raise InputError(source, prefix or "top level", "expected an object with " + ", ".join(keys))
    dot = f"{prefix}." if prefix else ""
    for key in data:
        if key not in keys:
            raise InputError(source, f"{dot}{key}", "unknown key; expected " + ", ".join(keys))
    for key in keys:
        if key not in data:
            raise InputError(source, f"{dot}{key}", "missing")
    return dot


def weights_from_mapping(data: Any, layers: Sequence[int], source: str, prefix: str = "") -> list[tuple[np.ndarray, np.ndarray]]:
    """Turn Go-format weights into ``[(W, b), ...]``, hidden layers first.

    ``layers`` is ``[inputs, hidden..., outputs]``; ``W`` of a layer has
    shape ``(nodes, inputs of that layer)``.
    """
    dot = _check_keys(data, WEIGHT_KEYS, source, prefix)
    hidden = list(layers[1:-1])
    nh = len(hidden)
    hw, hb = data["hiddenWeights"], data["hiddenBias"]
    for key, value in (("hiddenWeights", hw), ("hiddenBias", hb)):
        if not isinstance(value, list) or len(value) != nh:
            found = len(value) if isinstance(value, list) else shown(value)
            raise InputError(source, f"{dot}{key}", f"expected {nh} hidden layer(s), found {found}")
    params = []
    for l in range(nh):
        w = numbers(hw[l], source, f"{dot}hiddenWeights[{l}]", (layers[l + 1], layers[l]))
        b = numbers(hb[l], source, f"{dot}hiddenBias[{l}]", (layers[l + 1],))
        params.append((w, b))
    w = numbers(data["outputWeights"], source, f"{dot}outputWeights", (layers[-1], layers[-2]))
    b = numbers(data["outputBias"], source, f"{dot}outputBias", (layers[-1],))
    params.append((w, b))
    return params


def read_weights(path: str | os.PathLike, layers: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read a Go-format weights-and-biases file for a network of ``layers``."""
    return weights_from_mapping(read_json(path, "weights"), layers, str(path))


def _dump(data: Any) -> str:
    # Python's float repr is the shortest string that round-trips, which is
    # what Go's encoding/json writes too; indentation as the Go package.
    return json.dumps(data, indent=2) + "\n"


def weights_to_mapping(params: Sequence[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    return {
        "hiddenWeights": [w.tolist() for w, _ in params[:-1]],
        "hiddenBias": [b.tolist() for _, b in params[:-1]],
        "outputWeights": params[-1][0].tolist(),
        "outputBias": params[-1][1].tolist(),
    }


def write_weights(path: str | os.PathLike, params: Sequence[tuple[np.ndarray, np.ndarray]],
                  outputs: "Outputs | None" = None) -> None:
    """Write a weights file, alone or (``outputs``) staged with a command's other outputs."""
    if outputs is None:
        atomic_write(path, _dump(weights_to_mapping(params)))
    else:
        outputs.write(path, _dump(weights_to_mapping(params)))


MINMAX_KEYS = ("minInput", "maxInput", "minOutput", "maxOutput")


def minmax_from_mapping(data: Any, n_in: int, n_out: int, source: str, prefix: str = "") -> dict[str, np.ndarray]:
    """Check a Go-format min-max mapping and return its four arrays."""
    dot = _check_keys(data, MINMAX_KEYS, source, prefix)
    out = {}
    for key in MINMAX_KEYS:
        n = n_in if key.endswith("Input") else n_out
        out[key] = numbers(data[key], source, f"{dot}{key}", (n,))
    for side in ("Input", "Output"):
        lo, hi = out["min" + side], out["max" + side]
        bad = np.nonzero(lo > hi)[0]
        if bad.size:
            i = int(bad[0])
            raise InputError(source, f"{dot}min{side}[{i}]", f"minimum {lo[i]:g} is larger than maximum {hi[i]:g}")
        i = overflowing_column(lo, hi)
        if i is not None:
            raise InputError(source, f"{dot}max{side}[{i}]", f"max - min ({hi[i]:g} - {lo[i]:g}) overflows float64")
    return out


def read_minmax(path: str | os.PathLike, n_in: int, n_out: int) -> dict[str, np.ndarray]:
    """Read a Go-format min-max file for ``n_in`` inputs and ``n_out`` outputs."""
    return minmax_from_mapping(read_json(path, "weights"), n_in, n_out, str(path))


def write_minmax(path: str | os.PathLike, minmax: dict[str, np.ndarray], outputs: "Outputs | None" = None) -> None:
    """Write a min-max file, alone or (``outputs``) staged with a command's other outputs."""
    text = _dump({k: np.asarray(minmax[k]).tolist() for k in MINMAX_KEYS})
    if outputs is None:
        atomic_write(path, text)
    else:
        outputs.write(path, text)
