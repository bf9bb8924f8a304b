"""Hostile labels and file names print as text, and a user's templates stay in the sandbox.

LaTeX: labels that try to read files (``\\input``, ``\\include``, a backslash
spelled ``^^5c``), run a command (``\\write18``) or change TeX's rules
(``\\catcode``, ``%``) come out of ``mlptrace report --format pdf`` as the
text written, and nothing is read or run -- checked from the PDF's text
(pdftotext), from pdflatex's list of the files it opened (``-recorder``),
and by compiling the report with shell escape deliberately ON.  Each
detector is first shown to fire on the raw TeX, so none of these tests
passes because it cannot see.

Markdown: labels full of ``| * _ ` $`` add no table column, emphasis, code
or math (parsed with markdown-it, which rich already depends on).

Templates: a ``--template`` folder renders in Jinja's sandbox; reaching for
Python internals is one line of bad input, a benign folder renders.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import require_tool
from tracer.render import report as render

SECRET = "SENTINEL7c1e"  # the content of a file a label tries to \input

# Labels a TeX injection would use.  The secret is found through TEXINPUTS,
# so the labels need no absolute path (a path with "_" would not survive
# pdftotext: OT1's \_ is a drawn rule, not a glyph).
TEX_INPUTS = [r"\input{/etc/hostname}", r"\input{mlptracesecret}", r"\include{x}"]
TEX_OUTPUTS = [r"\immediate\write18{touch pwned}", r"\catcode`\^^5c=12 %", r"^^5cinput^^7bmlptracesecret^^7d"]
TEX_NAME = "hostile {%&#$~^}.toml"  # the report's title shows the config's file name


def config(inputs: list[str], outputs: list[str], data: str) -> str:
    """A 3-2-3 sigmoid network trained 2 epochs from seeded random weights."""

    def toml_list(labels):
        return "[" + ", ".join("'" + label + "'" for label in labels) + "]"  # literal strings: no escapes

    return (f"[network]\ninputs = {toml_list(inputs)}\nhidden = [2]\noutputs = {toml_list(outputs)}\n"
            f"[training]\nlearning_rate = 0.1\nepochs = 2\n{data}\n[init]\nmethod = \"random\"\nseed = 3\n")


ROWS = "data = [[1, 2, 3, 0.1, 0.2, 0.3], [4, 5, 6, 0.5, 0.6, 0.7]]"


def mlptrace(*argv, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracer", *argv], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def pdf_text(pdf: Path) -> str:
    exe = require_tool("pdftotext")
    text = subprocess.run([exe, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # The OT1 fonts have ^ and ~ only as accents (\^{}, \~{}); pdftotext
    # reads those glyphs as the modifier letters U+02C6 and U+02DC.
    return text.replace("\u02c6", "^").replace("\u02dc", "~")


def pdflatex(tex_file: Path, *flags: str, env: dict) -> set[str]:
    """Compile with ``flags`` and -recorder; return the files pdflatex opened for reading."""
    exe = require_tool("pdflatex")
    run = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", "-recorder", *flags, tex_file.name],
                         cwd=tex_file.parent, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    fls = tex_file.with_suffix(".fls").read_text()
    return {line[len("INPUT "):] for line in fls.splitlines() if line.startswith("INPUT ")}


@pytest.fixture
def texinputs(tmp_path) -> dict:
    """An environment in which \\input{mlptracesecret} finds a file holding SECRET."""
    folder = tmp_path / "texinputs"
    folder.mkdir()
    (folder / "mlptracesecret.tex").write_text(SECRET + "\n")
    return {**os.environ, "TEXINPUTS": f"{folder}{os.pathsep}"}  # the trailing separator keeps TeX's own paths


def _reads_secret(opened: set[str]) -> bool:
    return any(Path(p).name in ("mlptracesecret.tex", "hostname", "x.tex") for p in opened)


# --------------------------------------------------------------------------
# (a) LaTeX


def test_the_detectors_fire_on_raw_tex(tmp_path, texinputs):
    """Unescaped, the same labels read the secret and /etc/hostname and run touch: what the tests below look for."""
    work = tmp_path / "raw"
    work.mkdir()
    hostname = r"\input{/etc/hostname}" if Path("/etc/hostname").is_file() else ""
    (work / "raw.tex").write_text("\\documentclass{article}\n\\begin{document}\n"
                                  f"{hostname} \\input{{mlptracesecret}} \\immediate\\write18{{touch pwned}}\n"
                                  "\\end{document}\n")
    opened = pdflatex(work / "raw.tex", "-shell-escape", env=texinputs)
    assert _reads_secret(opened)
    assert SECRET in pdf_text(work / "raw.pdf")
    assert (work / "pwned").exists()


def test_latex_injection_labels_print_as_text(tmp_path, texinputs):
    (tmp_path / TEX_NAME).write_text(config(TEX_INPUTS, TEX_OUTPUTS, ROWS))
    r = mlptrace("report", TEX_NAME, "--format", "pdf", "-o", "r.pdf", cwd=tmp_path, env=texinputs)
    assert r.returncode == 0, r.stderr
    assert SECRET not in pdf_text(tmp_path / "r.pdf")
    # The figures print the labels too, but as text of their own PDF drawing;
    # without them every label in the text is one that TeX typeset.
    r = mlptrace("report", TEX_NAME, "--no-figures", "-o", "bare.pdf", cwd=tmp_path, env=texinputs)
    assert r.returncode == 0, r.stderr
    text = pdf_text(tmp_path / "bare.pdf")
    for label in TEX_INPUTS + TEX_OUTPUTS:
        assert label in text, label
    assert TEX_NAME in text  # the title
    assert SECRET not in text
    assert not (tmp_path / "pwned").exists()

    # /etc/hostname's content: no more often than in the same report with
    # plain labels (the labels themselves removed from both texts).
    host = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else ""
    if host:
        plain = [f"L{i}" for i in range(6)]
        (tmp_path / "plain.toml").write_text(config(plain[:3], plain[3:], ROWS))
        assert mlptrace("report", "plain.toml", "--no-figures", "-o", "plain.pdf", cwd=tmp_path, env=texinputs).returncode == 0
        plain_text = pdf_text(tmp_path / "plain.pdf")
        for label in TEX_INPUTS + TEX_OUTPUTS + [TEX_NAME]:
            text = text.replace(label, "")
        for label in plain + ["plain.toml"]:
            plain_text = plain_text.replace(label, "")
        assert text.count(host) == plain_text.count(host)


def test_latex_injection_reads_and_runs_nothing_even_with_shell_escape_on(tmp_path, texinputs):
    (tmp_path / "c.toml").write_text(config(TEX_INPUTS, TEX_OUTPUTS, ROWS))
    r = mlptrace("report", "c.toml", "-o", "r.tex", cwd=tmp_path, env=texinputs)
    assert r.returncode == 0, r.stderr
    tex = (tmp_path / "r.tex").read_text()
    for raw in (r"\input{", r"\include{", r"\write18", r"\catcode", "^^"):
        assert raw not in tex, raw
    # The worst case a user could make of the .tex: pdflatex with shell escape on.
    opened = pdflatex(tmp_path / "r.tex", "-shell-escape", env=texinputs)
    assert not _reads_secret(opened)
    assert not (tmp_path / "pwned").exists()
    assert SECRET not in pdf_text(tmp_path / "r.pdf")


def test_pdflatex_runs_without_shell_escape(tmp_path):
    require_tool("pdflatex")
    flag = tmp_path / "pwned"
    doc = ("\\documentclass{article}\n\\begin{document}\n"
           "shell escape \\ifnum\\pdfshellescape=0 off\\else on\\fi.\n"
           f"\\immediate\\write18{{touch {flag}}}\n\\end{{document}}\n")
    (tmp_path / "out.pdf").write_bytes(render.to_pdf(doc))
    assert "shell escape off." in pdf_text(tmp_path / "out.pdf")
    assert not flag.exists()
    # the same document with shell escape on does run the command
    (tmp_path / "on.tex").write_text(doc)
    pdflatex(tmp_path / "on.tex", "-shell-escape", env=dict(os.environ))
    assert flag.exists() and "shell escape on." in pdf_text(tmp_path / "on.pdf")


# --------------------------------------------------------------------------
# (b) Markdown


MD_INPUTS = ["a|b", "*bold* _it_", "`tick` ``two``"]
MD_OUTPUTS = ["$5 | 10$", "x\\|y\\", "#h [l](u) <b>&amp; ~~s~~"]
MD_DATASET = "my_data`v.csv"  # a file name is a code span: no escapes work inside one


def _tables(tokens) -> list[list[list]]:
    """Every table as rows of cells, each cell the inline token's children."""
    tables, rows, row = [], None, None
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append(t.children)
        elif t.type == "tr_close":
            rows.append(row)
            row = None
        elif t.type == "table_close":
            tables.append(rows)
    return tables


def _math_spans(line: str) -> list[str]:
    """The $...$ spans of a Markdown line, escaped characters and code spans left out."""
    line = re.sub(r"(`+)(.+?)\1", "", line)
    line = re.sub(r"\\.", "", line)
    parts = line.split("$")
    assert len(parts) % 2 == 1, f"unbalanced $ in {line!r}"
    return parts[1::2]


def test_markdown_labels_break_no_table_and_no_math(tmp_path):
    (tmp_path / MD_DATASET).write_text(",".join(MD_INPUTS + MD_OUTPUTS) + "\n1,2,3,0.1,0.2,0.3\n4,5,6,0.5,0.6,0.7\n")
    (tmp_path / "c.toml").write_text(config(MD_INPUTS, MD_OUTPUTS, f"dataset = '{MD_DATASET}'"))
    r = mlptrace("report", "c.toml", "-o", "r.md", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "r.md").read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(md)

    labels = MD_INPUTS + MD_OUTPUTS
    cells_seen = set()
    tables = _tables(tokens)
    assert len(tables) >= 5
    for rows in tables:
        width = len(rows[0])
        for row in rows:
            assert len(row) == width, [[c.content for c in cell] for cell in row]
            for cell in row:
                text = "".join(c.content for c in cell if c.type == "text")
                if text in labels:
                    # the whole cell is plain text: no emphasis, code, link or HTML made of it
                    assert [c.type for c in cell] == ["text"], cell
                    cells_seen.add(text)
    assert cells_seen == set(labels)
    # The min-max table (column | min | max) has one row per column of the
    # dataset, in order, under its header.
    minmax = next(rows for rows in tables if rows[0][0][0].content == "column" and len(rows[0]) == 3)
    assert [row[0][0].content for row in minmax[1:]] == labels

    # The sentence listing the labels reads them back, as text only.
    listing = next(t for t in tokens if t.type == "inline" and t.content.startswith("The inputs are"))
    plain = "".join(c.content if c.type == "text" else " " for c in listing.children)
    assert {c.type for c in listing.children} <= {"text", "softbreak"}
    assert all(label in plain for label in labels)

    # No label opens or closes math: every line's $ pair up, and no math span holds label text.
    for line in md.splitlines():
        for span in _math_spans(line):
            assert not any(bit in span for bit in ("5 | 10", "bold", "tick", "[l](u)")), line

    # The dataset's name is a code span holding exactly the name.
    codes = {c.content for t in tokens if t.type == "inline" for c in t.children if c.type == "code_inline"}
    assert MD_DATASET in codes


def test_code_spans_fence_any_backticks():
    # By CommonMark: a fence longer than any run inside, a space when the text touches a backtick.
    assert render.code_md("my_data.csv") == "`my_data.csv`"
    assert render.code_md("a``b") == "```a``b```"
    assert render.code_md("`x") == "`` `x ``"
    md = MarkdownIt("commonmark")
    for name in ("a_b\\c.csv", "``", "`edge`", "x ` y"):
        children = md.parseInline(render.code_md(name))[0].children
        assert [(c.type, c.content) for c in children] == [("code_inline", name)]


# --------------------------------------------------------------------------
# (c) user templates in the sandbox


HOSTILE_TEMPLATES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ dict.mro() }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ facts.__class__.__init__.__globals__ }}",
    "{{ r.trace.__dict__ }}",
    "{{ self.__dict__ }}",
    "{{ '{0.__class__.__mro__}'.format(r) }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]


@pytest.mark.parametrize("template", HOSTILE_TEMPLATES)
def test_a_template_reaching_for_python_internals_is_one_line(tmp_path, template):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.md.j2").write_text("# Mine\n\n" + template + "\n")
    r = mlptrace("report", "--template", "mine", "-o", "r.md", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith("mlptrace: error: mine: report.md.j2 line 3: ")
    assert "unsafe" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no report, no figures


def test_a_benign_markdown_template_renders(tmp_path):
    (tmp_path / "mine" / "markdown").mkdir(parents=True)
    (tmp_path / "mine" / "markdown" / "report.md.j2").write_text(
        '{% import "macros.md.j2" as m with context %}'
        'Mine: {{ facts.layers|join("-") }} for {{ facts.inputs|map("esc")|join(", ") }}\n\n'
        '{% for s in sections if s.key == "loss" %}{% include "loss.j2" %}{% endfor %}')
    (tmp_path / "c.toml").write_text(config(MD_INPUTS, MD_OUTPUTS, ROWS))
    r = mlptrace("report", "c.toml", "--template", "mine", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(r"Mine: 3-2-3 for a\|b, \*bold\* \_it\_, \`tick\` \`\`two\`\`" + "\n")
    assert "The loss function" in r.stdout  # the built-in partial, found through the fallback


def test_a_benign_latex_template_compiles_with_hostile_labels(tmp_path, texinputs):
    require_tool("pdflatex")
    (tmp_path / "mine" / "latex").mkdir(parents=True)
    (tmp_path / "mine" / "latex" / "report.tex.j2").write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        'Mine: {{ facts.layers|join("-") }}; inputs {{ facts.inputs|map("esc")|join("; ") }}.\n\n'
        'Outputs {{ facts.outputs|map("esc")|join("; ") }}.\n'
        "\\end{document}\n")
    (tmp_path / "c.toml").write_text(config(TEX_INPUTS, TEX_OUTPUTS, ROWS))
    r = mlptrace("report", "c.toml", "--template", "mine", "-o", "r.pdf", cwd=tmp_path, env=texinputs)
    assert r.returncode == 0, r.stderr
    text = " ".join(pdf_text(tmp_path / "r.pdf").split())
    assert "Mine: 3-2-3; inputs " + "; ".join(TEX_INPUTS) + "." in text
    assert "Outputs " + "; ".join(TEX_OUTPUTS) + "." in text
    assert SECRET not in text and not (tmp_path / "pwned").exists()
