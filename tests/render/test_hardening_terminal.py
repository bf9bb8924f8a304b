"""Issue 11, classes 7 and 8: nothing user-supplied is parsed as rich markup or reaches the terminal raw.

Class 7: labels, file names and paths printed through rich were parsed as
markup (``[/]`` raised MarkupError; ``[blink]``, ``[link=...]`` and
``:skull:`` became blinking text, terminal links and emoji).  Class 8:
escape sequences and bidi overrides in a document, a file name, a label or
a template's error text reached standard output or error raw, and a newline
in a file name split the one-line error in two.

Successful commands run with colour forced on, so rich's own styling codes
are there and the check tells them apart from user text: after removing
rich's SGR sequences (``ESC [ ... m``) no control character may remain, no
terminal link (OSC 8) may appear, and the user's text must be there
literally (or, for a control character, in its visible ``\\x1b`` form).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

from badinput import RAW_CONTROL, assert_no_raw_control, lay_out, run, run_bad_input, seed_datasets, seed_with

ESC_TITLE = "\x1b]0;pwned\x07\x1b[2J"  # set the window title, then clear the screen
SHOWN_TITLE = "\\x1b]0;pwned\\x07\\x1b[2J"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours and styles


def coloured_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "COLUMNS")}
    env.update(FORCE_COLOR="1", TERM="xterm-256color", COLUMNS="80")
    return env


def run_ok(folder: Path, files: dict, argv: list[str], colour: bool = True) -> str:
    """Lay out ``files``, run ``argv`` (colour forced on), assert exit 0; return stdout + stderr without rich's styles."""
    lay_out(folder, files)
    r = run(folder, argv, env=coloured_env() if colour else None)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    out = r.stdout + r.stderr
    assert "\x1b]8;" not in out, out[-2000:]  # no terminal hyperlink
    plain = SGR.sub("", out)
    assert_no_raw_control(plain)
    return plain


def label_config(label: str) -> str:
    return seed_with('outputs = ["z0"]', f'outputs = ["{label}"]')


# ---------------------------------------------------------------------------
# class 7: markup


@pytest.mark.parametrize("label", ["[/]", "[blink]x[/blink]", "[link=https://example.com]click[/link]",
                                   ":skull: [bold red]z[/]", "[on red]", "\\\\[x]"])
def test_a_label_is_printed_literally_by_train(tmp_path, label):
    shown = label.replace("\\\\", "\\")  # the TOML string's escaped backslash
    out = run_ok(tmp_path, {"c.toml": label_config(label), **seed_datasets(outputs=[shown])},
                 ["train", "c.toml", "--epochs", "2"])
    assert shown in out, out
    assert "💀" not in out


@pytest.mark.parametrize("command", [["test"], ["walk", "--no-pause"]])
def test_a_label_is_printed_literally_by_every_command(tmp_path, command):
    label = "[/][blink]b[/blink]:skull:"
    out = run_ok(tmp_path, {"c.toml": seed_with('inputs = ["i0", "i1"]', f'inputs = ["{label}", "i1"]'),
                            **seed_datasets(inputs=[label, "i1"])}, [*command, "c.toml"])
    assert label in out, out
    assert "💀" not in out


def test_a_dataset_path_with_markup_is_printed_literally_by_test(tmp_path):
    data = (ROOT / "examples" / "seed" / "dataset.csv").read_text()
    out = run_ok(tmp_path, {"[/x].csv": data}, ["test", "--data", "[/x].csv"])  # the file x].csv in the folder [
    assert "[/x].csv" in out, out


def test_an_out_path_with_markup_is_printed_literally_by_train(tmp_path):
    out = run_ok(tmp_path, {"a[/": None}, ["train", "--epochs", "2", "--out", "a[/b]"])
    assert "a[/b]/trained-weights-biases.json" in out, out
    assert (tmp_path / "a[" / "b]" / "minmax.json").is_file()


def test_a_config_path_with_markup_and_emoji_is_printed_literally_by_check(tmp_path):
    out = run_ok(tmp_path, {"[blink]:skull:c.toml": seed_with("epochs = 1000", "epochs = 1")},
                 ["check", "[blink]:skull:c.toml"])
    assert "[blink]:skull:c.toml" in out and "💀" not in out, out


# ---------------------------------------------------------------------------
# class 8: control characters and bidi overrides


def test_escape_codes_in_a_document_are_shown_visibly_by_verify(tmp_path):
    doc = "$\\text{" + ESC_TITLE + "} 1 + 1 = 3$\n"
    lay_out(tmp_path, {"d.md": doc})
    r = run(tmp_path, ["verify", "d.md"])
    assert r.returncode == 1, r
    assert SHOWN_TITLE in r.stdout, r.stdout
    assert_no_raw_control(r.stdout, r.stderr)
    assert len(r.stderr.splitlines()) == 1


def test_verify_json_on_standard_output_has_no_raw_control(tmp_path):
    doc = "$\\text{" + ESC_TITLE + "\u202e\u009b} 1 + 1 = 2$\n"
    lay_out(tmp_path, {"d.md": doc})
    r = run(tmp_path, ["verify", "d.md", "--json", "-"])
    assert r.returncode == 0, r
    assert_no_raw_control(r.stdout, r.stderr)
    assert ESC_TITLE in json.loads(r.stdout)[0]["expression"]  # JSON keeps the text, escaped


def test_a_document_named_with_escapes_is_shown_visibly_by_verify(tmp_path):
    name = "d" + ESC_TITLE + ".md"
    lay_out(tmp_path, {name: "$1 + 1 = 3$\n"})
    r = run(tmp_path, ["verify", name])
    assert r.returncode == 1, r
    assert "d" + SHOWN_TITLE + ".md" in r.stdout and "d" + SHOWN_TITLE + ".md" in r.stderr
    assert_no_raw_control(r.stdout, r.stderr)
    assert len(r.stderr.splitlines()) == 1


ERROR_NAMES = [
    ("escape in a config name", "n" + ESC_TITLE + "o.toml", "n" + SHOWN_TITLE + "o.toml"),
    ("newline in a config name", "no\nsuch.toml", "no\\nsuch.toml"),
    ("carriage return in a config name", "no\rsuch.toml", "no\\rsuch.toml"),
    ("bidi override in a config name", "\u202elmth.toml", "\\u202elmth.toml"),
    ("C1 control in a config name", "a\u009b2Jb.toml", "a\\x9b2Jb.toml"),
    ("isolate in a config name", "a\u2066b\u2069.toml", "a\\u2066b\\u2069.toml"),
]


@pytest.mark.parametrize("name,shown", [c[1:] for c in ERROR_NAMES], ids=[c[0] for c in ERROR_NAMES])
def test_a_missing_config_named_with_controls_is_one_visible_line(tmp_path, name, shown):
    run_bad_input(tmp_path, {}, ["train", name], [shown, "no such file"])


def test_a_missing_dataset_named_with_escapes_is_one_visible_line(tmp_path):
    run_bad_input(tmp_path, {}, ["test", "--data", "x" + ESC_TITLE + ".csv"], ["x" + SHOWN_TITLE + ".csv"])


def test_a_bad_dataset_named_in_a_config_with_a_newline_is_one_line(tmp_path):
    run_bad_input(tmp_path, {"c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d\\n\\u001b[2J.csv"')},
                  ["train", "c.toml"], ["d\\n\\x1b[2J.csv", "no such file"])


def test_a_template_error_with_escapes_is_one_visible_line(tmp_path):
    # Python's format() quotes the bad specifier raw in its message.
    run_bad_input(tmp_path, {"tpl/report.md.j2": '{{ "{0:' + ESC_TITLE + '}".format(1) }}\n'},
                  ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", SHOWN_TITLE])


def test_a_template_folder_and_file_named_with_escapes_are_one_visible_line(tmp_path):
    folder = "t" + ESC_TITLE
    run_bad_input(tmp_path, {f"{folder}/report.md.j2": "{% include 'p" + ESC_TITLE + ".j2' %}\n",
                             f"{folder}/p{ESC_TITLE}.j2": "{{ x.y }}\n"},
                  ["report", "--template", folder], ["t" + SHOWN_TITLE, "p" + SHOWN_TITLE + ".j2 line 1"])


def test_a_gd_expression_with_escapes_is_one_visible_line(tmp_path):
    run_bad_input(tmp_path, {}, ["gd", "x" + ESC_TITLE, "--at", "x=1"], ["command line", "EXPR"])


def test_a_dataset_named_with_escapes_is_shown_visibly_by_test(tmp_path):
    data = (ROOT / "examples" / "seed" / "dataset.csv").read_text()
    name = "d" + ESC_TITLE + ".csv"
    out = run_ok(tmp_path, {name: data}, ["test", "--data", name])
    assert "d" + SHOWN_TITLE + ".csv" in out, out


def test_a_dataset_named_with_a_newline_stays_on_the_title_line(tmp_path):
    data = (ROOT / "examples" / "seed" / "dataset.csv").read_text()
    out = run_ok(tmp_path, {"a\nb.csv": data}, ["test", "--data", "a\nb.csv"])
    assert "Testing a\\nb.csv" in out, out


def test_a_dataset_name_that_is_not_utf8_is_shown_as_its_bytes(tmp_path):
    data = (ROOT / "examples" / "seed" / "dataset.csv").read_text()
    name = os.fsdecode(b"\xff\x1b[2J.csv")  # a lone surrogate on the command line: stdout's UTF-8 cannot encode it raw
    (tmp_path / name).write_text(data)
    out = run_ok(tmp_path, {}, ["test", "--data", name])
    assert "\\xff\\x1b[2J.csv" in out, out


def test_a_config_named_with_escapes_is_shown_visibly_by_check_and_walk(tmp_path):
    name = "s" + ESC_TITLE + ".toml"
    config = seed_with("epochs = 1000", "epochs = 1")
    for argv in (["check", name], ["walk", "--no-pause", name]):
        out = run_ok(tmp_path, {name: config}, argv)
        assert "s" + SHOWN_TITLE + ".toml" in out, (argv, out)


def test_a_saved_path_with_escapes_is_shown_visibly_by_train(tmp_path):
    out_dir, trace = "o" + ESC_TITLE, "t" + ESC_TITLE + ".json"
    out = run_ok(tmp_path, {}, ["train", "--epochs", "2", "--out", out_dir, "--trace", trace])
    assert "o" + SHOWN_TITLE + "/minmax.json" in out and "t" + SHOWN_TITLE + ".json" in out, out
    assert (tmp_path / out_dir / "minmax.json").is_file() and (tmp_path / trace).is_file()


BIDI = "\u202eevil\u202c"  # RIGHT-TO-LEFT OVERRIDE ... POP DIRECTIONAL FORMATTING


@pytest.mark.parametrize("argv", [["train", "c.toml", "--epochs", "2"], ["test", "c.toml"],
                                  ["predict", "c.toml", "--input", "1,2"], ["walk", "--no-pause", "c.toml"]],
                         ids=lambda a: a[0])
def test_a_bidi_override_in_a_label_is_never_raw(tmp_path, argv):
    # Refusing the label at config load (exit 2, one line) is the inputs'
    # business; either way the override must not reach the terminal raw.
    lay_out(tmp_path, {"c.toml": label_config(BIDI)})
    r = run(tmp_path, argv, env=coloured_env())
    assert "Traceback" not in r.stderr, r.stderr
    assert_no_raw_control(SGR.sub("", r.stdout), SGR.sub("", r.stderr))
    if r.returncode == 0:
        assert "\\u202eevil\\u202c" in SGR.sub("", r.stdout), r.stdout
    else:
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and r.stdout == "", r


# ---------------------------------------------------------------------------
# the filter and the console factory themselves


def test_visible_shows_every_control_and_bidi_character_and_nothing_else():
    from tracer.errors import visible

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    out = visible(every)
    assert RAW_CONTROL.search(out) is None
    assert "\n" not in out and "\t" in out  # a tab is harmless; a newline would split a line
    assert visible("a\nb", newlines=True) == "a\nb"
    assert visible("\x1b[2J\x07\x7f\x9b\u202e\u2069\u200f\u061c\u2028") == \
        "\\x1b[2J\\x07\\x7f\\x9b\\u202e\\u2069\\u200f\\u061c\\u2028"
    plain = "naïve λ → ∂f/∂x [bold] :skull: \\text{x} 日本 👍🏽 e\u0301"
    assert visible(plain) == plain
    assert visible(os.fsdecode(b"\xffa")) == "\\xffa"  # an undecodable byte, as the byte
    assert visible("\ud800") == "\\ud800"


def test_the_console_never_parses_markup_or_emits_raw_controls():
    import io

    from rich.table import Table
    from rich.text import Text

    from tracer.render.terminal import console

    buf = io.StringIO()
    c = console(file=buf, force_terminal=True, color_system="truecolor", width=120)
    table = Table(title="t [/] " + ESC_TITLE, min_width=100)
    table.add_column("[blink]h[/blink]")
    table.add_row(":skull:\u202e")
    table.add_row(Text("cell " + ESC_TITLE, style="bold"))
    c.print("[link=https://e.x]l[/link] " + ESC_TITLE, markup=True, emoji=True)
    c.print(table)
    c.print(Text.assemble(("a\x1b[31m", "red"), "b"))
    out = buf.getvalue()
    assert "\x1b]8;" not in out and "💀" not in out
    plain = SGR.sub("", out)
    assert_no_raw_control(plain)
    for literal in ("[link=https://e.x]l[/link] " + SHOWN_TITLE, "t [/] " + SHOWN_TITLE, "[blink]h[/blink]",
                    ":skull:\\u202e", "a\\x1b[31mb",
                    "cell \\x1b]0;pwned\\x1b[2J"):  # rich's Text drops a BEL itself
        assert literal in plain, (literal, plain)
    assert "\x1b[1m" in out  # rich's own styling still works


def test_the_help_loads_no_console_module():
    r = subprocess.run([sys.executable, "-c", "import sys; from tracer import cli, errors; "
                        "print('tracer.render.terminal' in sys.modules, 'rich' in sys.modules)"],
                       capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["False", "False"]


def test_every_console_comes_from_the_factory():
    # One mechanism: a rich Console made anywhere else would parse markup and
    # pass control characters again.
    root = ROOT / "tracer"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "terminal.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bConsole\(|from_markup|render_markup", line):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert offenders == []


def test_a_templates_escape_codes_are_shown_on_a_terminal_and_kept_in_a_pipe(tmp_path):
    """A --template may write raw control codes; a terminal sees them written out, a pipe gets the bytes."""
    import pty

    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text("before" + ESC_TITLE + "after\n")
    lay_out(tmp_path, {})
    piped = run(tmp_path, ["report", "--no-figures", "--template", "tpl"])
    assert piped.returncode == 0 and piped.stdout == "before" + ESC_TITLE + "after\n"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "tracer", "report", "--no-figures", "--template", "tpl"],
                              cwd=tmp_path, stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              timeout=120)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the pty is closed once the program and its output are gone
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert proc.returncode == 0, proc.stderr
    text = shown.decode()
    assert "before" + SHOWN_TITLE + "after" in text
    assert_no_raw_control(text.replace("\r", ""))


def test_the_figures_script_shows_a_file_name_visibly(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tracer.render.figures", str(tmp_path / "out"), "no\x1b[2Jsuch.toml"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no\\x1b[2Jsuch.toml" in r.stderr
    assert_no_raw_control(r.stderr)


@pytest.mark.parametrize("argv", [["walk"], ["report"], ["verify", str(ROOT / "tests" / "data" / "docs" / "seed.txt"), "--all"]],
                         ids=["walk", "report", "verify"])
def test_a_reader_that_stops_early_is_no_error(argv):
    """``mlptrace walk | head``: the reader going away ends the command quietly with status 0 (rich alone exits 1)."""
    p = subprocess.Popen([sys.executable, "-m", "tracer", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=ROOT)
    p.stdout.read(100)
    p.stdout.close()  # far more than a pipe's buffer is still to come
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) in (0, 1 if argv[0] == "verify" else 0), err
    assert "Traceback" not in err and "Exception ignored" not in err, err
