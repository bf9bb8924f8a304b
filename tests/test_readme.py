"""The README is what runs: every shell example in it is run, and what it shows is what it prints.

The README's code blocks follow one convention:

- ```sh (or ```bash, ```shell): commands, one a line, run as written;
- ```console: ``$ command`` lines, each followed by the output the README
  shows for it; a line ``...`` stands for lines left out;
- a block without a language (or any other) is an illustration: a synopsis,
  an excerpt, a placeholder such as ``my.toml``; it is not run.

Each command runs with bash in a fresh folder holding a copy of examples/
(the seed document is examples/seed/seed.txt), at 80 columns, with this
Python's ``mlptrace`` first on PATH.  A command succeeds (status 0) unless the
output shown ends in an ``mlptrace: error:`` line.  Shown output must appear
in what the command printed (standard output, then standard error), in
order, each run of lines between two ``...`` lines consecutive, every
character equal: the numbers exactly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

README = ROOT / "README.md"
SHELL = {"sh", "bash", "shell"}
# Commands the README shows that this test does not run, and why.  Each must
# still be in the README (see test_every_skip_is_in_the_readme).
SKIP = {
    "python3 -m venv": "installs mlptrace into a new virtual environment (the test runs in one already)",
    "python tests/benchmarks/bench.py": "the benchmarks take minutes and need the checkout's tests/",
}
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)[^\n]*$")


def blocks(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, language, lines) of every fenced code block."""
    out: list[tuple[int, str, list[str]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2).lower(), i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        out.append((start, lang, body))
        i += 1
    return out


def examples() -> list[tuple[str, str, list[str] | None]]:
    """(where, command, shown output or None) for every command the README's shell blocks hold."""
    out: list[tuple[str, str, list[str] | None]] = []
    for start, lang, body in blocks(README.read_text()):
        if lang in SHELL:
            for k, line in enumerate(body):
                if line.strip() and not line.lstrip().startswith("#"):
                    out.append((f"README.md:{start + k + 1}", line.strip(), None))
        elif lang == "console":
            command, shown, at = None, [], start
            for k, line in enumerate(body + ["$ "]):
                if line.startswith("$ "):
                    if command:
                        out.append((f"README.md:{at + 1}", command, shown))
                    command, shown, at = line[2:].strip(), [], start + k
                elif command:
                    shown.append(line.rstrip())
    return out


def _skipped(command: str) -> str | None:
    return next((why for prefix, why in SKIP.items() if command.startswith(prefix)), None)


EXAMPLES_RUN = [e for e in examples() if not _skipped(e[1])]


def test_the_readme_has_shell_examples_with_output():
    assert len(EXAMPLES_RUN) >= 10
    assert sum(shown is not None and any(s.strip() for s in shown) for _, _, shown in EXAMPLES_RUN) >= 4


def test_every_skip_is_in_the_readme():
    commands = [c for _, c, _ in examples()]
    for prefix in SKIP:
        assert any(c.startswith(prefix) for c in commands), f"{prefix!r} is no longer in the README; drop it from SKIP"


def appears_in_order(shown: list[str], printed: list[str]) -> str | None:
    """None if ``shown`` (with ``...`` for lines left out) is in ``printed``; else the first line not found."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            runs.append([])
        else:
            runs[-1].append(line)
    at = 0
    for run in (r for r in runs if r):
        for start in range(at, len(printed) - len(run) + 1):
            if printed[start:start + len(run)] == run:
                at = start + len(run)
                break
        else:
            return next((line for line in run if line not in printed[at:]), run[0])
    return None


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A fresh folder with a copy of examples/, as a clone has it."""
    base = tmp_path_factory.mktemp("readme")
    shutil.copytree(EXAMPLES, base / "examples")
    return base


@pytest.mark.parametrize("where,command,shown", EXAMPLES_RUN, ids=[f"{w} {c}" for w, c, _ in EXAMPLES_RUN])
def test_a_readme_command_runs_and_prints_what_the_readme_shows(folder, where, command, shown):
    if "pdf" in command and not shutil.which("pdflatex"):
        pytest.skip("pdflatex is not installed")
    env = {**os.environ, "COLUMNS": "80", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=300)
    assert "Traceback" not in r.stderr, (where, r.stderr[-3000:])
    wants_error = bool(shown) and any(s.startswith("mlptrace: error:") for s in shown)
    assert (r.returncode != 0) == wants_error, (where, command, r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    if shown:
        printed = [line.rstrip() for line in (r.stdout + r.stderr).splitlines()]
        missing = appears_in_order(shown, printed)
        assert missing is None, f"{where}: {command}: the README shows {missing!r}; printed:\n" + "\n".join(printed)


def test_appears_in_order():
    printed = ["a", "b", "c", "d"]
    assert appears_in_order(["a", "b"], printed) is None
    assert appears_in_order(["a", "...", "d"], printed) is None
    assert appears_in_order(["b", "a"], printed) == "b"  # a run not found is named by its first line
    assert appears_in_order(["b", "...", "a"], printed) == "a"
    assert appears_in_order(["a", "c"], printed) is not None  # without "..." the lines are consecutive
    assert appears_in_order(["x"], printed) == "x"
