"""A trace in a notebook (issue 17): a short summary table on display, and ``trace.explain(step)`` for a worked example.

The summary's numbers are read back out of the displayed HTML and compared
with the trace's own arrays; the worked example of the document's first
step must show the document's numbers (tests/test_document_example.py has
them all, with the document's slips).
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from conftest import EXAMPLES, ROOT, require_module
from tracer import config
from tracer.config.run import record
from tracer.errors import InputError
from tracer.render import notebook
from tracer.render.notebook import Report, explain, show

SEED = EXAMPLES / "seed" / "sigmoid.toml"
HOSTILE = "<img src=x onerror=alert(1)>"


class Cells(HTMLParser):
    """The text of every table cell, and every start tag, of an HTML fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text.replace(",", ""))]


def test_a_trace_displays_a_summary_table_whose_numbers_are_its_arrays():
    trace, _ = record(config.load(EXAMPLES / "seed" / "four-rows.toml").replace(epochs=25), "every:10")
    cells = Cells(trace._repr_html_())
    table = {label: text for label, text in cells.rows}
    assert cells.tags.count("tr") == len(trace.summary()) and "table" in cells.tags
    assert table["layers"] == "-".join(map(str, trace.layers)) == "2-3-1"
    assert table["activations"] == "sigmoid, sigmoid"
    # 4 rows, 25 epochs: 100 steps, of which every 10th is kept
    assert numbers_in(table["steps kept"]) == [len(trace.kept), 100] and len(trace.kept) == 10
    assert numbers_in(table["epochs"]) == [25]
    first, e0, last, e24, after = numbers_in(table["mean loss"])
    assert (e0, e24) == (0, 24)
    for shown, value in ((first, trace.epoch_loss[0]), (last, trace.epoch_loss[24]), (after, trace.final_loss)):
        assert abs(shown - value) <= 5e-3 * value  # three significant digits
    md = trace._repr_markdown_()
    assert md.startswith("| mlptrace Trace | |\n|:---|:---|\n") and "| layers | 2-3-1 |" in md
    assert md.count("\n") == len(trace.summary()) + 2


def hostile_trace():
    cfg = config.load({"network": {"inputs": [HOSTILE, "a|b*c"], "hidden": [2], "outputs": ["z&<"]},
                       "training": {"learning_rate": 0.1, "epochs": 2, "data": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]},
                       "normalize": {"method": "none"}, "init": {"method": "random", "seed": 1}})
    return record(cfg, "first:1")[0]


def test_the_summary_escapes_a_hostile_label():
    trace = hostile_trace()
    html = trace._repr_html_()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    cells = Cells(html)
    assert "img" not in cells.tags  # the label is text, never a tag
    table = dict(cells.rows)
    assert table["inputs"] == f"{HOSTILE}, a|b*c" and table["outputs"] == "z&<"
    md = trace._repr_markdown_()
    # in Markdown the label may not open a tag, end the table's cell or start emphasis
    assert r"\<img src=x onerror=alert(1)\>, a\|b\*c" in md and r"z\&\<" in md


def test_explain_shows_the_documents_first_step():
    trace, _ = record(config.load(None), "first:1")
    report = trace.explain(0)
    assert isinstance(report, Report)
    md = report._repr_markdown_()
    assert md.startswith("# The math behind training an MLP") and "## 4.1 The summation function" in md
    # the document's numbers: the sums -0.25, 0.5, 1.0; sigmoid of them 0.4378, 0.6225, 0.7311 (its 0.7310 is
    # a slip: 1 / (1 + e^-1) = 0.731059); the output 0.5241; the loss 1/2 (0.91 - 0.5241)^2 = 0.07446; the output
    # error signal -0.096252 (-0.09625 at four significant digits); w_o[0]'s update 0.5 - 0.1 (-0.09625) 0.4378 = 0.5042
    for value in ("-0.25", "0.4378", "0.6225", "0.7311", "0.5241", "0.07446", "-0.09625", "0.5042"):
        assert value in md, value
    assert "Appendix A" in md  # with the gradient check, as report() gives it
    tex = report._repr_latex_()
    assert tex.startswith("$$") and "0.4378" in tex
    # its text/plain (sent with every display, printed by a REPL) is one line, not every section's fields
    assert repr(report).startswith("<Report: the worked example of kept step 0 (epoch 0, row 0), ")
    assert "\n" not in repr(report) and len(repr(report)) < 200


def test_explain_takes_any_kept_step_and_a_trace_file(tmp_path):
    trace, _ = record(config.load(EXAMPLES / "seed" / "four-rows.toml").replace(epochs=2), "all")
    path = tmp_path / "t.json"
    path.write_text(trace.to_json())
    md = explain(path, np.int64(5))._repr_markdown_()  # a step index from numpy works too
    assert md == trace.explain(5)._repr_markdown_()
    assert md != trace.explain(0)._repr_markdown_()
    # step 5 is epoch 1's second row (65, 67, 80 of four rows): its output, at the report's four decimals
    assert f"{trace.a[-1][5][0]:.4f}" in md and trace.epoch[5] == 1 and trace.row[5] == 1


@pytest.mark.parametrize("step", [-1, 2, 1.0, True, "0"])
def test_a_step_the_trace_did_not_keep_is_one_line_of_bad_input(step):
    trace, _ = record(config.load(None).replace(epochs=2), "all")
    with pytest.raises(InputError) as info:
        explain(trace, step)
    assert str(info.value) == f"trace: step {step!r}: not a kept step of the trace (kept steps: 0 to 1)"


def test_a_trace_that_kept_no_step_explains_nothing_and_shows_its_summary():
    trace, _ = record(config.load(None).replace(epochs=3), "epochs")
    with pytest.raises(InputError, match="kept only each epoch's loss"):
        trace.explain(0)
    assert show(trace) is trace and "kept no step" in show(trace)._repr_markdown_()


UNEXPLAINED = [("training", "momentum", 0.5), ("training", "batch_size", 2), ("network", "bias", "shared"),
               ("training", "loss", "sse")]


def test_explain_refuses_a_variant_the_report_does_not_explain_yet(tmp_path):
    from tracer.config.schema import EXPLAINED_KEYS

    # the report learns variants one key at a time (config.schema.EXPLAINED_KEYS): refuse one it does not follow yet
    left = [(section, key, value) for section, key, value in UNEXPLAINED if key not in EXPLAINED_KEYS["report"]]
    if not left:
        pytest.skip("the report explains every variant key this test knows")
    section, key, value = left[0]
    mapping = {"network": {"inputs": 2, "hidden": [2], "outputs": 1},
               "training": {"learning_rate": 0.1, "epochs": 1, "data": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]},
               "normalize": {"method": "none"}, "init": {"method": "random", "seed": 1}}
    mapping[section][key] = value
    trace, _ = record(config.load(mapping), "all")
    path = tmp_path / "variant.json"
    path.write_text(trace.to_json())
    with pytest.raises(InputError) as info:
        explain(str(path))
    assert str(info.value).startswith(f"{path}: {section}.{key}: report does not explain {key} = ")
    assert "\n" not in str(info.value)


def test_without_the_render_layer_a_trace_shows_its_summary_as_text():
    # core may not import render, so the notebook methods come with tracer.render.notebook; the repr is core's
    code = ("from tracer.config.run import record\nfrom tracer import config\n"
            "t, _ = record(config.load(None), 'first:1')\n"
            "print(hasattr(t, '_repr_html_'), hasattr(t, 'explain'))\n"
            "import tracer.render.notebook\n"
            "print(hasattr(t, '_repr_html_'), hasattr(t, 'explain'))\n"
            "print(repr(t).splitlines()[1])\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout == "False False\nTrue True\n  layers       2-3-1\n", r.stderr
    assert notebook.summary_html(record(config.load(None), "first:1")[0]).startswith('<table class="mlptrace-trace">')


def test_the_readme_python_example_runs_as_written(tmp_path):
    require_module("pandas")
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "to_pandas()" in b]
    assert len(blocks) == 1, "README's Python section shows to_pandas and explain in one block"
    code = blocks[0]
    assert "trace.explain(" in code
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
