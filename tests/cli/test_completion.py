"""mlptrace completion bash|zsh: the script, sourced in the real shell, completes the parser's commands and options.

issue 17, Conventions: "`mlptrace completion bash|zsh` prints a completion
script generated from the parser".  The bash tests run the script the way a
user installs it and call its completion function with COMP_WORDS set as
bash sets them when TAB is pressed after the last word.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from badinput import run, run_bad_input
from tracer.cli import build_parser
from tracer.cli.completion import FILES_BY_METAVAR, FREE_TEXT_METAVARS, SHELLS, subcommand_parsers, words_by_metavar

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="bash is not installed")


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory) -> Path:
    r = run(Path.cwd(), ["completion", "bash"])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    path = tmp_path_factory.mktemp("completion") / "mlptrace.bash"
    path.write_text(r.stdout)
    return path


def complete(script: Path, line: str, cwd: Path | None = None) -> list[str]:
    """What bash offers for TAB at the end of ``line``: COMPREPLY after the script's function runs."""
    words = line.split(" ")  # a trailing space leaves an empty last word, as bash has it
    program = f"""
        source {shlex.quote(str(script))}
        function=$(complete -p mlptrace | sed -E 's/.* -F ([^ ]+) .*/\\1/')
        COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})
        COMP_CWORD={len(words) - 1}
        COMP_LINE={shlex.quote(line)}
        COMP_POINT=${{#COMP_LINE}}
        "$function"
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    r = subprocess.run([BASH, "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                       cwd=cwd or Path.cwd(), env=ENV, timeout=60)
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    return sorted(w.strip() for w in r.stdout.splitlines() if w.strip())


def test_sourcing_the_bash_script_registers_a_completion_function_for_mlptrace():
    r = subprocess.run([BASH, "-c", "source <(mlptrace completion bash); complete -p mlptrace"],
                       capture_output=True, text=True, env=ENV, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    line = r.stdout.strip()
    assert line.startswith("complete ") and line.endswith(" mlptrace") and " -F " in line, line


@pytest.mark.parametrize("line,expected", [
    ("mlptrace re", ["report"]),
    ("mlptrace c", ["check", "completion"]),
    ("mlptrace report --for", ["--format"]),
    ("mlptrace verify --w", ["--which-variant"]),
    ("mlptrace gd --s", ["--steps", "--svg"]),
    ("mlptrace --v", ["--version"]),
])
def test_bash_completes_commands_and_options(bash_script, line, expected):
    assert complete(bash_script, line) == expected


@pytest.mark.parametrize("line,expected", [
    # report's formats and verify's, the completion command's shells: the parser's choices.
    ("mlptrace report --format ", ["html", "md", "pdf", "tex"]),
    ("mlptrace verify --format ", ["github", "json", "text"]),
    ("mlptrace completion ", ["bash", "zsh"]),
    # --activation's help names the four an every-layer activation may be (softmax is output-only).
    ("mlptrace walk --activation ", ["linear", "relu", "sigmoid", "tanh"]),
    ("mlptrace train --activation t", ["tanh"]),
    ("mlptrace train --record ", ["all", "epochs"]),
])
def test_bash_completes_choices_as_their_choices(bash_script, line, expected):
    assert complete(bash_script, line) == expected


@pytest.fixture
def folder(tmp_path) -> Path:
    for name in ("net.toml", "net.json", "data.csv", "notes.md", "weights.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "runs").mkdir()
    return tmp_path


@pytest.mark.parametrize("line,expected", [
    ("mlptrace train ", ["net.json", "net.toml", "runs"]),  # a config: TOML or JSON, or a folder to go into
    ("mlptrace verify notes.md --config ", ["net.json", "net.toml", "runs"]),
    ("mlptrace verify notes.md --names ", ["net.toml", "runs"]),
    ("mlptrace test --data ", ["data.csv", "runs"]),
    ("mlptrace test --weights w", ["weights.txt"]),
    ("mlptrace verify ", ["data.csv", "net.json", "net.toml", "notes.md", "runs", "weights.txt"]),
    ("mlptrace train --out ", ["runs"]),  # a folder only
    ("mlptrace report --template r", ["runs"]),
])
def test_bash_completes_files_and_folders(bash_script, folder, line, expected):
    assert complete(bash_script, line, cwd=folder) == expected


def test_every_argument_with_a_value_is_classified_for_completion():
    # A new option whose metavar is neither a file kind, a list of names,
    # nor known free text would silently complete as nothing.
    known = set(FILES_BY_METAVAR) | set(words_by_metavar()) | FREE_TEXT_METAVARS
    for parser in subcommand_parsers(build_parser()):
        for action in parser._actions:
            if action.choices is None and isinstance(action.metavar, str) and action.nargs != 0:
                assert action.metavar in known, (parser.prog, action.option_strings or action.dest, action.metavar)


def test_the_activation_names_offered_are_the_ones_the_parser_accepts(tmp_path):
    # Each offered name runs (the one-step check is quick); an unknown one is refused.
    for name in words_by_metavar()["A"]:
        r = run(tmp_path, ["check", "--activation", name])
        assert r.returncode == 0, (name, r.stderr)
    assert run(tmp_path, ["check", "--activation", "softplus"]).returncode == 2


def test_an_unknown_shell_is_bad_input(tmp_path):
    line = run_bad_input(tmp_path, {}, ["completion", "fish"], ["completion", "SHELL", "fish", "bash", "zsh"])
    assert line.startswith("mlptrace: error: command line: completion: ")


def test_no_shell_is_bad_input(tmp_path):
    run_bad_input(tmp_path, {}, ["completion"], ["completion", "SHELL"])


def test_help_does_not_load_shtab():
    # The completion command imports shtab when it runs; --help and every other command do not.
    code = "import sys\nfrom tracer.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint('shtab' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip().endswith("False"), r.stdout[-500:]


def test_zsh_loads_the_script_from_fpath_as_installed(tmp_path):
    # zsh is optional (.ci/run does not install it): the script is shtab's from
    # the same parser the bash tests exercise; here zsh parses it, finds it on
    # $fpath as the README installs it, and binds it to mlptrace.
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed")
    r = run(tmp_path, ["completion", "zsh"])
    assert r.returncode == 0 and r.stdout.startswith("#compdef mlptrace"), r.stderr
    (tmp_path / "_mlptrace").write_text(r.stdout)
    assert subprocess.run([zsh, "-n", str(tmp_path / "_mlptrace")], capture_output=True, text=True).returncode == 0
    program = f"fpath=({shlex.quote(str(tmp_path))} $fpath); autoload -U compinit && compinit -u -D; print -r -- ${{_comps[mlptrace]}}"
    z = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, env=ENV, timeout=60)
    assert z.returncode == 0, z.stderr
    assert z.stdout.strip() == "_mlptrace", (z.stdout, z.stderr)
    # Evaluated instead (eval "$(mlptrace completion zsh)"), it binds its own function.
    program = f"autoload -U compinit && compinit -u -D; eval \"$(<{shlex.quote(str(tmp_path / '_mlptrace'))})\"; print -r -- ${{_comps[mlptrace]}}"
    z = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, env=ENV, timeout=60)
    assert z.returncode == 0 and z.stdout.strip() == "_shtab_mlptrace", (z.stdout, z.stderr)


def test_the_shells_offered_are_the_parsers_choices():
    parser = build_parser()
    (completion,) = [p for p in subcommand_parsers(parser) if p.prog == "mlptrace completion"]
    (shell,) = [a for a in completion._actions if a.dest == "shell"]
    assert tuple(shell.choices) == SHELLS
