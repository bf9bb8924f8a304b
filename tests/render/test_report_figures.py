"""Figures in the reports: files beside a Markdown or LaTeX report, links that resolve, a PDF
that stands alone, --no-figures, no figure over an input, and ``mlptrace gd --svg``.

Numbers checked here come from the document (its paraboloid table: each step
multiplies x and y by 1 - 2 * 0.1 = 0.8) or from the config written in the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import EXAMPLES, ROOT, require_tool
from tracer import cli
from tracer.config import files

S = "{http://www.w3.org/2000/svg}"
DEEP = EXAMPLES / "deep" / "deep.toml"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracer", *argv], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == S + "svg"
    return root


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text for t in root.iter(S + "text") if t.get("class") == cls]


# --------------------------------------------------------------------------
# Markdown


def test_markdown_links_resolve_to_the_figures_written_beside_it(tmp_path):
    out = tmp_path / "my report #1.md"  # a space and a # must survive as a link
    assert cli.main(["report", str(DEEP), "-o", str(out)]) == 0
    md = out.read_text()
    links = IMAGE.findall(md)
    assert len(links) == 3
    targets = [tmp_path / unquote(url) for _, url in links]
    assert [t.name for t in targets] == ["my report #1-network.svg", "my report #1-gd.svg", "my report #1-loss.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, *(t.name for t in targets)])
    for t in targets:
        svg(t)  # exists and is well-formed
    # the diagram is of this config: its labels (deep.toml: 3-5-4-2), its nodes
    net = svg(targets[0])
    assert texts(net, "input-label") == ["length", "width", "depth"] * 2
    assert texts(net, "output-label") == ["volume", "weight"] * 2
    assert len(texts(net, "node-name")) == 2 * (3 + 5 + 4 + 2)
    # each link sits in the section it belongs to
    sections = re.split(r"^## ", md, flags=re.M)
    where = {url: next(s.split("\n", 1)[0] for s in sections if url in s) for _, url in links}
    # two hidden layers: two more sections (a sum and an activation) before gradient descent than the document's 4.6
    assert [where[url] for _, url in links] == ["1 Initialisation", "4.8 The gradient descent formula",
                                               "7 The loss over the iterations"]


def test_stdout_and_devnull_get_no_figures(tmp_path):
    r = run("report", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("# The math") and not IMAGE.search(r.stdout)
    assert list(tmp_path.iterdir()) == []
    # a report to a device (the benchmarks write to /dev/null) writes nothing beside it
    r = run("report", "--format", "md", "-o", os.devnull, cwd=tmp_path)
    assert r.returncode == 0 and not Path(os.devnull + "-network.svg").exists() and not Path("/dev/null-loss.svg").exists()


def test_no_figures_writes_and_links_none(tmp_path):
    out = tmp_path / "r.md"
    assert cli.main(["report", "-o", str(out), "--no-figures"]) == 0
    assert not IMAGE.search(out.read_text()) and [p.name for p in tmp_path.iterdir()] == ["r.md"]
    tex = tmp_path / "r.tex"
    assert cli.main(["report", "-o", str(tex), "--no-figures"]) == 0
    assert "\\includegraphics" not in tex.read_text() and sorted(p.name for p in tmp_path.iterdir()) == ["r.md", "r.tex"]


def test_figures_are_written_atomically(tmp_path, monkeypatch):
    written = []
    write, commit = files.Outputs.write, files.Outputs.commit
    monkeypatch.setattr(files.Outputs, "write", lambda self, path, data: (written.append(Path(path).name), write(self, path, data)))
    monkeypatch.setattr(files.Outputs, "commit", lambda self: (written.append("commit"), commit(self)))
    assert cli.main(["report", "-o", str(tmp_path / "r.md")]) == 0
    # every file staged in one output transaction, the figures before the report
    # that links them, and all renamed into place together at the end
    assert written == ["r-network.svg", "r-loss.svg", "r-gd.svg", "r.md", "commit"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written[:-1])  # and no temporary file left


def test_a_figure_never_overwrites_an_input(tmp_path):
    # a dataset that happens to be named like the loss figure of report "r.md"
    data = tmp_path / "r-loss.svg"
    data.write_text("a,b,y\n1,2,0.5\n2,1,0.2\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[network]\ninputs = 2\nhidden = [2]\noutputs = 1\n[training]\nlearning_rate = 0.1\n'
                   'epochs = 2\ndataset = "r-loss.svg"\n[init]\nmethod = "random"\nseed = 1\n')
    r = run("report", str(cfg), "-o", "r.md", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "r-loss.svg" in r.stderr and "overwrite" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "r-loss.svg"]  # nothing written
    assert data.read_text().startswith("a,b,y")
    assert run("report", str(cfg), "-o", "r.md", "--no-figures", cwd=tmp_path).returncode == 0


# --------------------------------------------------------------------------
# LaTeX and PDF


def test_latex_includes_its_pdf_figures_and_compiles(tmp_path):
    pdflatex = require_tool("pdflatex")
    pdftotext = require_tool("pdftotext")
    out = tmp_path / "my report.tex"
    assert cli.main(["report", str(DEEP), "-o", str(out)]) == 0
    tex = out.read_text()
    names = re.findall(r"\\includegraphics\[[^\]]*\]\{([^}]+)\}", tex)
    # TeX-safe names (the space became a dash), files that exist, each a PDF
    assert names == ["my-report-network.pdf", "my-report-gd.pdf", "my-report-loss.pdf"]
    for n in names:
        assert (tmp_path / n).read_bytes().startswith(b"%PDF-")
    r = subprocess.run([pdflatex, "-halt-on-error", "-interaction=nonstopmode", out.name], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    text = subprocess.run([pdftotext, "my report.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    # the figures' own words, now in the PDF
    assert "Before step 0" in text and "Loss per epoch" in text and "Gradient descent on" in text


def test_pdf_stands_alone(tmp_path):
    require_tool("pdflatex")
    pdftotext = require_tool("pdftotext")
    r = run("report", "-o", "r.pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]  # figures lived in pdflatex's folder only
    text = subprocess.run([pdftotext, "r.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "Before step 0 (epoch 0, row 0)" in text and "Loss per epoch" in text and "Gradient descent on" in text
    r = run("report", "-o", "plain.pdf", "--no-figures", cwd=tmp_path)
    plain = subprocess.run([pdftotext, "plain.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert r.returncode == 0 and "Loss per epoch" not in plain and "The loss over the iterations" in plain


# --------------------------------------------------------------------------
# mlptrace gd --svg


def test_gd_svg_draws_the_documents_path(tmp_path):
    r = run("gd", "x^2 + y^2", "--at", "x=3,y=4", "--lr", "0.1", "--steps", "10", "--svg", "bowl.svg", cwd=tmp_path)
    assert r.returncode == 0 and "16.0000" in r.stdout  # the table is still printed
    steps = [c for c in svg(tmp_path / "bowl.svg").iter(S + "circle") if c.get("class") == "step"]
    got = [(float(c.get("data-x")), float(c.get("data-y"))) for c in steps]
    # the document's table: (3, 4), (2.4, 3.2), (1.92, 2.56), ... each step times 1 - 2 * 0.1
    assert [v for p in got for v in p] == pytest.approx([v for k in range(11) for v in (3 * 0.8**k, 4 * 0.8**k)], rel=1e-12)
    # --plot is the same option
    assert run("gd", "x^2 + y^2", "--at", "x=3,y=4", "--plot", "p.svg", cwd=tmp_path).returncode == 0
    assert (tmp_path / "p.svg").read_bytes() == (tmp_path / "bowl.svg").read_bytes()


@pytest.mark.parametrize("expr, at, what", [
    ("x^2", "x=3", "two variables"),
    ("x^2 + y^2 + z^2", "x=1,y=1,z=1", "two variables"),
])
def test_gd_svg_needs_two_variables(tmp_path, expr, at, what):
    r = run("gd", expr, "--at", at, "--svg", "f.svg", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and what in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_gd_svg_refuses_a_missing_folder_before_printing(tmp_path):
    r = run("gd", "x^2 + y^2", "--at", "x=3,y=4", "--svg", "no/such/dir/f.svg", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "" and "does not exist" in r.stderr
