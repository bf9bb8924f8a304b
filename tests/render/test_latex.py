"""The LaTeX reports compile, every equation fits the page, and the Markdown's math compiles too.

These need pdflatex: skipped without it, required in CI (conftest.require_tool).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import EXAMPLES, require_tool
from tracer import cli
from tracer.render.notebook import report
from tracer.render.report import render

CONFIGS = {
    "seed": None,
    "seed-tanh": None,
    "3-5-4-2": EXAMPLES / "deep" / "deep.toml",
    "10-input": EXAMPLES / "wide" / "wide.toml",
}


def _expl(name):
    return report(CONFIGS[name], activation="tanh" if name == "seed-tanh" else None)


def _pdflatex(tex: str, tmp_path, stem: str = "doc") -> str:
    """Compile ``tex`` as pdflatex -halt-on-error would for a user; return the log."""
    exe = require_tool("pdflatex")
    (tmp_path / f"{stem}.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", f"{stem}.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / f"{stem}.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, "\n".join(ln for ln in log.splitlines() if ln.startswith("!") or ln.startswith("l."))
    assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    return log


@pytest.mark.parametrize("name", list(CONFIGS))
def test_latex_report_compiles_and_every_line_fits(name, tmp_path):
    log = _pdflatex(render(_expl(name), "tex"), tmp_path)
    overfull = [ln for ln in log.splitlines() if ln.startswith("Overfull \\hbox")]
    assert not overfull, overfull  # nothing runs into the margin: equations, tables, listings
    # The text-companion font would need bitmap fonts built on the fly; escaping avoids it.
    assert "mktexpk" not in log and "tcrm" not in log


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_markdown_math_block_compiles(name, tmp_path):
    md = render(_expl(name), "md")
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, flags=re.S | re.M)
    assert len(blocks) >= 20
    # Only what Markdown math renderers (MathJax, KaTeX) know: amsmath and amssymb.
    body = "\n\n".join(f"\\[\n{b}\n\\]" for b in blocks)
    _pdflatex("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
              f"{body}\n\\end{{document}}\n", tmp_path)


def test_a_broken_block_would_fail(tmp_path):
    with pytest.raises(AssertionError):
        _pdflatex("\\documentclass{article}\n\\begin{document}\n\\[ \\frac{1}{ \\]\n\\end{document}\n", tmp_path)


def test_labels_with_every_special_character_compile(tmp_path):
    """The 10-input config's labels hold & % $ # _ { } ~ ^ \\ ; the PDF shows them as written."""
    tex = render(_expl("10-input"), "tex")
    for escaped in (r"parking \& storage", r"garden \%", r"\ensuremath{\$} tax", r"floor \#", r"area\_m2", r"\{zone\}",
                    r"school \~{}km", r"x\^{}2 \textbackslash{} y"):
        assert escaped in tex
    _pdflatex(tex, tmp_path)


def test_report_format_pdf_writes_a_pdf(tmp_path):
    require_tool("pdflatex")
    target = tmp_path / "worked.pdf"
    assert cli.main(["report", "-o", str(target)]) == 0  # the format follows the extension
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["worked.pdf"]  # pdflatex's files stay in its temp dir
