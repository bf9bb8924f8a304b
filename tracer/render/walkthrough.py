"""mlptrace walk: the document's worked example in the terminal, one equation at a time.

The walkthrough is a list of sections in the document's order, each a list
of pages (one equation, table or picture per page), shown by the pager of
``tracer.render.walk_pager``.

Neither the equations nor the words are written here: the equations come
from ``tracer.explain`` (sympy, built once per network structure), the same
forms the report shows, every name from ``tracer.explain.notation``, and a
section's prose from the report's own partial rendered for the terminal
(``tracer.render.prose``), each paragraph on the page of what it
introduces.  The terminal's own pieces live beside this module: the network
drawn in text (``walk_diagram``), equation and table views (``walk_views``)
and the pager (``walk_pager``); this module puts the sections together.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracer.core.numbers import fmt, signed
from tracer.errors import visible
from tracer.explain.notation import Names, label
from tracer.render.walk_diagram import NetworkDiagram, wiring_note
from tracer.render.printers import unicode
from tracer.render.prose import Piece, Prose, section_blocks
from tracer.render.walk_pager import Page, Pager, Section, plain_console, print_all
from tracer.render.walk_views import EquationView, TableView, wrap_math

__all__ = ["build", "Walk", "Section", "Page", "Pager", "NetworkDiagram", "print_all", "plain_console",
           "EquationView", "TableView", "wrap_math"]


# ---------------------------------------------------------------------------
# the sections


def _groups() -> list[tuple[str, tuple[str, ...]]]:
    """The pager's sections (title, the document's sections in it), from templates/sections/walk.toml.

    Structure only: every word of a section's prose comes from its partial
    (``tracer.render.prose``), the report's own.
    """
    import tomllib

    from tracer.config.resources import resource_dir

    with open(resource_dir("templates") / "sections" / "walk.toml", "rb") as fh:
        return [(g["title"], tuple(g["sections"])) for g in tomllib.load(fh)["group"]]


# The pager's sections, numbered as the report's top-level sections.
GROUPS = _groups()


@dataclass
class Walk:
    """What the sections are built from: the config, the trace, and which kept step to explain."""

    cfg: object
    trace: object
    k: int  # index of the explained step among the trace's kept steps
    digits: int = 4
    interactive: bool = False
    stopped: Exception | None = None  # training diverged after the explained step


def _para(*parts: str) -> Text:
    return Text(" ".join(parts))


def _is_default(cfg) -> bool:
    from tracer.config.resources import default_config_path

    try:
        return os.path.samefile(cfg.source, default_config_path())
    except OSError:
        return False


def _contents(walk: Walk, titles: Sequence[tuple[int, str]]) -> Page:
    t, cfg = walk.trace, walk.cfg
    raw = cfg.raw[int(t.row[walk.k])]
    inputs = ", ".join(f"{lab} = {v:g}" for lab, v in zip(t.input_labels, raw[: cfg.n_in]))
    targets = ", ".join(f"{lab} = {v:g}" for lab, v in zip(t.output_labels, raw[cfg.n_in:]))
    acts = ", ".join(dict.fromkeys(t.activations))
    source = "the document's worked example" if _is_default(cfg) else visible(os.path.basename(str(cfg.source)))
    body: list[RenderableType] = [
        _para(f"One training step of {source}, worked out the way the document",
              '"The math behind training MLP neural networks" does it:',
              f"a {'-'.join(map(str, t.layers))} network ({acts}), learning rate η = {t.learning_rate:g};",
              f"epoch {int(t.epoch[walk.k])}, row {int(t.row[walk.k])}: inputs {inputs}, target {targets}."),
        Text(""),
    ]
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for n, title in titles:
        table.add_row(str(n), title)
    body.append(table)
    if walk.interactive:
        body += [Text(""), _para("Enter or space: the next equation. A number: that section.")]
    return Page("The math behind training an MLP, one equation at a time", Group(*body))


def _pages(walk: Walk, sec, blocks: Sequence[Prose | Piece]) -> list[Page]:
    """The pages of one section: one per equation, table or picture, in its partial's order.

    Each of the partial's paragraphs sits above the first page of what it
    introduces (the next piece); a paragraph before a piece the walk does
    not show goes with it.  A paragraph that begins in lower case and does
    not end with a colon finishes the sentence of the piece before it
    ("where η is the learning rate ..."), and so do paragraphs after the
    last piece: they go under that piece's page.
    """
    head = f"{sec.number} {sec.title}"
    pages: list[Page] = []
    lead: list[str] = []  # the paragraphs waiting for the page of the piece they introduce

    def add(title: str, *body: RenderableType) -> None:
        prose = [part for text in lead for part in (_para(text), Text(""))]
        pages.append(Page(title, Group(*prose, *body)))
        lead.clear()

    t = walk.trace
    if sec.key == "network":
        add(f"{head}: the network drawn", NetworkDiagram(t.layers, Names(t.layers).terminal_nodes(t.input_labels),
                                 t.activations, t.output_labels), Text(""), _para(wiring_note(t.layers)))
    def close(text: str) -> None:
        last = pages[-1]
        pages[-1] = Page(last.title, Group(last.body, Text(""), _para(text)))

    for block in blocks:
        if isinstance(block, Prose):
            text = block.text
            if pages and not lead and text[:1].islower() and not text.endswith(":"):
                close(text)
            else:
                lead.append(text)
            continue
        before = len(pages)
        _piece_pages(walk, sec, block, head, add)
        if len(pages) == before:
            lead.clear()  # it introduced something the terminal does not show
    step = int(t.kept[walk.k])
    if sec.key == "network" and step > 0:
        for l in range(len(t.w)):
            add(f"{head}: {_layer_name(walk, l)} at step {step}",
                _para(f"{step} update(s) later, these are the weights and biases the step starts from."),
                Text(""), TableView(_params(walk, l)))
    if sec.key == "iterations" and t.stopped:
        why = t.stopped
        add(f"{head}: training stopped", _para(f"{why[:1].upper()}{why[1:]}.",
                                               "The loss grew instead of falling; a smaller learning rate",
                                               "usually keeps it finite."))
    if lead and pages:  # the partial's closing words, under the section's last page
        for text in list(lead):
            close(text)
    elif lead:  # a section of prose only
        add(head)
    return pages


def _piece_pages(walk: Walk, sec, piece: Piece, head: str, add) -> None:
    """The pages of one piece of a partial: the walk's own views of the section's equations and tables."""
    if piece.kind == "eqs" and piece.name == "general":
        views: list[RenderableType] = []
        for eq in sec.general:
            views += [EquationView(eq, labels=False), Text("")]
        add(f"{head}: the formula" + ("s" if len(sec.general) > 1 else ""), *views[:-1])
    elif piece.kind == "eqs" and piece.name == "derivation":
        for n, eq in enumerate(sec.derivation, start=1):
            add(f"{head}: the chain rule, {n} of {len(sec.derivation)}", EquationView(eq))
    elif piece.kind == "eqs" and piece.name == "equations":
        for eq in sec.equations:
            add(f"{head}: {unicode(eq.lhs) if eq.lhs is not None else 'an example'}", EquationView(eq))
    elif piece.kind == "eqs" and piece.name == "matrix":
        for eq in sec.matrix:
            # In a terminal a matrix can only be written on one line; show it when that line fits.
            if all(len(unicode(line.math)) + 8 <= 100 for line in eq.lines):
                add(f"{head}, every node at once", EquationView(eq))
    elif piece.kind == "table" and sec.key == "update":
        add(f"{head}: {_layer_name(walk, piece.name)}, before and after", *_changes(walk, piece.name))
    elif piece.kind == "table":
        table = sec.tables[piece.name]
        add(f"{head}: {table.caption[:1].lower()}{table.caption[1:]}", TableView(table))
    elif piece.kind == "aligned":
        first = piece.value[0]
        name = first[:first.index(" = ")].strip() if " = " in first else "an example"
        if piece.name == "updates_at_lr":
            name += f" with η = {sec.facts['lr']:g}"
        add(f"{head}: {name}", Text("\n".join(piece.value)))
    elif piece.kind == "figure" and piece.name == "loss":
        from tracer.render.live import LossCurve

        t = walk.trace
        add(f"{head}: as a curve", LossCurve(t.epoch_loss, t.epochs, height=6))
    elif piece.kind == "json":
        which = "min-max" if piece.value == sec.facts.get("minmax_json") else "weights and biases"
        add(f"{head}: the {which} file", Text(_compact_json(piece.value)))


def _compact_json(text: str) -> str:
    """JSON indented like the file, but each list of numbers on one line, so a file fits a screen."""

    def dump(v, indent: str) -> str:
        if isinstance(v, dict):
            items = [f"{indent}  {json.dumps(k)}: {dump(x, indent + '  ')}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + indent + "}"
        if isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v):
            return "[\n" + ",\n".join(indent + "  " + dump(x, indent + "  ") for x in v) + "\n" + indent + "]"
        return json.dumps(v)

    return dump(json.loads(text), "")


def _layer_name(walk: Walk, l: int) -> str:
    return Names(walk.trace.layers).layer_name(l)


def _changes(walk: Walk, l: int) -> list[RenderableType]:
    """Layer ``l``'s weights and biases before and after the step, the changed ones highlighted.

    One parameter per row: before, change, after.  A layer with many
    parameters shows its first node in full and then every node's changes
    as a matrix (the report's rule for large layers).  The change column
    carries the highlight in plain output too: a signed number where the
    value moved, "0" where it did not.
    """
    from tracer.explain.algebra import FEW

    t, k, d = walk.trace, walk.k, walk.digits
    nm = Names(t.layers)
    (w, b), (w_new, b_new) = (t.w[l][k], t.b[l][k]), t.updated(k)[l]
    nodes = range(w.shape[0]) if w.shape[0] <= FEW else [0]
    rows, styles = [], {}
    for j in nodes:
        params = [(label(nm.w(l, j, i)), w[j, i], w_new[j, i]) for i in range(w.shape[1])]
        params.append((label(nm.b(l, j)), b[j], b_new[j]))
        for name, old, new in params:
            c = new - old
            style = "dim" if c == 0 else ("green" if c > 0 else "red")
            styles[(len(rows), 2)] = styles[(len(rows), 3)] = style
            rows.append([name, fmt(old, d), signed(c, d), fmt(new, d)])
    out: list[RenderableType] = [TableView(_Table("changes", "", ["parameter", "before", "change", "after"], rows),
                                           styles)]
    if len(nodes) < w.shape[0]:
        header = ["node", *(nm.of_any_layer("w", "j", i) for i in range(w.shape[1])), nm.of_any_layer("b", "j")]
        matrix = [[str(j), *(signed(v, d) for v in (w_new[j] - w[j])), signed(b_new[j] - b[j], d)]
                  for j in range(w.shape[0])]
        out += [Text(""), _para(f"Node 0 in full above; the change of every weight and bias of all "
                                f"{w.shape[0]} nodes:"), Text(""), TableView(_Table("changes-all", "", header, matrix))]
    return out


def _params(walk: Walk, l: int) -> "_Table":
    """Layer ``l``'s weights and biases at the explained step, one row per node."""
    t, k, d = walk.trace, walk.k, walk.digits
    nm = Names(t.layers)
    w, b = t.w[l][k], t.b[l][k]
    header = ["node", *(label(nm.w(l, "j", i)) for i in range(w.shape[1])), label(nm.b(l, "j"))]
    return _Table("params", "", header, [[str(j), *(fmt(v, d) for v in w[j]), fmt(b[j], d)] for j in range(len(b))])


@dataclass
class _Table:
    """A table built here, shaped like ``tracer.explain.pieces.Table``."""

    key: str
    caption: str
    header: list
    rows: list


def build(walk: Walk) -> list[Section]:
    """Every section, in the document's order, with its pages."""
    from tracer.explain.sections import explain

    ex = explain(walk.trace, walk.k, walk.digits, config=walk.cfg)
    prose = section_blocks(ex)
    group_of = {key: g for g, (_, keys) in enumerate(GROUPS) for key in keys}
    sections = [Section(n, title) for n, (title, _) in enumerate(GROUPS, start=1)]
    g = 0
    for sec, blocks in zip(ex.sections, prose):
        g = group_of.get(sec.key, g)  # a section this module does not know joins the one before it
        sections[g].pages += _pages(walk, sec, blocks)
    sections = [s for s in sections if s.pages]
    contents = Section(0, "Start here", [_contents(walk, [(s.number, s.title) for s in sections])])
    return [contents, *sections]
