"""The bad-input catalogue's harness: run the real command, check the promise.

The promise (README, "Errors and exit codes"): bad input gets exactly one line
on standard error, ``mlptrace: error: <file>: <where>: <what>``, exit status 2,
no traceback, nothing on standard output, no file created or changed, and no
raw control character (an escape sequence, a bell, a bidi override) on either
stream.  Every catalogue test file builds its cases on :func:`run_bad_input`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

from conftest import EXAMPLES

SEED = (EXAMPLES / "seed" / "sigmoid.toml").read_text()

# C0 controls other than newline and tab, DEL, C1 controls, and the bidi
# embeddings, overrides and isolates: none may reach a terminal raw.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def seed_with(old: str, new: str) -> str:
    """The seed example's config with one piece of text replaced (which must be there)."""
    assert old in SEED, old
    return SEED.replace(old, new)


def seed_datasets(inputs=("i0", "i1"), outputs=("z0",)) -> dict[str, str]:
    """The seed's two datasets (training, and the report's four rows) under a header naming ``inputs`` then ``outputs``.

    A dataset's header must name the config's columns, so a test that
    relabels the seed's config relabels its datasets too.
    """
    out = {}
    for name in ("dataset.csv", "four-rows.csv"):
        rows = (EXAMPLES / "seed" / name).read_text().splitlines()[1:]
        out[name] = "\n".join([",".join([*inputs, *outputs]), *rows]) + "\n"
    return out


def on_dataset(name: str) -> str:
    return seed_with('dataset = "dataset.csv"', f'dataset = "{name}"')


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), so a file or folder created shows too."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = b"-> " + os.fsencode(os.readlink(p))
        elif p.is_file():
            out[key] = p.read_bytes()
        else:
            out[key] = None
    return out


def lay_out(folder: Path, files: Mapping[str, str | bytes | None]) -> None:
    """A copy of the seed example plus ``files`` (a name ending in "/" makes a folder)."""
    for p in (EXAMPLES / "seed").iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    for fname, content in files.items():
        target = folder / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        if fname.endswith("/"):
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(content if isinstance(content, bytes) else str(content).encode())


def run(folder: Path, argv: Sequence[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """``python -m tracer ARGV`` in ``folder``: the real console script's streams and status."""
    return subprocess.run([sys.executable, "-m", "tracer", *argv], cwd=folder, capture_output=True,
                          text=True, errors="surrogateescape", timeout=timeout, stdin=subprocess.DEVNULL, **kwargs)


def assert_no_raw_control(*streams: str) -> None:
    for text in streams:
        found = RAW_CONTROL.search(text)
        assert found is None, f"raw control character {found.group()!r} in {text!r}"


def run_bad_input(folder: Path, files: Mapping[str, str | bytes | None], argv: Sequence[str],
                  words: Sequence[str], status: int = 2, timeout: float = 60, prepare=None) -> str:
    """Lay out ``files``, run ``argv``, assert the bad-input promise; return the error line.

    ``prepare(folder)``, if given, runs after the files are laid out (for
    symlinks, FIFOs and other things a mapping cannot hold).
    """
    lay_out(folder, files)
    if prepare is not None:
        prepare(folder)
    before = snapshot(folder)
    r = run(folder, argv, timeout=timeout)
    assert r.returncode == status, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr[-2000:]
    assert lines[0].startswith("mlptrace: error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert r.stdout == "", r.stdout[-2000:]
    assert_no_raw_control(r.stdout, r.stderr)
    assert snapshot(folder) == before
    return lines[0]
