"""One template set: the report formats share their section partials, and what is left per format barely repeats.

Issue 12 measured the old layout this way: with Jinja's delimiters and
HTML's tags normalised, 90% of the Markdown templates' lines equalled the
LaTeX ones and 84% the HTML ones.  The same measure, on the folders as they
are now, must stay at most 15%: a line of one format's own files (its
macros and page) that appears in another format's own files is a repeat,
and the repeats are counted against every line the report templates have
(the shared partials once).

Run as a script for the numbers: ``python tests/test_templates.py [TEMPLATES_DIR]``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from tracer.config.resources import resource_dir
from tracer.render.report import FORMATS, SECTIONS

LIMIT = 0.15

_LATEX_DELIMITERS = (("(((", "{{"), (")))", "}}"), ("((*", "{%"), ("*))", "%}"), ("((=", "{#"), ("=))", "#}"))
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")  # an HTML tag (a paragraph's <p> is no content)
_EXTENSION = re.compile(r"\.(?:md|tex|html)\.j2\b")


def normalise(line: str) -> str:
    """A template line with the format out of it: one delimiter syntax, no whitespace control, no HTML tags."""
    for old, new in _LATEX_DELIMITERS:
        line = line.replace(old, new)
    line = re.sub(r"([{%])[-+]|[-+]([}%])(?=[}%])", r"\1\2", line)  # {%- -%} {{- -}} +%}
    line = _TAG.sub("", line)
    line = _EXTENSION.sub(".j2", line)
    return " ".join(line.split())


def lines_of(files: list[Path]) -> list[str]:
    """The normalised, non-blank lines of ``files``."""
    out = []
    for f in files:
        out += [n for n in map(normalise, f.read_text(encoding="utf-8").splitlines()) if n]
    return out


def format_files(root: Path) -> dict[str, list[Path]]:
    """Each report format's own template files (its folder), and the shared ones under ``""``."""
    files = {fmt: sorted((root / folder).glob("*.j2")) for fmt, (folder, _) in FORMATS.items()}
    files[""] = sorted((root / SECTIONS).glob("*.j2")) if (root / SECTIONS).is_dir() else []
    return files


def repetition(root: Path) -> dict[str, float]:
    """How much of the report templates under ``root`` repeats across formats.

    ``repeated``: the lines of a format's own files that also appear in
    another format's own files, over all the report templates' lines (the
    shared partials counted once); ``"md~tex"`` and ``"md~html"``: the share
    of the Markdown files' lines that appear among the LaTeX (HTML) ones, the
    issue's measure.
    """
    files = format_files(root)
    own = {fmt: lines_of(files[fmt]) for fmt in FORMATS}
    sets = {fmt: set(lines) for fmt, lines in own.items()}
    total = sum(len(lines) for lines in own.values()) + len(lines_of(files[""]))
    repeated = sum(1 for fmt, lines in own.items() for line in lines
                   if any(line in sets[other] for other in FORMATS if other != fmt))
    md = own["md"]
    return {"repeated": repeated / total,
            "md~tex": sum(line in sets["tex"] for line in md) / len(md),
            "md~html": sum(line in sets["html"] for line in md) / len(md),
            "lines": total}


def test_normalise_makes_the_formats_compare():
    assert normalise("((( m.eqs(s.general) )))") == normalise("{{ m.eqs(s.general) }}") == "{{ m.eqs(s.general) }}"
    assert normalise("((* include \"_sums.tex.j2\" *))") == '{% include "_sums.j2" %}'
    assert normalise("<p>For this step:</p>") == "For this step:"
    assert normalise("{%- endmacro %}") == "{% endmacro %}"
    assert normalise('<h2><span class="num">x</span> y</h2>') == "x y"


def test_at_most_15_percent_of_the_template_lines_repeat_across_formats():
    r = repetition(resource_dir("templates"))
    assert r["repeated"] <= LIMIT, f"{r['repeated']:.1%} of the report templates' lines repeat across formats"


def test_the_section_partials_exist_once():
    files = format_files(resource_dir("templates"))
    shared = {f.name for f in files[""]}
    assert {"intro.j2", "network.j2", "gradient_check.j2"} <= shared
    for fmt, (folder, ext) in FORMATS.items():
        assert {f.name for f in files[fmt]} == {f"macros.{ext}.j2", f"report.{ext}.j2"}, folder


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_section_a_report_includes_is_a_shared_partial(fmt):
    from tracer.render.notebook import report

    keys = {s.key for s in report().sections}
    root = resource_dir("templates") / SECTIONS
    assert all((root / f"{k}.j2").is_file() for k in keys)


def test_the_walks_words_name_shared_sections():
    """The walk's groups (sections/walk.toml) are about sections that exist, once each; it has no prose of its own."""
    import tomllib

    from tracer.render.walkthrough import GROUPS

    root = resource_dir("templates") / SECTIONS
    words = tomllib.loads((root / "walk.toml").read_text(encoding="utf-8"))
    grouped = [k for g in words["group"] for k in g["sections"]]
    assert len(grouped) == len(set(grouped)) and set(words) == {"group"}  # the walk's words are the partials'
    assert all((root / f"{k}.j2").is_file() for k in grouped)
    assert GROUPS[0] == ("Initialisation", ("network",))


# --------------------------------------------------------------------------
# a user's folder in the new layout


def _mlptrace(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracer", *argv], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)


def _readme_example() -> dict[str, str]:
    """The files of templates/README.md's minimal example: a `path`: line, then its fenced block."""
    text = (resource_dir("templates") / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^`(mine/[^`]+)`:\n\n```jinja\n(.*?)^```$", text, re.M | re.S))


def test_the_readme_example_renders(tmp_path):
    files = _readme_example()
    assert set(files) == {"mine/markdown/report.md.j2", "mine/sections/loss.j2"}
    for path, body in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(body)
    r = _mlptrace("report", "--template", "mine", "-o", "report.md", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "report.md").read_text()
    assert md.startswith("# Worked example for a 2-3-1 network\n\nThis is the worked example of *The math")
    assert "## 4.5 The loss function\n\nOur loss, *mean squared error*, for z0:\n\n$$\n" in md
    assert "## 4.6 The gradient descent formula" in md and (tmp_path / "report-network.svg").is_file()


@pytest.mark.parametrize("fmt, ext, para", [("md", "md", "Ours: i0, i1.\n"), ("tex", "tex", "Ours: i0, i1.\n"),
                                            ("html", "html", "<p>Ours: i0, i1.</p>\n")])
def test_a_users_section_is_shared_by_every_format_and_escaped_by_each(tmp_path, fmt, ext, para):
    (tmp_path / "mine" / "sections").mkdir(parents=True)
    (tmp_path / "mine" / "sections" / "loss.j2").write_text(
        '{{ m.heading(s) }}\n\n{% call m.par() %}\nOurs: {{ facts.inputs|map("esc")|join(", ") }}.\n{% endcall %}\n')
    builtin = resource_dir("templates") / FORMATS[fmt][0] / f"report.{ext}.j2"
    (tmp_path / "mine" / f"report.{ext}.j2").write_text(builtin.read_text())  # the page as shipped
    r = _mlptrace("report", "--template", "mine", "--format", fmt, "--no-figures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert para in r.stdout and "The loss measures" not in r.stdout
    assert "The gradient descent formula" in r.stdout  # the other sections: the built-in partials


def test_a_users_macros_override_the_formats(tmp_path):
    (tmp_path / "mine").mkdir()
    builtin = resource_dir("templates") / "markdown"
    (tmp_path / "mine" / "report.md.j2").write_text((builtin / "report.md.j2").read_text())
    (tmp_path / "mine" / "macros.md.j2").write_text(
        (builtin / "macros.md.j2").read_text().replace("{% macro em(text) %}*{{ text }}*", "{% macro em(text) %}_{{ text }}_"))
    r = _mlptrace("report", "--template", "mine", "--no-figures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "the ones _before_ this step's update" in r.stdout


@pytest.mark.parametrize("old", ["markdown/loss.md.j2", "markdown/_sums.md.j2"])
def test_an_old_layout_folder_is_one_line_naming_the_change(tmp_path, old):
    (tmp_path / "mine" / "markdown").mkdir(parents=True)
    (tmp_path / "mine" / "markdown" / "report.md.j2").write_text("{% include 'loss.md.j2' %}")
    (tmp_path / "mine" / old).write_text("old")
    r = _mlptrace("report", "--template", "mine", cwd=tmp_path)
    key = Path(old).name.split(".")[0]
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"{Path(old).name}: section partials are shared by every format now" in r.stderr
    assert f"sections/{key}.j2" in r.stderr and "Traceback" not in r.stderr


def test_an_old_latex_page_is_one_line_naming_the_delimiters(tmp_path):
    (tmp_path / "mine" / "latex").mkdir(parents=True)
    (tmp_path / "mine" / "latex" / "report.tex.j2").write_text(
        "((* import 'macros.tex.j2' as m with context *))\\documentclass{article}\n((( facts.layers|join('-') )))\n")
    r = _mlptrace("report", "--template", "mine", "--format", "tex", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "report.tex.j2: LaTeX templates use Jinja's {{ }}" in r.stderr and "not ((( )))" in r.stderr


def test_including_an_old_partial_name_says_what_it_is_called_now(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.md.j2").write_text(
        '{% import "macros.md.j2" as m with context %}{% for s in sections %}{% include "loss.md.j2" %}{% endfor %}')
    r = _mlptrace("report", "--template", "mine", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "'loss.md.j2' not found" in r.stderr and "sections/loss.j2" in r.stderr


def test_a_users_helper_partial_may_have_any_name(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.md.j2").write_text("{% include 'mine.md.j2' %}")
    (tmp_path / "mine" / "mine.md.j2").write_text("layers {{ facts.layers|join('-') }}\n")
    r = _mlptrace("report", "--template", "mine", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "layers 2-3-1\n", r.stderr


def test_the_compiled_templates_are_cached_per_format(tmp_path):
    """The shared partials compile differently per format (HTML escapes, makes MathML): one cache each."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    for fmt in FORMATS:
        r = subprocess.run([sys.executable, "-m", "tracer", "report", "--format", fmt, "--no-figures"], cwd=tmp_path,
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
    again = subprocess.run([sys.executable, "-m", "tracer", "report", "--format", "html", "--no-figures"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert again.stdout == r.stdout and "<math" in again.stdout
    assert sorted(p.name for p in (tmp_path / "cache" / "mlptrace" / "jinja").iterdir()) == sorted(FORMATS)


if __name__ == "__main__":
    for k, v in repetition(Path(sys.argv[1]) if len(sys.argv) > 1 else resource_dir("templates")).items():
        print(f"{k}: {v:.1%}" if isinstance(v, float) else f"{k}: {v}")
