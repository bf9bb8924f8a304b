"""mlptrace walk: the sections and their numbers, the pager's keys, a real terminal, and plain output."""

from __future__ import annotations

import argparse
import io
import math
import re
import subprocess
import sys
import time

import pytest
from rich.console import Console
from rich.text import Text

from badinput import seed_datasets
from tests.conftest import EXAMPLES, require_tool
from tracer import cli
from tracer.cli.walk import prepare
from tracer.explain.notation import Names
from tracer.render.walkthrough import (
    NetworkDiagram,
    Page,
    Pager,
    Section,
    build,
    print_all,
    wrap_math,
)


def _args(**kw) -> argparse.Namespace:
    base = dict(config=None, activation=None, step=0, epoch=0, no_pause=True)
    base.update(kw)
    return argparse.Namespace(**base)


def _recorded(width: int, **kw) -> str:
    """The whole walkthrough as rich records it at ``width`` columns."""
    console = Console(record=True, width=width, file=io.StringIO())
    print_all(console, build(prepare(_args(**kw))))
    return console.export_text()


# ------------------------------------------- the document's example, by hand
#
# An independent implementation of the document's worked step, in plain
# floats: the 2-3-1 network with its initial weights, the row 70, 98, 91
# normalised as the document does (min = max for the inputs: 0.5; the target
# over 0..100: 0.91), learning rate 0.1.

ACT = {
    "sigmoid": (lambda s: 1 / (1 + math.exp(-s)), lambda a: a * (1 - a)),
    "tanh": (math.tanh, lambda a: 1 - a * a),
}
ETA = 0.1


def _initial():
    return [[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]], [0.5, 0.5, 0.5], [0.5, -1.0, 0.0], 0.5


def _step(act, x, z, wh, bh, wo, bo):
    f, df = ACT[act]
    sh = [x[0] * w[0] + x[1] * w[1] + b for w, b in zip(wh, bh)]
    ah = [f(s) for s in sh]
    so = sum(a * w for a, w in zip(ah, wo)) + bo
    y = f(so)
    loss = 0.5 * (y - z) ** 2
    do = df(y) * (y - z)
    dh = [df(a) * w * do for a, w in zip(ah, wo)]  # the old output weights
    wo_new = [w - ETA * do * a for w, a in zip(wo, ah)]
    bo_new = bo - ETA * do
    wh_new = [[w[i] - ETA * d * x[i] for i in range(2)] for w, d in zip(wh, dh)]
    bh_new = [b - ETA * d for b, d in zip(bh, dh)]
    return dict(sh=sh, ah=ah, so=so, y=y, loss=loss, do=do, dh=dh,
                wo_new=wo_new, bo_new=bo_new, wh_new=wh_new, bh_new=bh_new)


X, Z = [0.5, 0.5], 0.91


def _losses(act, epochs=1000):
    """Loss of each epoch's one row before its update, then the loss after training."""
    wh, bh, wo, bo = _initial()
    out = []
    for _ in range(epochs):
        r = _step(act, X, Z, wh, bh, wo, bo)
        out.append(r["loss"])
        wh, bh, wo, bo = r["wh_new"], r["bh_new"], r["wo_new"], r["bo_new"]
    out.append(_step(act, X, Z, wh, bh, wo, bo)["loss"])
    return out


def _expected(act):
    """Every number of the worked example, in the order the document (and the walkthrough) shows them."""
    r = _step(act, X, Z, *_initial())
    losses = _losses(act)
    normalised = [(65 - 25) / (70 - 25), (50 - 25) / (70 - 25), (85 - 67) / (98 - 67), (82 - 68) / (91 - 68)]
    return [
        *normalised, *X, Z,
        *r["sh"], *r["ah"], r["so"], r["y"], r["loss"], r["do"], *r["dh"],
        *r["wo_new"], r["bo_new"], *[w for row in r["wh_new"] for w in row], *r["bh_new"],
        *losses[:10], losses[100], losses[1000],
    ]


def test_the_reference_reproduces_the_document():
    """Ties the reference above to the document's printed numbers (slips named, the correct value asserted)."""
    r = _step("sigmoid", X, Z, *_initial())
    assert [round(v, 4) for v in r["ah"]] == [0.4378, 0.6225, 0.7311]  # the document truncates a_h[2] to 0.7310
    assert round(r["so"], 4) == 0.0965  # the document's 0.0964 sums the rounded a_h
    assert round(r["y"], 4) == 0.5241
    assert round(r["do"], 4) == -0.0963  # the document: -0.096252
    assert [round(v, 5) for v in r["dh"]] == [-0.01185, 0.02262, 0.0]  # the document truncates 0.02262 to 0.02261
    # The document's -0.99938 and 0.00070 for the new w_o[1] and w_o[2] are slips:
    # -1.0 - 0.1 * -0.096252 * 0.6225 = -0.99401 and 0.1 * 0.096252 * 0.7310 = 0.00704.
    assert [round(v, 4) for v in r["wo_new"]] == [0.5042, -0.9940, 0.0070]
    assert round(r["bo_new"], 4) == 0.5096
    assert [[round(v, 4) for v in row] for row in r["wh_new"]] == [[-0.4994, -0.9994], [-0.5011, 0.4989], [1.0, 0.0]]
    assert [round(v, 4) for v in r["bh_new"]] == [0.5012, 0.4977, 0.5]
    losses = _losses("sigmoid")
    assert [round(v, 5) for v in losses[:10]] == [0.07446, 0.07242, 0.07044, 0.06852, 0.06666,
                                                   0.06486, 0.06312, 0.06143, 0.05979, 0.05820]
    assert round(losses[100], 5) == 0.00985 and round(losses[1000], 5) == 0.00006
    t = _step("tanh", X, Z, *_initial())
    assert [round(v, 4) for v in t["ah"]] == [-0.2449, 0.4621, 0.7616]
    # The document's tanh s_o, -0.0836, is a slip: -0.1225 - 0.4621 + 0.0 + 0.5 = -0.0846.
    assert round(t["so"], 4) == -0.0846


_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+")


def _shows(token: str, value: float) -> bool:
    """``token`` is ``value`` exactly, or ``value`` correctly rounded to at least 4 decimals."""
    decimals = len(token.split(".")[1])
    return float(token) == value or (decimals >= 4 and abs(float(token) - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9))


def _find_in_order(text: str, values: list[float]) -> None:
    tokens = [m.group() for m in _NUMBER.finditer(text)]
    at = 0
    for n, v in enumerate(values):
        hit = next((i for i in range(at, len(tokens)) if _shows(tokens[i], v)), None)
        assert hit is not None, f"value {n} ({v!r}) is not shown after token {at} ({tokens[at - 1] if at else ''})"
        at = hit + 1


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_recorded_walkthrough_has_the_document_numbers_in_section_order(width, act):
    text = _recorded(width, activation=act)
    assert max(len(line) for line in text.splitlines()) <= width
    _find_in_order(text, _expected(act))
    # the sections themselves, in the document's order
    heads = ["Initialisation", "Min and max values", "Normalisation", "4.1 ", "4.2 ", "4.3 ", "4.4 ",
             "4.5 The loss", "4.6 The gradient descent", "5.1 ", "5.2 ", "5.3 ", "5.4 ", "6 Update",
             "7 The loss over the iterations", "8 Save"]
    places = [text.index(h) for h in heads]
    assert places == sorted(places)


@pytest.mark.parametrize("config", [None, EXAMPLES / "deep" / "deep.toml"], ids=["document", "two-hidden-layers"])
def test_each_page_sits_in_the_section_its_number_names(config):
    # A page "4.5 The loss function" belongs in section 4 and "8 Save ..." in section 8:
    # the pager's sections are the report's top-level ones, numbered alike.
    sections = build(prepare(_args(config=str(config) if config else None)))
    assert [s.number for s in sections] == list(range(9))
    for sec in sections[1:]:
        for page in sec.pages:
            assert page.title.split(" ", 1)[0].split(".")[0] == str(sec.number), (sec.number, sec.title, page.title)
    assert sections[8].title.startswith("Save") and sections[7].title == "The loss over the iterations"


def test_a_later_epoch_starts_from_the_weights_earlier_steps_left():
    assert prepare(_args(epoch=5)).trace.n_steps == 1  # only the step explained is kept
    wh, bh, wo, bo = _initial()
    for _ in range(5):
        r = _step("sigmoid", X, Z, wh, bh, wo, bo)
        wh, bh, wo, bo = r["wh_new"], r["bh_new"], r["wo_new"], r["bo_new"]
    text = _recorded(80, epoch=5)
    assert "epoch 5, row 0" in text
    later = text[text.index("the hidden layer at step 5"):]
    _find_in_order(later, [v for row, b in zip(wh, bh) for v in (*row, b)] + [*wo, bo])
    r = _step("sigmoid", X, Z, wh, bh, wo, bo)
    _find_in_order(later, [*r["sh"], *r["ah"], r["so"], r["y"], r["loss"]])


def test_each_equation_shows_its_formula_numbers_and_result():
    text = _recorded(80)
    block = text[text.index("sₕ[0] = "):]
    block = block[: block.index("\n\n")]
    lines = block.splitlines()
    assert lines[0].startswith("sₕ[0] = x[0]·wₕ[0][0] + x[1]·wₕ[0][1] + bₕ[0]") and lines[0].endswith("formula")
    assert lines[1].split() == ["=", "0.5·(-0.5)", "+", "0.5·(-1.0)", "+", "0.5", "numbers", "in"]
    # 0.5·(-0.5) = -0.25 and 0.5·(-1.0) = -0.5, as the document's middle line
    assert lines[2].split() == ["=", "-0.25", "-", "0.5", "+", "0.5", "worked", "out"]
    assert lines[3].split() == ["=", "-0.25", "result"]


def test_long_formulas_break_between_terms():
    assert wrap_math("1.0 + 2.0 - (3.0 + 4.0)", 13) == ["1.0 + 2.0", "- (3.0 + 4.0)"]  # never inside brackets
    assert wrap_math("0.5·0.25·0.125", 9) == ["0.5·0.25", "·0.125"]  # a long product between its factors
    assert wrap_math("short", 80) == ["short"]


def _evaluate(expr: str) -> float:
    """Arithmetic as the walkthrough prints it (numbers, + - · / ( ) and ²), evaluated here."""
    code = expr.replace("·", "*").replace("²", "**2")
    assert re.fullmatch(r"[-+*/() .0-9e]+", code), expr
    return eval(code, {"__builtins__": {}})  # only digits and operators reach here


def test_a_large_network_shows_one_node_in_full_and_the_rest_in_tables():
    text = _recorded(80, config=str(EXAMPLES / "classification" / "train.toml"))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "sₕ₂[0] = " in text and "sₕ₂[1] = " not in text  # node 0 of a 15-node layer in full
    assert "every sum of hidden layer 2" in text and "every error signal of hidden layer 1" in text
    assert "Node 0 in full above; the change of every weight and bias of all 15 nodes" in text
    # The 15-term sum is broken between terms to fit 80 columns; put back
    # together, its numbers still add up to its result.
    block = text[text.index("sₕ₂[0] = "):]
    block = block[: block.index("\n\n")].splitlines()
    # lhs = formula, = numbers, = the products worked out, = result; each
    # of the first three takes several lines, every continuation a whole term
    starts = [0] + [i for i, line in enumerate(block) if line.lstrip().startswith("= ")]
    assert len(starts) == 4, block
    assert all(b - a > 1 for a, b in zip(starts, starts[1:]))
    stated = float(block[starts[-1]].split()[1])
    for a, b in zip(starts[1:], starts[2:]):
        assert all(line.lstrip().startswith(("+ ", "- ")) for line in block[a + 1:b])
        expr = " ".join(line.strip() for line in block[a:b])[2:]
        # 15 products of 4-significant-digit factors: each rounding is at
        # most 5e-5 of a factor below 1, so the sum is good to about 2e-3.
        assert _evaluate(expr) == pytest.approx(stated, abs=2e-3)


# ------------------------------------------------------------ the diagram


def test_the_document_network_drawn_in_text():
    layers = [2, 3, 1]
    diagram = NetworkDiagram(layers, Names(layers).terminal_nodes(["i0", "i1"]), ["sigmoid", "sigmoid"], ["z0"])
    assert diagram.lines() == [
        "input     hidden      output",
        "          sigmoid     sigmoid",
        "       ┌──(h[0]) ──┐",
        "(i0) ──┤           │",
        "       ├──(h[1]) ──┼──(o) → z0",
        "(i1) ──┤           │",
        "       └──(h[2]) ──┘",
    ]


def test_a_large_layer_is_drawn_with_its_first_and_last_nodes():
    layers = [2, 15, 1]
    diagram = NetworkDiagram(layers, Names(layers).terminal_nodes(["a", "b"]), ["tanh", "relu"], ["c"])
    text = "\n".join(diagram.lines())
    for shown in ("h[0]", "h[1]", "h[2]", "h[13]", "h[14]", "⋮ 10 more"):
        assert shown in text
    assert "h[3]" not in text and "h[12]" not in text
    assert "tanh" in text and "relu" in text


def test_a_diagram_too_wide_for_the_terminal_becomes_a_list():
    layers = [2, 3, 3, 3, 3, 3, 3, 3, 1]
    names = Names(layers).terminal_nodes(["i0", "i1"])
    diagram = NetworkDiagram(layers, names, ["sigmoid"] * 8, ["z0"])
    assert max(len(line) for line in diagram.lines()) > 80
    console = Console(record=True, width=80, file=io.StringIO())
    console.print(diagram)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "hidden 7 (3 nodes, sigmoid): h₇[0], h₇[1], h₇[2]" in text
    assert "every node to every node: 3×1 weights" in text


# ------------------------------------------------------- the pager's keys


def _toy_pager(height=24) -> Pager:
    sections = [
        Section(0, "Start", [Page("contents", Text("the list"))]),
        Section(1, "One", [Page("one a", Text("A")), Page("one b", Text("B"))]),
        Section(2, "Two", [Page("two a", Text("\n".join(f"line {i}" for i in range(40))))]),
    ]
    return Pager(sections, Console(width=80, height=height, file=io.StringIO()))


def _screen(pager: Pager) -> str:
    console = Console(record=True, width=80, height=24, file=io.StringIO())
    console.print(pager.screen())
    return console.export_text()


def test_pager_keys_move_as_the_help_line_says():
    pager = _toy_pager()
    assert "Enter or space: next · b: back · 0 to 2: jump to a section · q: quit" in _screen(pager)
    assert pager.press("\r") and pager.page.title == "one a"
    assert pager.press(" ") and pager.page.title == "one b"
    assert pager.press("b") and pager.page.title == "one a"
    assert pager.press("\x1b[C") and pager.page.title == "one b"  # right arrow
    assert pager.press("\x1b[D") and pager.page.title == "one a"  # left arrow
    assert pager.press("0") and pager.page.title == "contents"
    assert pager.press("b") and "first page" in _screen(pager)
    assert pager.press("2") and pager.section.title == "Two"
    assert pager.press("7") and "There is no section 7; the sections are 0 to 2." in _screen(pager)
    assert pager.press("x") and "x is not a key here." in _screen(pager)
    assert pager.press("1") and pager.page.title == "one a"
    assert not pager.press("q")
    assert not pager.finished


def test_pager_ctrl_c_and_esc_quit_cleanly():
    for key in ("\x03", "\x1b", "\x04", "Q"):
        assert not _toy_pager().press(key)


def test_pager_scrolls_a_page_taller_than_the_screen_before_moving_on():
    pager = _toy_pager(height=24)
    pager.press("2")
    room = 24 - 5  # heading, rule, page title, rule, help line (no blank line: the page is too tall)
    first = _screen(pager)
    assert "line 0" in first and f"line {room - 1}" in first and f"line {room}" not in first
    assert "More below" in first
    pager.press(" ")
    second = _screen(pager)
    assert pager.page.title == "two a" and "(continued)" in second
    assert f"line {room - 1}" in second  # one line of context kept
    pager.press("b")
    assert "line 0" in _screen(pager)


def test_pager_enter_on_the_last_page_finishes():
    pager = _toy_pager(height=60)
    pager.press("2")
    assert "The end. Enter or q: finish" in _screen(pager)
    assert not pager.press("\r")
    assert pager.finished


@pytest.mark.parametrize("width, height", [(60, 20), (80, 24), (120, 40)])
def test_every_screen_fits_the_terminal(width, height):
    walk = prepare(_args())
    console = Console(width=width, height=height, file=io.StringIO())
    pager = Pager(build(walk), console)
    screens = 0
    while True:
        rec = Console(record=True, width=width, height=height, file=io.StringIO())
        rec.print(pager.screen())
        lines = rec.export_text().splitlines()
        assert len(lines) == height, pager.page.title
        assert max(len(line) for line in lines) <= width
        assert "next" in lines[-1] or "finish" in lines[-1] or "scrolls down" in lines[-1]  # how to move on
        screens += 1
        if not pager.press(" "):
            break
    assert pager.finished and screens > len(pager.order) - 1


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("argv, where", [
    (["walk", "--epoch", "1000", "--no-pause"], "--epoch"),
    (["walk", "--step", "1", "--no-pause"], "--step"),
])
def test_a_step_outside_the_run_is_one_line_and_exit_2(argv, where, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"mlptrace: error: command line: {where}: ")


DIVERGES = """
[network]
inputs = 1
hidden = [2]
outputs = 1
activation = "linear"
[training]
learning_rate = 50.0
epochs = 1000
data = [[1.0, 2.0], [3.0, 1.0]]
[normalize]
method = "none"
inputs = "off"
outputs = "off"
[init]
method = "random"
seed = 1
"""


def test_a_run_that_diverges_later_is_still_walked_then_reported(tmp_path, capsys):
    # Linear layers and a learning rate of 50 on these two rows overshoot
    # more each step; the loss leaves float64's range within a few epochs.
    cfg = tmp_path / "diverges.toml"
    cfg.write_text(DIVERGES)
    assert cli.main(["walk", str(cfg), "--no-pause"]) == 3
    out, err = capsys.readouterr()
    assert "4.1 The summation function" in out and "The loss over the iterations: training stopped" in out
    assert err.strip().splitlines() == [err.strip()] and err.startswith("mlptrace: error: training stopped")
    assert cli.main(["walk", str(cfg), "--epoch", "999", "--no-pause"]) == 3  # asked for a step never reached
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("mlptrace: error: training stopped")


# ------------------------------------------------------------ plain output


def test_piped_output_is_plain_text_with_every_section():
    out = subprocess.run([sys.executable, "-m", "tracer", "walk"], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color"})
    assert "\x1b" not in out.stdout and "\x1b" not in out.stderr
    assert out.stdout.count("\n") > 100
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
    assert all(line == line.rstrip() for line in out.stdout.splitlines())
    assert "Enter or space" not in out.stdout  # no keys to press in a pipe


# ------------------------------------------------------ a real terminal


class Tmux:
    """A private tmux server running one command in an 80x24 window."""

    def __init__(self, command: str, width: int = 80, height: int = 24):
        self.tmux = require_tool("tmux")
        self.sock = f"mlptrace-walk-test-{id(self)}"
        subprocess.run([self.tmux, "-L", self.sock, "new-session", "-d", "-x", str(width), "-y", str(height),
                        command], check=True)

    def screen(self) -> str:
        return subprocess.run([self.tmux, "-L", self.sock, "capture-pane", "-p"],
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([self.tmux, "-L", self.sock, "send-keys", *keys], check=True)

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen, re.M):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never appeared; the screen:\n{screen}")

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.sock, "kill-server"], capture_output=True)


@pytest.fixture
def terminal():
    made = []

    def start(command: str, **kw) -> Tmux:
        made.append(Tmux(command, **kw))
        return made[-1]

    yield start
    for t in made:
        t.close()


def _section_number(screen: str, title: str) -> str:
    m = re.search(rf"^\s*(\d+)\s+{re.escape(title)}", screen, re.M)
    assert m, screen
    return m.group(1)


def test_interactive_walk_in_a_real_terminal(terminal):
    # After the walkthrough the same shell prints the terminal's modes, to
    # show they were put back (echo and line editing on again).
    t = terminal(f"{sys.executable} -m tracer walk; echo EXIT=$?; stty -a; sleep 60")
    start = t.wait_for(r"^0\. Start here")
    assert "Enter or space: next · b: back" in start
    assert len(start.rstrip("\n").splitlines()) <= 24
    normalisation = _section_number(start, "Normalisation")

    forward = _section_number(start, "The forward pass")

    t.keys("Enter")
    screen = t.wait_for(r"^1\. Initialisation")
    assert "(h[1])" in screen and "page 1 of" in screen  # the network drawn

    t.keys("Space")
    screen = t.wait_for(r"page 2 of")
    assert "1 Initialisation: the network" in screen and "sigmoid" in screen

    t.keys("b")
    screen = t.wait_for(r"page 1 of")
    assert "(h[1])" in screen

    t.keys(normalisation)
    screen = t.wait_for(rf"^{normalisation}\. Normalisation")
    assert "normalized = (data - min(dataset))/(max(dataset) - min(dataset))" in screen

    t.keys("Enter")
    screen = t.wait_for(r"3 Normalisation: an example")
    assert "(65 - 25)/(70 - 25)" in screen and "0.8889" in screen  # (65 - 25) / 45 = 0.88889

    t.keys(forward)
    t.wait_for(rf"^{forward}\. The forward pass")
    t.keys("Enter")
    screen = t.wait_for(r"4\.1 .*: sₕ\[0\]")
    assert "= 0.5·(-0.5) + 0.5·(-1.0) + 0.5" in screen and "= -0.25" in screen

    t.keys("q")
    # stty prints a moment after EXIT=: wait for its modes (icanon, or -icanon if they were not put back)
    screen = t.wait_for(r"EXIT=\d+[\s\S]*icanon")
    assert "EXIT=0" in screen
    assert "Left the walkthrough at" in screen
    assert "Enter or space: next" not in screen  # the alternate screen is gone
    modes = screen[screen.index("EXIT=0"):]
    assert re.search(r"(?<!-)icanon", modes) and re.search(r"(?<!-)echo\b", modes)


def test_following_it_to_the_end(terminal):
    t = terminal(f"{sys.executable} -m tracer walk; echo EXIT=$?; sleep 60")
    start = t.wait_for(r"^0\. Start here")
    last = _section_number(start, "The loss over the iterations")
    t.keys(last)
    t.wait_for(rf"^{last}\. The loss over the iterations")
    for _ in range(40):
        t.keys("Enter")
        time.sleep(0.15)
        if "EXIT=" in t.screen():
            break
    screen = t.wait_for(r"EXIT=\d+")
    assert "EXIT=0" in screen and "That was one training step" in screen


def test_ctrl_c_leaves_the_terminal_as_it_was_and_exits_130(terminal):
    # 130 is what the README and every other command promise for an interrupt (128 + SIGINT).
    t = terminal(f"{sys.executable} -m tracer walk; echo EXIT=$?; stty -a; sleep 60")
    t.wait_for(r"^0\. Start here")
    t.keys("Enter")
    t.wait_for(r"^1\. Initialisation")
    t.keys("C-c")
    screen = t.wait_for(r"EXIT=\d+[\s\S]*icanon")
    assert "EXIT=130" in screen and "Traceback" not in screen, screen
    assert "mlptrace: interrupted" in screen
    assert "Enter or space: next" not in screen  # the alternate screen is gone
    modes = screen[screen.index("EXIT=130"):]
    assert re.search(r"(?<!-)icanon", modes) and re.search(r"(?<!-)echo\b", modes)


def test_no_pause_in_a_terminal_prints_everything_without_escape_codes(terminal, tmp_path):
    raw = tmp_path / "pane.bytes"
    t = terminal(f"sleep 1; {sys.executable} -m tracer walk --no-pause; echo EXIT=$?; sleep 60", height=50)
    # every byte the program writes to its terminal, not the screen tmux draws
    subprocess.run([t.tmux, "-L", t.sock, "pipe-pane", "-o", f"cat > {raw}"], check=True)
    screen = t.wait_for(r"EXIT=\d+")
    assert "EXIT=0" in screen
    data = raw.read_bytes().decode()
    assert "the weights and biases file" in data  # the last page: nothing waited for a key
    assert "\x1b" not in data


def test_the_pager_shows_user_text_as_written_and_controls_visibly(terminal, tmp_path):
    # The pager's own codes (alternate screen, colours) work; a label that is
    # rich markup is printed as written, and an escape sequence in the config's
    # name (set the window title, clear the screen) is shown, not obeyed.
    seed = EXAMPLES / "seed" / "sigmoid.toml"
    for p in seed.parent.iterdir():
        if p.is_file():
            (tmp_path / p.name).write_bytes(p.read_bytes())
    label = "[/]:skull:[blink]b"
    name = "s\x1b]0;pwned\x07\x1b[2J.toml"
    (tmp_path / name).write_text(seed.read_text().replace('outputs = ["z0"]', f'outputs = ["{label}"]'))
    for csv, text in seed_datasets(outputs=[label]).items():  # a dataset's header names the config's columns
        (tmp_path / csv).write_text(text)
    t = terminal(f"cd {tmp_path} && {sys.executable} -m tracer walk s?]0*.toml; echo EXIT=$?; sleep 60", width=120)
    start = t.wait_for(r"^0\. Start here")
    assert "One training step of s\\x1b]0;pwned\\x07\\x1b[2J.toml" in start, start
    # the paragraph wraps at the pane's width, maybe between "target" and the label
    assert f"target {label} = 91" in " ".join(start.split()) and "💀" not in start, start
    t.keys("q")
    assert "EXIT=0" in t.wait_for(r"EXIT=\d+")


# ------------------------------------------------ the report's own prose


def _report_paragraphs(markdown: str) -> dict[str, list[str]]:
    """The Markdown report's prose paragraphs by section title: lines joined, no math, code or tables."""
    out: dict[str, list[str]] = {}
    for part in markdown.split("\n## ")[1:]:
        title, _, body = part.partition("\n")
        # Markdown writes an en dash as "--" (m.dash()), the terminal as the character itself
        paras = [" ".join(p.split()).replace(" -- ", " – ") for p in re.split(r"\n\s*\n", body)]
        out[title.split(" ", 1)[1]] = [p for p in paras if p and not re.search(r"[$*`|#!\[{]", p)]
    return out


def _walk_sections(text: str) -> dict[str, str]:
    """The plain walk's text by page-title prefix ("4.1 The summation ..."), whitespace collapsed."""
    out: dict[str, str] = {}
    for chunk in re.split(r"\n(?=\d+(?:\.\d+)? [A-Z][^\n]*: )", text):
        head = chunk.split(":", 1)[0]
        out[head] = out.get(head, "") + " " + " ".join(chunk.split())
    return out


@pytest.mark.parametrize("config", [None, EXAMPLES / "deep" / "deep.toml"], ids=["document", "two-hidden-layers"])
def test_each_sections_prose_in_the_walk_is_the_reports(config):
    # The same paragraphs as the Markdown report prints them, found in the walk
    # under the same section: one source (the partial), two renderings.
    from tracer.explain.sections import explain
    from tracer.render.report import render

    walk = prepare(_args(config=str(config) if config else None))
    report = _report_paragraphs(render(explain(walk.trace, walk.k, walk.digits, config=walk.cfg), "md"))
    console = Console(record=True, width=80, file=io.StringIO())
    print_all(console, build(walk))
    pages = _walk_sections(console.export_text())
    checked = 0
    for title, paragraphs in report.items():
        where = next((text for head, text in pages.items() if head.split(" ", 1)[1:] == [title]), None)
        assert where is not None, (title, list(pages))
        for para in paragraphs:
            assert para in where, (title, para)
            checked += 1
    assert checked >= 20  # most of the report's prose has no inline math


def test_inline_math_is_written_in_unicode():
    from tracer.render.prose import tex_to_text

    # the partials' inline math and the notation's spelling of the same names (sₕ, θⁿᵉʷ, η·∇)
    assert tex_to_text(r"\theta_{new} = \theta - \eta \nabla L(\theta)") == "θⁿᵉʷ = θ - η·∇L(θ)"
    assert tex_to_text(r"s = \sum_i x_i w_i + b") == "s = Σᵢ xᵢ·wᵢ + b"
    assert tex_to_text(r"w_{h_{1}[j][i]}") == "wₕ₁[j][i]"
    assert tex_to_text(r"\max(1, L) \cdot 10^{-5}") == "max(1, L)·10⁻⁵"
    text = _recorded(80)
    assert "Each node sums its weighted inputs and adds a bias, s = Σᵢ xᵢ·wᵢ + b, then" in text
    assert "$" not in text and "\\" not in text  # no TeX left anywhere in the walk


def test_a_word_changed_in_a_partial_changes_the_report_and_the_walk(tmp_path, monkeypatch):
    import shutil

    from tracer.config.resources import resource_dir
    from tracer.explain.sections import explain
    from tracer.render import prose
    from tracer.render.report import render

    root = tmp_path / "templates"
    shutil.copytree(resource_dir("templates"), root)
    partial = root / "sections" / "loss.j2"
    partial.write_text(partial.read_text().replace("The loss measures how far", "The loss, edited here, measures how far"))
    monkeypatch.setattr(prose, "resource_dir", lambda name: root)
    prose._env.cache_clear()
    try:
        walk = prepare(_args())
        console = Console(record=True, width=200, file=io.StringIO())
        print_all(console, build(walk))
        report = render(explain(walk.trace, walk.k, walk.digits, config=walk.cfg), "md", template_dir=str(root))
    finally:
        prose._env.cache_clear()
    walk_text = _walk_sections(console.export_text())["4.5 The loss function"]
    assert "The loss, edited here, measures how far the output y is from the target z" in walk_text
    assert "The loss, edited here, measures how far the output $y$" in report


@pytest.mark.parametrize("config", ["deep/deep.toml", "classification/train.toml", "wide/wide.toml"])
def test_the_prose_fits_80_columns_for_every_example(config):
    text = _recorded(80, config=str(EXAMPLES / config))
    assert max(len(line) for line in text.splitlines()) <= 80
    # a paragraph is wrapped between words, never cut: rejoined, it is the partial's sentence
    assert "Forward propagation moves the inputs through the network to get an output: every node computes" \
        in " ".join(text.split())


def test_a_paragraph_sits_on_the_page_of_what_it_introduces():
    sections = build(prepare(_args()))
    pages = {p.title: _page_text(p) for s in sections for p in s.pages}
    assert pages["4.1 The summation function for the hidden layer: sₕ[0]"].startswith("For this step:\nsₕ[0] = ")
    # "where η is the learning rate ..." finishes the formula's sentence, under the formula
    formula = pages["4.6 The gradient descent formula: the formula"]
    assert formula.index("θⁿᵉʷ = θ - η·∇f(θ)") < formula.index("where η is the learning rate")
    assert pages["8 Save the min-max and the weights and biases: the weights and biases file"].startswith(
        "and the trained weights and biases")


def _page_text(page: Page) -> str:
    console = Console(record=True, width=80, file=io.StringIO())
    console.print(page.body)
    return "\n".join(line for line in console.export_text().splitlines() if line.strip())


# ---------------------------------------------------------- no termios


NO_TERMIOS = "import sys; sys.modules['termios'] = None; from tracer import cli; sys.exit(cli.main(sys.argv[1:]))"


@pytest.mark.parametrize("argv", [["walk", "--no-pause"], ["--help"], ["walk", "--help"]])
def test_the_walk_and_the_help_run_where_termios_does_not_exist(argv):
    # Windows has no termios: only the interactive pager needs it.
    out = subprocess.run([sys.executable, "-c", NO_TERMIOS, *argv], capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "the weights and biases file" in out.stdout if argv[0] == "walk" and "--help" not in argv else "usage" in out.stdout


def test_at_a_terminal_without_termios_the_walk_prints_it_all(terminal):
    t = terminal(f"{sys.executable} -c \"{NO_TERMIOS}\" walk; echo EXIT=$?; sleep 60")
    screen = t.wait_for(r"EXIT=\d+")
    assert "EXIT=0" in screen and "Traceback" not in screen and "the weights and biases file" in screen



def test_a_label_in_the_prose_is_printed_as_written(tmp_path):
    # The partial prints the labels ("The inputs are ..."): through the
    # terminal's esc filter and the one console, rich markup and emoji codes
    # in a label stay text (a config refuses control characters in labels).
    seed = EXAMPLES / "seed" / "sigmoid.toml"
    for p in seed.parent.iterdir():
        if p.is_file():
            (tmp_path / p.name).write_bytes(p.read_bytes())
    label = "[/]:skull:[blink]b"
    cfg = tmp_path / "labelled.toml"
    cfg.write_text(seed.read_text().replace('outputs = ["z0"]', f'outputs = ["{label}"]'))
    for csv, text in seed_datasets(outputs=[label]).items():
        (tmp_path / csv).write_text(text)
    from tracer.render.terminal import console

    out = io.StringIO()
    print_all(console(file=out, width=80, color_system=None), build(prepare(_args(config=str(cfg)))))
    assert f"The inputs are i0, i1; the output is {label}." in out.getvalue()
    assert "💀" not in out.getvalue()
