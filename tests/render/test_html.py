"""The HTML report: one well-formed, self-contained file, MathML that says what the LaTeX says,
escaped labels, and a real headless Chromium that loads it cleanly on a desktop and a phone.

The browser is Debian's ``chromium``, driven over its DevTools protocol (a
websocket; the ``websocket-client`` test extra): that is how the test sees
console errors, every network request, the size the browser gave each
``<math>`` element, and a screenshot.  Without chromium these tests skip; in
CI (CI=true) they fail (conftest.require_tool).  Expected numbers are the
document's (its worked step: a_h[0] = 0.4378, y = 0.5241, loss 0.07446).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from conftest import EXAMPLES, require_tool
from tracer import cli
from tracer.render.mathml import MathMLError, to_mathml
from tracer.render.notebook import report
from tracer.render.printers import latex_equation
from tracer.render.report import render

M = "{http://www.w3.org/1998/Math/MathML}"
S = "{http://www.w3.org/2000/svg}"
DEEP = EXAMPLES / "deep" / "deep.toml"


def html_report(tmp_path: Path, *argv: str, name: str = "report.html") -> tuple[Path, str]:
    out = tmp_path / name
    assert cli.main(["report", *argv, "-o", str(out)]) == 0
    return out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> tuple[Path, str]:
    return html_report(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def deep(tmp_path_factory) -> tuple[Path, str]:
    return html_report(tmp_path_factory.mktemp("deep"), str(DEEP))


def parse(text: str) -> ET.Element:
    """The page as XML: the report is written so that it is also well-formed XML."""
    return ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)


def mtext(el: ET.Element) -> str:
    return "".join(el.itertext())


# --------------------------------------------------------------------------
# LaTeX -> MathML, piece by piece


def tree(tex: str, display: bool = False) -> ET.Element:
    """The presentation part of the MathML (the <semantics>' first child)."""
    math = ET.fromstring(to_mathml(tex, display))
    assert math.tag == M + "math" and (math.get("display") == "block") == display
    sem = math.find(M + "semantics")
    assert sem[1].tag == M + "annotation" and sem[1].text == tex.strip()  # the LaTeX travels along
    return sem[0]


def shape(el: ET.Element) -> str:
    """A compact picture of a MathML tree: tag(children) or tag:text."""
    tag = el.tag.replace(M, "")
    if len(el):
        return f"{tag}(" + " ".join(shape(c) for c in el) + ")"
    return f"{tag}:{el.text or ''}"


def test_fractions_scripts_and_numbers():
    assert shape(tree(r"\frac{1}{1 + e^{- s_{h[0]}}}")) == (
        "mrow(mfrac(mn:1 mrow(mn:1 mo:+ msup(mi:e mrow(mo:\u2212 msub(mi:s mrow(mi:h mo:[ mn:0 mo:])))))))")
    # a letter is one identifier each, as TeX sets it; a number is one <mn>
    assert shape(tree("x_{[0]} w_{h[0][1]} 0.4378")) == (
        "mrow(msub(mi:x mrow(mo:[ mn:0 mo:])) msub(mi:w mrow(mi:h mo:[ mn:0 mo:] mo:[ mn:1 mo:])) mn:0.4378)")


def test_a_minus_after_an_operator_is_a_sign():
    el = tree(r"= -0.25 - 0.5 + 0.5 \cdot (-1.0)")
    minus = [m for m in el.iter(M + "mo") if m.text == "\u2212"]
    # the first and the last are signs (no space around them), the middle one subtracts
    assert [(m.get("lspace"), m.get("rspace")) for m in minus] == [("0", "0"), (None, None), ("0", "0")]


def test_brackets_stretch_only_around_tall_things():
    flat = tree(r"\left(y_{o} - z\right)^{2}")
    assert {m.get("stretchy") for m in flat.iter(M + "mo") if m.text in "()"} == {"false"}
    tall = tree(r"\left(\frac{1}{2}\right)")
    assert {m.get("stretchy") for m in tall.iter(M + "mo") if m.text in "()"} == {None}  # MathML's default: stretch
    assert {m.get("stretchy") for m in tree(r"\sigma(s)").iter(M + "mo")} == {"false"}  # TeX's ( never grows


def test_aligned_is_a_table_of_right_and_left_cells():
    el = tree("\\begin{aligned}\ns_{o} &= a + b \\\\\n&= 0.5\n\\end{aligned}", display=True)
    table = el.find(M + "mtable")
    assert table.get("style") == "math-style:normal"  # fractions full size, as in a TeX display
    rows = table.findall(M + "mtr")
    assert len(rows) == 2
    for r in rows:
        left, right = r.findall(M + "mtd")
        assert "text-align:right" in left.get("style") and "text-align:left" in right.get("style")
    assert mtext(rows[0]) == "so=a+b" and mtext(rows[1]) == "=0.5"


def test_sums_matrices_text_and_styles():
    assert shape(tree(r"\sum_{i=0}^{n} x_i")).startswith("mrow(munderover(mo:\u2211 mrow(mi:i mo:= mn:0) mi:n)")
    m = tree(r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}")
    assert [mtext(r) for r in m.iter(M + "mtr")] == ["12", "34"]
    assert [mo.text for mo in m.iter(M + "mo")] == ["[", "]"]
    assert mtext(tree(r"\theta_{\text{new}}")) == "\u03b8new" and tree(r"\theta_{\text{new}}").find(f".//{M}mtext") is not None
    it = tree(r"\mathit{data}").find(M + "mi")
    assert it.text == "data" and "italic" in it.get("style")
    bold = tree(r"\mathbf{x}").find(M + "mi")
    assert bold.get("mathvariant") == "normal" and "bold" in bold.get("style")
    assert mtext(tree(r"\nabla L(w) \cdot \eta \delta \sigma'(s) \partial \cdots")) == "\u2207L(w)\u22c5\u03b7\u03b4\u03c3\u2032(s)\u2202\u22ef"


def test_special_characters_are_escaped_and_unknown_latex_refused():
    el = ET.fromstring(to_mathml(r"a < b \text{x & y}"))  # parses: < and & are escaped
    assert mtext(el.find(M + "semantics")[0]) == "a<bx & y"
    for bad in (r"\foo{x}", r"\frac{1}", r"\left( x", r"\begin{tabular}x\end{tabular}", "x}"):
        with pytest.raises(MathMLError):
            to_mathml(bad)


# --------------------------------------------------------------------------
# the page, as text


def test_one_well_formed_self_contained_file(seed):
    path, text = seed
    root = parse(text)
    assert root.tag == "html" and text.startswith("<!DOCTYPE html>")
    # nothing that would be fetched: no scripts, stylesheets, images, fonts, frames or imports
    assert not re.search(r"<(script|link|img|iframe|object|embed|audio|video|source)\b", text, re.I)
    assert not re.search(r"\b(src|srcset)=|url\(|@import|@font-face", text, re.I)
    assert {a.get("href")[0] for a in root.iter("a")} == {"#"}  # only links within the page
    csp = [m.get("content") for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")
    # figures inline: the network (side by side and stacked), the loss curve, the descent
    svgs = list(root.iter(S + "svg"))
    assert len(svgs) == 4 and all(float(s.get("width")) > 0 for s in svgs)
    assert not path.with_name("report-network.svg").exists()  # nothing beside it


def test_same_sections_as_the_markdown_report(seed):
    md = render(report(), "md")
    titles = re.findall(r"^## (Appendix \w+|\S+):? (.+)$", md, re.M)
    assert titles[-1] == ("Appendix A", "Checking every gradient")
    root = parse(seed[1])
    h2 = [(num := "".join(h.find("span").itertext()), "".join(h.itertext())[len(num):].strip()) for h in root.iter("h2")]
    assert h2 == titles
    ids = [s.get("id") for s in root.iter("section")]
    assert len(ids) == len(set(ids)) == len(titles)
    assert [a.get("href")[1:] for a in root.find(".//nav").iter("a")] == ids


def test_every_equation_is_mathml_of_its_latex(seed):
    expl = report()
    root = parse(seed[1])
    blocks = [m for m in root.iter(M + "math") if m.get("display") == "block"]
    shown = [m.find(f"{M}semantics/{M}annotation").text for m in blocks]
    eqs = [latex_equation(e) for s in expl.sections for e in s.all_equations()]
    # every equation of every section, in order (the gd section adds its derivation lines between them)
    it = iter(shown)
    assert all(any(e == s for s in it) for e in eqs)
    gd = expl.section("gradient_descent").facts
    derivation = [latex_equation(e) for key in ("derivatives", "updates", "updates_at_lr") for e in gd[key]]
    assert len(blocks) == len(eqs) + len(derivation)
    # the derivation's blocks too: each annotation is the LaTeX printer's very output, as the PDF has it
    assert [s for s in shown if s not in eqs] == derivation


def test_generated_math_is_the_mathml_printers_and_the_templates_own_is_read_from_latex(monkeypatch):
    import tracer.render.report as report_mod

    read = []
    original = report_mod.to_mathml
    monkeypatch.setattr(report_mod, "to_mathml", lambda tex, display=False: read.append(tex) or original(tex, display))
    render(report(), "html")
    # only what the partials write between $...$ is LaTeX read again (theta, eta, s = sum_i x_i w_i + b, ...)
    assert r"\theta_{new} = \theta - \eta \nabla L(\theta)" in read and "a = f(s)" in read
    assert not any(r"\begin{aligned}" in tex or r"\frac" in tex for tex in read)  # no equation is
    # ... nor any of the step's numbers (sigmoid(-0.25) = 0.4378, y = 0.5241, the loss 0.07446)
    assert not any(number in tex for tex in read for number in ("0.4378", "0.5241", "0.07446", "-0.25"))


def test_verify_reads_the_html_through_its_annotations(seed, tmp_path, capsys):
    path, text = seed
    assert cli.main(["verify", str(path)]) == 0
    # the loss's worked line is (0.5241 - 0.91)^2 / 2 = 0.07446: a slip put in its annotation only is found
    tex = re.search(r'<annotation encoding="application/x-tex">(\\begin\{aligned\}\nL &amp;=[^<]*)</annotation>',
                    text).group(1)
    assert "0.07446" in tex
    slipped = tmp_path / "slipped.html"
    slipped.write_text(text.replace(tex, tex.replace("0.07446", "0.07546")), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["verify", str(slipped)]) == 1


def test_the_documents_numbers_are_in_the_math(seed):
    root = parse(seed[1])
    sections = {s.get("id"): s for s in root.iter("section")}

    def numbers(sec: str) -> list[str]:
        return [n.text for n in sections[sec].iter(M + "mn")]

    # the document's worked step: sigmoid(-0.25) = 0.4378, y = 0.5241, loss 0.07446
    assert "0.4378" in numbers("hidden_activation-0") and "0.5241" in numbers("output_activation-1")
    assert numbers("loss")[-1] == "0.07446"
    # the loss's substituted line: (0.5241 - 0.91)^2 / 2, with a true minus sign
    loss = [m for m in sections["loss"].iter(M + "math") if m.get("display") == "block"][0]
    assert "(0.5241\u22120.91)2" in mtext(loss.find(M + "semantics")[0]).replace(" ", "")


def test_labels_and_file_names_are_escaped(tmp_path):
    cfg = tmp_path / 'r&d <x> "q".toml'
    cfg.write_text(
        '[network]\ninputs = ["a<b", "c&d"]\nhidden = [2]\noutputs = ["say \\"hi\\" & <bye>"]\n'
        'activation = "sigmoid"\n[training]\nlearning_rate = 0.1\nepochs = 3\n'
        "data = [[1, 2, 0.5], [2, 1, 0.2]]\n[normalize]\nmethod = \"zero-to-one\"\n"
        "[init]\nmethod = \"random\"\nseed = 7\n")
    _, text = html_report(tmp_path, str(cfg))
    assert "a&lt;b" in text and "c&amp;d" in text and "&lt;bye&gt;" in text
    assert "<bye>" not in text and "a<b" not in text and 'say "hi"' not in text
    root = parse(text)  # still well-formed
    body = "".join(root.find("body").itertext())
    assert "a<b, c&d" in body and 'say "hi" & <bye>' in body  # and reads as written
    assert root.find(".//title").text.endswith('r&d <x> "q".toml')
    # in the figure too
    labels = [t.text for t in root.iter(S + "text") if t.get("class") == "input-label"]
    assert {"a<b", "c&d"} <= set(labels)


def test_no_figures_leaves_the_pictures_out(tmp_path):
    _, text = html_report(tmp_path, "--no-figures")
    assert "<svg" not in text and "<math" in text


# --------------------------------------------------------------------------
# a real browser


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-port=0"]


def _die_with_parent() -> None:
    """In the browser's process before it starts: on Linux, be sent SIGTERM when pytest dies.

    A test run that is killed (a timeout, Ctrl-C twice) skips the fixture's
    close(); without this its browser would live on.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class Chromium:
    """One headless Chromium with a fresh profile, driven over the DevTools protocol.

    ``open(width)`` makes a tab of that many CSS pixels; ``load`` navigates it and
    returns the console errors and network requests it saw.  The flags stop the
    browser phoning home, so a request seen here is one the page made.
    """

    def __init__(self, exe: str):
        import websocket  # websocket-client, a test extra

        self.profile = tempfile.mkdtemp(prefix="mlptrace-chromium-")
        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
        seen, url, deadline = [], None, time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            seen.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            url = m.group(1) if m else None
        if url is None:
            self.close()
            raise RuntimeError("chromium did not start:\n" + "".join(seen[-20:]))
        try:
            self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        except Exception:
            self.close()
            raise
        self.n = 0
        self.events: list[dict] = []

    def close(self) -> None:
        if getattr(self, "ws", None):
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self.n += 1
        self.ws.settimeout(60)
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params,
                                 **({"sessionId": session} if session else {})}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def open(self, width: int, height: int = 900) -> str:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        s = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", s)
        self.send("Emulation.setDeviceMetricsOverride", s, width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)
        return s

    def load(self, s: str, url: str) -> dict[str, list[str]]:
        start = len(self.events)
        self.send("Page.navigate", s, url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" and e.get("sessionId") == s
                      for e in self.events[start:]):
            assert time.monotonic() < deadline, "the page did not load"
            self.events.append(json.loads(self.ws.recv()))
        self.eval(s, "document.fonts.ready.then(() => true)")
        time.sleep(0.3)  # late console messages
        self.eval(s, "true")
        out: dict[str, list[str]] = {"errors": [], "requests": []}
        for e in self.events[start:]:
            m, p = e.get("method"), e.get("params", {})
            if e.get("sessionId") != s:
                continue
            if m == "Network.requestWillBeSent":
                out["requests"].append(p["request"]["url"])
            elif m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert", "warning"):
                out["errors"].append(json.dumps(p["args"]))
            elif m == "Runtime.exceptionThrown":
                out["errors"].append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out["errors"].append(f'{p["entry"]["source"]}: {p["entry"]["text"]}')
        return out

    def eval(self, s: str, expr: str):
        """The value of an expression evaluated by the test in the page (the page itself has no script)."""
        r = self.send("Runtime.evaluate", s, expression=expr, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")

    def screenshot(self, s: str) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", s, format="png")["data"])


def read_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit, non-interlaced PNG: chunks, zlib, the five filters."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, [], b""
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        head = body if kind == b"IHDR" else head
        idat += [body] if kind == b"IDAT" else []
    w, h = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:8], "big")
    assert head[8] == 8 and head[12] == 0, "8-bit, non-interlaced"
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[head[9]]
    raw, stride = zlib.decompress(b"".join(idat)), w * bpp
    rows, prev = [], bytes(stride)
    for y in range(h):
        at = y * (stride + 1)
        f, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = rows[-1]
    return w, h, bpp, rows


def test_png_reader_reads_a_png_it_did_not_write():
    # A 2 x 5 RGB picture filtered by hand, one filter per row (each decoded pixel worked out below).
    raw = [
        (0, [255, 0, 0, 0, 255, 0]),  # None: red, green
        (1, [0, 0, 255, 255, 255, 1]),  # Sub: blue; then + blue = (255, 255, 256 mod 256 = 0), yellow
        (2, [1, 1, 1, 0, 0, 0]),  # Up: blue + 1 = (1, 1, 0); yellow + 0
        (4, [0, 0, 0, 0, 0, 0]),  # Paeth: predicts "up" for both: p = a + b - c is nearest b each time
        (3, [2, 2, 2, 0, 0, 0]),  # Average: 2 + (0 + up) // 2 = (2, 2, 2); 0 + (left + up) // 2 = (128, 128, 1)
    ]
    chunk = lambda k, d: len(d).to_bytes(4, "big") + k + d + zlib.crc32(k + d).to_bytes(4, "big")
    head = (2).to_bytes(4, "big") + (5).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    data = zlib.compress(b"".join(bytes([f, *row]) for f, row in raw))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    assert read_png(png) == (2, 5, 3, [bytes(r) for r in (
        [255, 0, 0, 0, 255, 0], [0, 0, 255, 255, 255, 0], [1, 1, 0, 255, 255, 0], [1, 1, 0, 255, 255, 0],
        [2, 2, 2, 128, 128, 1])])


@pytest.fixture(scope="module")
def browser():
    b = Chromium(require_tool("chromium"))
    yield b
    b.close()


@pytest.mark.parametrize("which", ["seed", "deep"])
@pytest.mark.parametrize("width", [1280, 390])
def test_loads_cleanly_and_lays_out_in_a_real_browser(browser, request, which, width):
    path, text = request.getfixturevalue(which)
    s = browser.open(width)
    seen = browser.load(s, path.as_uri())
    assert seen["errors"] == []
    assert seen["requests"] == [path.as_uri()]  # the page itself and nothing else
    # every formula laid out by the browser's MathML engine, none of it collapsed
    sizes = browser.eval(s, "[...document.querySelectorAll('math')].map(m => "
                            "{const r = m.getBoundingClientRect(); return [r.width, r.height]})")
    assert len(sizes) == text.count("<math ") > 50
    assert all(w > 0 and h > 0 for w, h in sizes)
    # block formulas are taller than a line of text where they have fractions (a sign of MathML layout,
    # not text): sigma(s) = 1 / (1 + e^-s)
    frac = browser.eval(s, "[...document.querySelectorAll('math[display=block]')].filter(m => m.querySelector('mfrac'))"
                           ".map(m => m.getBoundingClientRect().height / parseFloat(getComputedStyle(m).fontSize))")
    assert frac and min(frac) > 1.5
    # nothing wider than the screen: wide tables and formulas scroll inside their own boxes
    assert browser.eval(s, "document.documentElement.scrollWidth") <= width
    # the network for this width is shown and the other hidden; each picture fits its screen, or,
    # rather than shrink its text below about half size, scrolls sideways in its own box
    figs = browser.eval(s, "[...document.querySelectorAll('.fig')].map(e => [e.getBoundingClientRect().width, "
                           "e.firstElementChild.getBoundingClientRect().width, +e.firstElementChild.getAttribute('width')])")
    shown = [(box, w, natural) for box, w, natural in figs if box > 0]
    assert len(figs) == 4 and len(shown) == 3
    assert all(box <= width and w >= 0.55 * natural - 1 for box, w, natural in shown)


def test_a_screenshot_is_not_blank(browser, seed):
    path, _ = seed
    s = browser.open(390, 700)
    browser.load(s, path.as_uri())
    browser.eval(s, "document.getElementById('network').querySelector('figure').scrollIntoView(); true")
    w, h, bpp, rows = read_png(browser.screenshot(s))
    assert (w, h) == (390, 700)
    pixels = [r[x:x + 3] for r in rows for x in range(0, w * bpp, bpp)]
    white = sum(p == b"\xff\xff\xff" for p in pixels)
    assert 0.02 < 1 - white / len(pixels) < 0.8  # ink on paper
    # the network's blue and red edges (tracer.render.figures.diagram's colours, anti-aliased: near them)
    near = lambda p, c: all(abs(a - b) < 40 for a, b in zip(p, c))
    assert any(near(p, (0x21, 0x66, 0xAC)) for p in pixels) and any(near(p, (0xC0, 0x39, 0x2B)) for p in pixels)
    assert len(set(pixels)) > 50


def test_the_browser_check_sees_a_request_and_an_error(browser, tmp_path):
    # the harness must be able to fail: a page that fetches a missing stylesheet
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" href="missing.css"></head>'
                    "<body><p>x</p></body></html>")
    seen = browser.load(browser.open(390), page.as_uri())
    assert seen["requests"] == [page.as_uri(), (tmp_path / "missing.css").as_uri()]
    assert any("missing.css" in e or "ERR_FILE_NOT_FOUND" in e for e in seen["errors"])


@pytest.mark.parametrize("example", ["seed/tanh.toml", "wide/wide.toml"])
def test_the_mathml_printer_agrees_with_the_latex_reader(example):
    # render/mathml.py reads LaTeX, the MathML printer writes from the tree: two ways to the same MathML,
    # on every equation (wide's long sums are broken into rows) and table cell of a report
    from tracer.render.printers import LATEX, MATHML, mathml

    expl = report(str(EXAMPLES / example))
    eqs = [e for s in expl.sections for e in s.all_equations()]
    if example == "wide/wide.toml":
        assert any(len(LATEX.rows(ln.math)) > 1 for e in eqs for ln in e.lines)
    differ = [e.name for e in eqs if MATHML.equation(e) != to_mathml(latex_equation(e), display=True)]
    # the one place they part: a negative number squared, (-0.08438)^2, where the reader raises the ")"
    # alone and the printer the bracketed number (1 - a^2 of tanh's derivative, worked out)
    assert differ == (["delta[0]", "delta[0]"] if example == "seed/tanh.toml" else [])
    cells = [c for s in expl.sections for t in s.tables for row in [t.header, *t.rows] for c in row
             if not isinstance(c, str)]
    assert cells and all(mathml(c) == to_mathml(LATEX.doprint(c)) for c in cells)
