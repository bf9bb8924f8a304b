"""The pictures: well-formed SVG and PDF that show the right numbers in the right places.

Expected numbers come from the document (its initial weights, its gradient
descent table, its loss table), from a hand calculation of one update step
written out below, or from plain geometry (a contour of x^2 + y^2 is a
circle).  Positions are read back from the SVG through its own axis ticks,
as a reader would read the picture.
"""

from __future__ import annotations

import math
import re
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

from tracer.config import schema as config
from tracer.render import drawings, figures
from tracer.explain import descent as gd
from tracer.render.figures import contour
from tracer.render.figures import curve
from tracer.render.figures import diagram
from tracer.config.run import record

from conftest import EXAMPLES, require_tool

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def seed():
    trace, _ = record(config.load(None))
    return trace


def write_config(path: Path, inputs, hidden, outputs, rows, epochs=5, act="tanh", lr=0.05) -> Path:
    q = lambda labels: "[" + ", ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in labels) + "]"
    path.write_text(
        f"[network]\ninputs = {q(inputs)}\nhidden = {hidden}\noutputs = {q(outputs)}\nactivation = \"{act}\"\n"
        f"[training]\nlearning_rate = {lr}\nepochs = {epochs}\ndata = {rows}\n"
        "[normalize]\nmethod = \"zero-to-one\"\n[init]\nmethod = \"random\"\nseed = 7\n"
    )
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 3-5-4-2 tanh network, four rows."""
    rows = [[170, 65, 30, 0.8, 0.1], [160, 80, 50, 0.3, 0.7], [185, 90, 25, 0.6, 0.4], [150, 50, 70, 0.2, 0.9]]
    cfg = write_config(tmp_path_factory.mktemp("big") / "net.toml", ["height", "weight", "age"], [5, 4],
                       ["fit", "risk"], rows, epochs=30)
    trace, _ = record(config.load(cfg))
    return trace


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def of_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == cls]


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [e.text for e in root.iter(SVG + "text") if cls is None or e.get("class") == cls]


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """The polylines of an SVG path made of M and L commands."""
    out = []
    for part in d.split("M")[1:]:
        out.append([tuple(map(float, p.split())) for p in part.split("L")])
    return out


def axis_maps(root: ET.Element, logy: bool = False):
    """Picture coordinate -> data value for each axis, fitted through the tick marks and their labels."""
    maps = []
    for axis, k in (("xtick", 0), ("ytick", 1)):
        marks = of_class(root, axis)
        labels = texts(root, axis + "-label")
        # the tick labels a reader sees say the same values the marks stand at
        assert [float(t) for t in labels] == pytest.approx([float(m.get("data-value")) for m in marks])
        v = np.array([float(t) for t in labels])
        v = np.log10(v) if logy and axis == "ytick" else v
        p = np.array([path_points(m.get("d"))[0][-1 if axis == "xtick" else -1][k] for m in marks])
        a, b = np.polyfit(v, p, 1)
        maps.append((a, b))
    (ax, bx), (ay, by) = maps
    return (lambda px: (px - bx) / ax), (lambda py: 10 ** ((py - by) / ay) if logy else (py - by) / ay)


# ------------------------------------------------------------ the network


def sig(s):
    return 1 / (1 + math.exp(-s))


def hand_step():
    """One step of the document's example worked by hand: x = (0.5, 0.5), z = 0.91, sigmoid, eta 0.1."""
    x, z, eta = [0.5, 0.5], 0.91, 0.1
    Wh, bh = [[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [0.5, 0.5, 0.5]
    wo, bo = [0.5, -1.0, 0.0], 0.5
    a = [sig(w[0] * x[0] + w[1] * x[1] + b) for w, b in zip(Wh, bh)]  # 0.4378, 0.6225, 0.7311
    y = sig(sum(w * ai for w, ai in zip(wo, a)) + bo)                   # 0.5241
    do = y * (1 - y) * (y - z)                                           # -0.0963
    dh = [ai * (1 - ai) * w * do for ai, w in zip(a, wo)]                # old output weights
    wo_new = [w - eta * do * ai for w, ai in zip(wo, a)]
    Wh_new = [[w - eta * d * xi for w, xi in zip(row, x)] for row, d in zip(Wh, dh)]
    return (Wh_new, [b - eta * d for b, d in zip(bh, dh)]), ([wo_new], [bo - eta * do])


def shown_weights(root: ET.Element, panel: int, n_panels: int) -> dict:
    """(layer, node, input) -> the text of each weight label, for one panel."""
    labels = of_class(root, "weight")
    per = len(labels) // n_panels
    return {(int(e.get("data-layer")), int(e.get("data-node")), int(e.get("data-input"))): e.text
            for e in labels[panel * per:(panel + 1) * per]}


def test_seed_diagram_shows_every_label_and_the_documents_initial_weights(seed):
    root = parse(drawings.network_svg(seed, which="before"))
    words = texts(root)
    for label in ["i0", "i1", "z0", "x0", "x1", "h0", "h1", "h2", "y0"]:
        assert label in words
    # the document's initialisation: hiddenWeight {-0.5 -1.0} {-0.5 0.5} {1.0 0.0}, outputWeight {0.5 -1.0 0.0}
    doc = {(0, 0, 0): "-0.5000", (0, 0, 1): "-1.0000", (0, 1, 0): "-0.5000", (0, 1, 1): "0.5000",
           (0, 2, 0): "1.0000", (0, 2, 1): "0.0000", (1, 0, 0): "0.5000", (1, 0, 1): "-1.0000", (1, 0, 2): "0.0000"}
    assert shown_weights(root, 0, 1) == doc
    assert texts(root, "bias") == ["b 0.5000"] * 4


def test_seed_diagram_after_the_update_matches_a_hand_calculation(seed):
    (Wh, bh), (Wo, bo) = hand_step()
    root = parse(drawings.network_svg(seed, which="both"))
    before, after = shown_weights(root, 0, 2), shown_weights(root, 1, 2)
    assert before[(0, 0, 0)] == "-0.5000"
    expect = {(0, j, i): f"{Wh[j][i]:.4f}" for j in range(3) for i in range(2)}
    expect |= {(1, 0, i): f"{Wo[0][i]:.4f}" for i in range(3)}
    assert after == expect
    # the document prints these as -0.49941, -0.99941, -0.50113, 0.4988 (cut, not rounded: 0.49887),
    # 0.50421, and -0.99938 and 0.00070 for wo[1], wo[2] -- slips for -1 + 0.1*0.096252*0.6225 = -0.99401
    # and 0.1*0.096252*0.7310 = 0.00704
    assert [after[k] for k in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1), (1, 0, 2)]] == [
        "-0.4994", "-0.9994", "-0.5011", "0.4989", "0.5042", "-0.9940", "0.0070"]
    biases = texts(root, "bias")
    assert biases[4:] == [f"b {v:.4f}" for v in bh + bo] == ["b 0.5012", "b 0.4977", "b 0.5000", "b 0.5096"]


def test_digits_follow_the_report_precision(seed):
    root = parse(drawings.network_svg(seed, which="before", digits=2))
    assert sorted(set(texts(root, "weight"))) == ["-0.50", "-1.00", "0.00", "0.50", "1.00"]


def test_each_weight_label_sits_on_its_own_edge_and_along_it(big):
    root = parse(drawings.network_svg(big, which="before"))
    edges = {(e.get("data-layer"), e.get("data-node"), e.get("data-input")): path_points(e.get("d"))[0]
             for e in of_class(root, "edge")}
    assert len(edges) == 3 * 5 + 5 * 4 + 4 * 2
    for t in of_class(root, "weight"):
        (x0, y0), (x1, y1) = edges[(t.get("data-layer"), t.get("data-node"), t.get("data-input"))]
        cx, cy, angle = float(t.get("x")), float(t.get("y")), 0.0
        if t.get("transform"):  # turned about its own anchor
            angle, *centre = map(float, re.fullmatch(r"rotate\((\S+) (\S+) (\S+)\)", t.get("transform")).groups())
            assert centre == [cx, cy]
        assert angle == pytest.approx(math.degrees(math.atan2(y1 - y0, x1 - x0)), abs=0.01)
        # the rotation centre is the text's anchor, which sits 0.36 em below the edge, across it
        dist = abs((x1 - x0) * (cy - y0) - (y1 - y0) * (cx - x0)) / math.hypot(x1 - x0, y1 - y0)
        assert dist == pytest.approx(0.36 * float(t.get("font-size")), abs=0.02)
        assert min(x0, x1) < cx < max(x0, x1)


def test_weight_labels_do_not_overlap(big):
    root = parse(drawings.network_svg(big, which="before"))
    boxes = [[tuple(map(float, p.split(","))) for p in e.get("points").split()]
             for e in root.iter(SVG + "polygon") if e.get("fill") == "#ffffff"]
    assert len(boxes) == 43 + 11  # one white box behind each weight and each bias
    hits = [(a, b) for i, a in enumerate(boxes) for b in boxes[:i] if diagram._overlap(a, b)]
    assert hits == []


def test_large_layers_colour_and_size_edges_with_a_legend(tmp_path):
    rows = [[i + k for i in range(7)] + [0.5] for k in range(3)]
    trace, _ = record(config.load(write_config(tmp_path / "wide.toml", [f"i{i}" for i in range(7)], [3], ["z"], rows)))
    root = parse(drawings.network_svg(trace, which="after"))
    assert of_class(root, "weight") == []
    edges = of_class(root, "edge")
    assert len(edges) == 7 * 3 + 3
    w = np.array([abs(float(e.get("data-value"))) for e in edges])
    width = np.array([float(e.get("stroke-width")) for e in edges])
    assert np.all(np.diff(width[np.argsort(w)]) >= -0.011)  # thicker for larger |w| (widths are rounded)
    for e in edges:
        v = float(e.get("data-value"))
        assert e.get("stroke") == (diagram.POS if v > 0 else diagram.NEG if v < 0 else diagram.ZERO)
    assert {"positive", "negative"} <= set(texts(root, "legend"))
    # biases are still written out, at the report's precision
    b_new = trace.b_new(0)[0]
    assert texts(root, "bias")[:3] == [f"b {v:.4f}" for v in b_new]


def test_initial_and_final_panels_show_the_runs_own_weights(seed):
    final = parse(drawings.network_svg(seed, which="final"))
    w = seed.final[1][0][0]
    assert shown_weights(final, 0, 1)[(1, 0, 1)] == f"{w[1]:.4f}"
    assert texts(parse(drawings.network_svg(seed, which="initial")), "weight")[0] == "-0.5000"


def test_bad_choices_are_refused_with_the_allowed_values(seed):
    with pytest.raises(ValueError, match="before, after, both"):
        drawings.network_svg(seed, which="middle")
    with pytest.raises(ValueError, match="not recorded"):
        drawings.network_svg(seed, step=seed.n_steps)


# ------------------------------------------------------------- escaping


def test_hostile_labels_are_escaped_everywhere(tmp_path):
    labels = ['a<b', 'c&d']
    out = ['say "hi" & <bye>']
    trace, _ = record(config.load(write_config(tmp_path / "h.toml", labels, [2], out, [[1, 2, 0.5], [2, 1, 0.2]])))
    svg = drawings.network_svg(trace)
    assert "a&lt;b" in svg and "c&amp;d" in svg and "say &quot;hi&quot; &amp; &lt;bye&gt;" in svg
    assert "a<b" not in svg and 'say "hi"' not in svg
    root = parse(svg)
    assert set(labels) <= set(texts(root, "input-label")) and texts(root, "output-label")[0] == out[0]

    title = 'f <x> & "y"'
    svg = figures.gd_svg(lambda x, y: x * x + y * y, [(1, 1), (0.5, 0.5)], label=title)
    assert "f &lt;x&gt; &amp; &quot;y&quot;" in svg and title not in svg
    assert parse(svg).find(SVG + "title").text == "Gradient descent on " + title


# ---------------------------------------------------------- loss curve


# the document's loss table: iterations 0-9, 100 and 1000
DOC_LOSS = {0: 0.07446, 1: 0.07242, 2: 0.07044, 3: 0.06852, 4: 0.06666, 5: 0.06486, 6: 0.06312,
            7: 0.06143, 8: 0.05979, 9: 0.05820, 100: 0.00985, 1000: 0.00006}


@pytest.mark.parametrize("log", [False, True])
def test_loss_curve_marks_the_documents_table_where_it_belongs(seed, log):
    root = parse(figures.loss_svg(seed, log=log))
    to_x, to_y = axis_maps(root, logy=log)
    marks = of_class(root, "mark")
    # the report's table: iterations 0-9, then every power of ten, then the last
    assert [int(m.get("data-iteration")) for m in marks] == list(range(10)) + [10, 100, 1000]
    for m in marks:
        k, px, py = int(m.get("data-iteration")), float(m.get("cx")), float(m.get("cy"))
        assert to_x(px) == pytest.approx(k, abs=1.5)  # a pixel is about 1.5 epochs here
        if k not in DOC_LOSS:  # the document skips iteration 10
            continue
        shown = to_y(py)
        if log:
            # within the document's 5 decimals (1000: 0.00006 is 5.73e-5) and a pixel's reading
            assert shown == pytest.approx(DOC_LOSS[k], rel=0.02, abs=5e-6)
        else:
            assert shown == pytest.approx(DOC_LOSS[k], abs=0.0002)
    assert texts(root, "mark-label") == ["0: 0.07446", "1000: 0.00006"]
    curve_pts = path_points(of_class(root, "loss")[0].get("d"))[0]
    assert len(curve_pts) == 1001  # every epoch, then the loss after the run


def test_log_ticks_are_powers_of_ten(seed):
    root = parse(figures.loss_svg(seed, log=True))
    assert texts(root, "ytick-label") == ["1e-5", "0.0001", "0.001", "0.01", "0.1"]


def test_a_long_run_is_thinned_but_keeps_its_spikes():
    x = np.linspace(0, 600, 100_001)
    y = np.exp(-x / 100)
    y[54_321] = 5.0
    px, py = curve._thin(x, y, 600)
    assert len(px) <= 3 * 601 + 1 and py.max() == 5.0 and py[-1] == y[-1] and np.all(np.diff(px) >= 0)


# ------------------------------------------------------ gradient descent


# the document's table for x^2 + y^2 from (3, 4), eta 0.1: x and y of each step
DOC_PATH = [(3.0, 4.0), (2.4, 3.2), (1.92, 2.56), (1.536, 2.048)]


def test_default_gd_picture_passes_through_the_documents_points():
    root = parse(drawings.gd_svg())
    to_x, to_y = axis_maps(root)
    dots = [(to_x(float(c.get("cx"))), to_y(float(c.get("cy")))) for c in of_class(root, "step")]
    line = [(to_x(px), to_y(py)) for px, py in path_points(of_class(root, "path")[0].get("d"))[0]]
    # beyond the document's rows each step multiplies by 1 - 2 * 0.1 = 0.8
    expect = DOC_PATH + [(3 * 0.8**k, 4 * 0.8**k) for k in range(4, 11)]
    assert len(dots) == len(line) == 11
    for got in (dots, line):
        assert np.allclose(got, expect, atol=2e-4)  # coordinates are written to 0.01 px
    assert "(3, 4)" in texts(root, "start") and texts(root, "end") == [f"({3 * 0.8**10:.4f}, {4 * 0.8**10:.4f})"]


def test_contours_of_the_bowl_are_circles():
    root = parse(drawings.gd_svg())
    to_x, to_y = axis_maps(root)
    lines = of_class(root, "contour")
    assert len(lines) >= 8
    for e in lines:
        r = math.sqrt(float(e.get("data-level")))
        for poly in path_points(e.get("d")):
            got = [math.hypot(to_x(px), to_y(py)) for px, py in poly]
            # linear interpolation on a grid of step h errs by about h^2 / (8 r)
            assert np.allclose(got, r, atol=2e-3 + 0.01 / r)


def test_marching_squares_closes_a_ring_and_resolves_a_saddle():
    t = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(t, t)
    rings = contour.contours(X**2 + Y**2, 1.0)
    assert len(rings) == 1 and rings[0][0] == rings[0][-1]  # one closed loop
    # a saddle x*y: the level 0 is the two axes, level 0.5 two hyperbola branches
    assert len(contour.contours(X * Y, 0.5)) == 2
    # a non-finite corner leaves its cells out instead of failing
    Z = X**2 + Y**2
    Z[20, 20] = np.nan
    assert contour.contours(Z, 1.0)


def test_gd_picture_of_any_two_variable_function_from_descend():
    d = gd.descend("sin(a) + (b-1)^2/4", {"a": 2.5, "b": -2}, 0.3, 12)
    root = parse(drawings.gd_svg(d))
    to_x, to_y = axis_maps(root)
    dots = [(to_x(float(c.get("cx"))), to_y(float(c.get("cy")))) for c in of_class(root, "step")]
    # an independent descent: grad = (cos a, (b - 1) / 2)
    a, b, expect = 2.5, -2.0, [(2.5, -2.0)]
    for _ in range(12):
        a, b = a - 0.3 * math.cos(a), b - 0.3 * (b - 1) / 2
        expect.append((a, b))
    assert np.allclose(dots, expect, atol=1e-3)
    assert texts(root, "xtick-label") and "a" in texts(root) and "b" in texts(root)
    with pytest.raises(ValueError, match="two variables"):
        drawings.gd_svg(gd.descend("x^2", {"x": 1}, 0.1, 2))


# ---------------------------------------------------------------- PDF


def pdf_text(pdf: bytes) -> str:
    stream = re.search(rb"stream\n(.*?)\nendstream", pdf, re.S).group(1)
    return zlib.decompress(stream).decode("latin-1")


def test_pdf_is_well_formed_and_shows_the_same_numbers(seed):
    pdf = drawings.network_pdf(seed)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # every cross-reference entry points at the object it names
    xref = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    entries = re.findall(rb"(\d{10}) 00000 n", pdf[xref:])
    for i, off in enumerate(entries, 1):
        assert pdf[int(off):].startswith(f"{i} 0 obj".encode())
    body = pdf_text(pdf)
    for v in ["-0.5000", "-1.0000", "0.5000", "-0.4994", "0.5042", "b 0.5096", "i0", "z0", "h2"]:
        assert f"({v}) Tj" in body
    assert drawings.network_pdf(seed) == pdf  # deterministic: no dates, no ids


def test_pdf_text_is_escaped_and_kept_to_its_encoding():
    pdf = figures.gd_pdf(lambda x, y: x + y, [(0, 0), (1, 1)], label="f (a\\b) η")
    assert "f \\(a\\\\b\\) ?" in pdf_text(pdf)


def test_pdflatex_includes_the_figures(seed, tmp_path):
    pdflatex = require_tool("pdflatex")
    for name, data in [("net", drawings.network_pdf(seed)), ("loss", figures.loss_pdf(seed, log=True)),
                       ("gd", drawings.gd_pdf())]:
        (tmp_path / f"{name}.pdf").write_bytes(data)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage{graphicx}\\begin{document}\n"
        + "".join(f"\\includegraphics[width=\\linewidth]{{{n}.pdf}}\n\n" for n in ("net", "loss", "gd"))
        + "\\end{document}\n")
    run = subprocess.run([pdflatex, "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000


def test_every_svg_is_well_formed(seed, big):
    d = gd.descend("(1-x)^2 + 100*(y-x^2)^2", {"x": -1.2, "y": 1}, 0.001, 100)
    for svg in [drawings.network_svg(seed), drawings.network_svg(big, stack=True),
                drawings.network_svg(big, labelled=False), drawings.network_svg(big, which="initial"),
                figures.loss_svg(seed), figures.loss_svg(big, log=True), drawings.gd_svg(), drawings.gd_svg(d)]:
        root = parse(svg)
        assert root.tag == SVG + "svg" and float(root.get("width")) > 0


def test_readme_pictures_are_current(tmp_path):
    from tracer.render.figures.__main__ import main

    assert main([str(tmp_path)]) == 0
    for name in ("network", "loss", "gd"):
        committed = (EXAMPLES / "seed" / "figures" / f"{name}.svg").read_text()
        assert (tmp_path / f"{name}.svg").read_text() == committed, "run: python -m tracer.render.figures examples/seed/figures"
