"""Issue 11, classes 1, 9 and 11: templates see plain data, stay in their folder and budget;
interpolated names cannot break out of their markup; text that cannot be encoded is one line.

Each case is a repro from the issue run as the real command (``tests/badinput.py``):
one line on stderr, exit 2, nothing on stdout, the folder unchanged.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from badinput import lay_out, run, run_bad_input, seed_with
from conftest import ROOT, require_tool

T = "tpl/report.md.j2"


def tpl(body: str) -> dict[str, str]:
    return {T: body}


# --------------------------------------------------------------------------
# class 1: the context is plain data; numpy's file-writing methods are out of reach

ESCAPES = [
    ("tofile over the config", "{{ r.trace.x.tofile('sigmoid.toml') }}"),
    ("dump over the config", "{{ r.trace.x.dump('sigmoid.toml') }}"),
    ("tofile of a weight array", "{{ r.trace.w[0].tofile('sigmoid.toml') }}"),
    ("savetxt through a section's equation", "{{ sections[0].equations[0].value.tofile('sigmoid.toml') }}"),
    ("a list mutated in the context", "{{ facts.layers.append(9) }}{{ facts.layers }}"),
    ("a dict mutated in the context", "{{ facts.update({'x': 1}) }}"),
]


@pytest.mark.parametrize("body", [b for _, b in ESCAPES], ids=[n for n, _ in ESCAPES])
def test_a_template_cannot_reach_live_objects(tmp_path, body):
    run_bad_input(tmp_path, tpl(body), ["report", "sigmoid.toml", "--template", "tpl"], ["tpl", "report.md.j2 line 1"])


def test_the_context_is_plain_frozen_data():
    """Every value reachable from what templates get is plain data (walked by attribute and item)."""
    from tracer.render import report as render
    from tracer.render.notebook import report

    expl = report(None)
    ctx = render.template_context(expl, standalone=True, figures={})
    allowed = (type(None), bool, int, float, str, tuple, render.FrozenDict, *render.RECORDS)  # records: printed math too
    seen = 0

    def walk(v, path):
        nonlocal seen
        seen += 1
        assert type(v) in allowed, (path, type(v))
        if isinstance(v, render.FrozenDict):
            for k, x in v.items():
                walk(x, f"{path}[{k!r}]")
        elif isinstance(v, tuple):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")
        elif isinstance(v, render.RECORDS):
            for name in v.__dataclass_fields__:
                walk(getattr(v, name), f"{path}.{name}")

    for key, value in ctx.items():
        walk(value, key)
    assert seen > 1000
    assert ctx["r"].trace.layers == (2, 3, 1)


def test_jinja_is_at_least_3_1_6():
    """Earlier 3.1.x releases have published sandbox breakouts."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "jinja2>=3.1.6" in [d.replace(" ", "").lower() for d in deps]


# --------------------------------------------------------------------------
# class 1: templates stay in their folder

def _link(name: str, to: str):
    def prepare(folder: Path) -> None:
        os.symlink(to, folder / "tpl" / name)
    return prepare


@pytest.mark.parametrize("name,to,body", [
    ("passwd.md.j2", "/etc/passwd", "{% include 'passwd.md.j2' %}"),
    ("root", "/", "{% include 'root/etc/passwd' %}"),
    ("up", "..", "{% include 'up/sigmoid.toml' %}"),
], ids=["file link", "folder link to /", "folder link to the parent"])
def test_a_symlink_out_of_the_template_folder_is_refused(tmp_path, name, to, body):
    line = run_bad_input(tmp_path, tpl(body), ["report", "sigmoid.toml", "--template", "tpl"],
                         ["tpl", "report.md.j2 line 1", "outside the template folder"], prepare=_link(name, to))
    assert "root:" not in line


def test_the_entry_template_linked_outside_is_refused(tmp_path):
    def prepare(folder: Path) -> None:
        (folder / "tpl").mkdir()
        (folder / "elsewhere.md.j2").write_text("secret {{ facts.layers }}")
        os.symlink(folder / "elsewhere.md.j2", folder / T)
    run_bad_input(tmp_path, {}, ["report", "--template", "tpl"], ["tpl", "report.md.j2", "outside the template folder"],
                  prepare=prepare)


def test_a_symlink_inside_the_folder_is_fine(tmp_path):
    lay_out(tmp_path, {"tpl/real.md.j2": "layers {{ facts.layers|join('-') }}\n", T: "{% include 'alias.md.j2' %}"})
    os.symlink("real.md.j2", tmp_path / "tpl" / "alias.md.j2")
    r = run(tmp_path, ["report", "--template", "tpl"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "layers 2-3-1\n"


# --------------------------------------------------------------------------
# class 1: bounded work

BUDGET = [
    ("string repetition", "{{ 'a' * 10**9 }}", "string"),
    ("list repetition", "{{ [1] * 10**9 }}", "list"),
    ("a tower of powers", "{{ 9**(9**(9**9)) }}", "power"),
    ("lipsum", "{{ lipsum(10**6) }}", "lipsum"),
    ("center", "{{ 'a'|center(10**9) }}", "10,000,000"),
    ("str.ljust", "{{ 'a'.ljust(10**9) }}", "10,000,000"),
    ("percent format width", "{{ '%999999999d' % 1 }}", "10,000,000"),
    ("str.format width", "{{ '{:>999999999}'.format(1) }}", "10,000,000"),
    ("str.format width from an argument", "{{ '{0:>{1}}'.format(1, 10**9) }}", "10,000,000"),
    ("str.expandtabs", "{{ 'x\ty'.expandtabs(10**8) }}", "10,000,000"),
    ("batch filler", "{{ [1, 2]|batch(10**9, 0)|list }}", "10,000,000"),
    ("indent", "{{ 'a'|indent(10**8) }}", "10,000,000"),
    ("replace everywhere", "{{ ('ab' * 10000)|replace('', 'x' * 1000) }}", "10,000,000"),
    ("recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "RecursionError"),
    ("doubling by concatenation", "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
     "memory"),
    ("output beyond the budget", "{% for i in range(1000) %}{{ 'x' * 1000000 }}{% endfor %}", "output"),
]


@pytest.mark.parametrize("body,word", [(b, w) for _, b, w in BUDGET], ids=[n for n, _, _ in BUDGET])
def test_template_work_is_bounded(tmp_path, body, word):
    run_bad_input(tmp_path, tpl(body), ["report", "--template", "tpl"], ["tpl", "report.md.j2", word], timeout=120)


def test_nested_ranges_stop_at_the_cpu_budget(tmp_path):
    """10^10 empty iterations: stopped by the CPU-time budget (60 s), not left to hang."""
    body = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    run_bad_input(tmp_path, tpl(body), ["report", "--template", "tpl"], ["tpl", "report.md.j2", "CPU seconds"], timeout=600)


# --------------------------------------------------------------------------
# class 9: file names cannot break out of their markup

HOSTILE_NAME = "w\n\n<img src=x onerror=alert(1)>\n\nx.json"


def _hostile_weights(folder: Path) -> None:
    (folder / HOSTILE_NAME).write_bytes((folder / "init-weights-biases.json").read_bytes())


def _report(tmp_path, *argv) -> str:
    lay_out(tmp_path, {"c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w\\n\\n<img src=x onerror=alert(1)>\\n\\nx.json"')})
    _hostile_weights(tmp_path)
    r = run(tmp_path, ["report", "c.toml", *argv], timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _html_in_markdown(text: str) -> list[str]:
    found = []
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type == "html_block":
            found.append(tok.content)
        for child in tok.children or []:
            if child.type == "html_inline":
                found.append(child.content)
    return found


def test_a_file_name_cannot_break_out_of_its_markdown_code_span(tmp_path):
    md = _report(tmp_path)
    assert _html_in_markdown(md) == []
    assert "<img" not in md.replace("`", "").split("start from the file")[0]  # the title carries no name of it
    # the name is shown, its newlines visibly
    spans = [c.content for tok in MarkdownIt("commonmark").parse(md) for c in tok.children or [] if c.type == "code_inline"]
    assert "w\\n\\n<img src=x onerror=alert(1)>\\n\\nx.json" in spans


def test_a_file_name_in_the_title_cannot_break_out(tmp_path):
    name = "c\n\n<img src=x onerror=alert(1)>\n\n.toml"
    lay_out(tmp_path, {name: (ROOT / "examples" / "seed" / "sigmoid.toml").read_text()})
    r = run(tmp_path, ["report", name], timeout=120)
    assert r.returncode == 0, r.stderr
    assert _html_in_markdown(r.stdout) == []
    assert r.stdout.splitlines()[0].startswith("# The math behind training an MLP, worked through for c\\\\n\\\\n\\<img")


def test_a_file_name_in_html_is_escaped(tmp_path):
    html = _report(tmp_path, "--format", "html", "--no-figures")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_file_name_in_latex_is_escaped():
    from tracer.render.report import escape_tex

    assert escape_tex(HOSTILE_NAME) == r"w\textbackslash{}n\textbackslash{}n\textless{}img src=x onerror=alert(1)\textgreater{}\textbackslash{}n\textbackslash{}nx.json"


def test_a_file_name_with_blank_lines_compiles_in_latex(tmp_path):
    """Raw, the blank line would end the paragraph inside \\texttt and stop pdflatex."""
    require_tool("pdflatex")
    _report(tmp_path, "-o", "r.pdf", "--no-figures")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_every_escaper_shows_control_characters_visibly():
    from tracer.render.report import code_md, escape_md, escape_tex

    for esc in (escape_md, code_md, escape_tex):
        out = esc("a\nb\rc\x1bd\u202ee\u2028f")
        assert not any(c in out for c in "\n\r\x1b\u202e\u2028"), (esc, out)


# --------------------------------------------------------------------------
# class 11: text that cannot be encoded

def test_a_label_with_a_lone_surrogate_is_refused_at_load(tmp_path):
    cfg = '{"network": {"inputs": ["a\\udc80", "b"], "hidden": [2], "outputs": ["z"]}, "training": {"data": [[1, 2, 3]]}}'
    run_bad_input(tmp_path, {"c.json": cfg}, ["report", "c.json", "-o", "r.md"], ["c.json", "network.inputs[0]", "udc80"])


def test_a_template_printing_a_lone_surrogate_is_one_line(tmp_path):
    run_bad_input(tmp_path, tpl('ok\n{{ "\\udc80" }}\n'), ["report", "--template", "tpl", "-o", "r.md"],
                  ["tpl", "report.md.j2", "UTF-8", "U+DC80"])


def test_a_template_printing_a_lone_surrogate_to_stdout_is_one_line(tmp_path):
    run_bad_input(tmp_path, tpl('{{ "a\\udc80" }}'), ["report", "--template", "tpl"], ["tpl", "report.md.j2", "U+DC80"])
