"""The report's prose for the terminal: each section's shared partial (``templates/sections/<key>.j2``)
rendered through the terminal's macros (``templates/terminal/macros.txt.j2``).

``mlptrace walk`` shows the very paragraphs the Markdown, LaTeX and HTML
reports print, so a word changed in a partial changes every format and the
walk together.  A section comes back as a list of blocks in the partial's
order: :class:`Prose` (one paragraph, plain text, inline math in unicode)
and :class:`Piece` (an equation list, a table, aligned math, a file or a
figure, which the walk draws with its own views).  The environment is the
report's (its options and its ``$...$`` extension), with a search path of
the terminal's folder and then the shared sections.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import jinja2

from tracer.config.resources import resource_dir
from tracer.errors import visible
from tracer.explain.pieces import Explanation
from tracer.render.context import template_context
from tracer.render.escape import basename
from tracer.render.report import SECTIONS, InlineMath, bytecode_cache, environment_options

__all__ = ["Prose", "Piece", "section_blocks", "tex_to_text", "FOLDER"]

FOLDER = "terminal"  # templates/terminal: the macros and the one-section entry


@dataclass(frozen=True)
class Prose:
    """One paragraph of a partial, as plain text on one line (the terminal wraps it)."""

    text: str


@dataclass(frozen=True)
class Piece:
    """What a partial shows besides prose, named so the walk can draw it.

    ``kind``: ``eqs`` (``name`` is the section's list: general, derivation,
    equations or matrix), ``table`` (``name`` is its index in the section's
    tables), ``aligned`` (``name``: the section's fact that lists it; ``value``: its lines, as the unicode printer writes them), ``json`` (``value``:
    the file's text) or ``figure`` (``name``: which).
    """

    kind: str
    name: Any = None
    value: Any = None


# ---------------------------------------------------------------------------
# TeX to unicode: the small part of TeX the partials write inline (the
# explanation's own math comes printed by the unicode printer).

_GREEK = {"eta": "η", "theta": "θ", "delta": "δ", "sigma": "σ", "nabla": "∇", "partial": "∂", "sum": "Σ",
          "cdot": "·", "max": "max", "min": "min", "exp": "exp", "left": "", "right": "", ",": "", ";": " ",
          "quad": " ", "{": "{", "}": "}", "in": "∈", "infty": "∞", "approx": "≈", "le": "≤", "ge": "≥"}
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyz",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
_OPERATORS = set("Σ∂∇=+-−,(·/<>≤≥≈∈ ")  # no implicit product next to these
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_&])|(\s+)|([^\\{}^_&\s])")


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` in sub- or superscript letters, or, where a letter has none, as written after ``mark``.

    A name with an index keeps the index on the line (``h[j]`` is ``ₕ[j]``), as the notation writes
    it; "new" is a superscript whatever the mark, as the notation writes ``θⁿᵉʷ``.
    """
    if text == "new":
        return "ⁿᵉʷ"
    head, bracket, rest = text.partition("[")
    if head and all(ch in table or ch in table.values() for ch in head):  # h₁ is already written small
        return "".join(table.get(ch, ch) for ch in head) + bracket + rest
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def _group(tokens: list[re.Match], at: int) -> tuple[str, int]:
    """The TeX argument at ``tokens[at]`` (a braced group or one token), converted, and where it ends."""
    while at < len(tokens) and tokens[at].group(3):
        at += 1
    if at >= len(tokens):
        return "", at
    if tokens[at].group(2) != "{":
        return _convert(tokens[at:at + 1]), at + 1
    depth, end = 0, at
    for end in range(at, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[end].group(2) or "", 0)
        if depth == 0:
            break
    return _convert(tokens[at + 1:end]), end + 1


def _space(before: str, after: re.Match | None, operator: str) -> str:
    """What a TeX space between ``before`` (the last character written) and the token ``after`` is."""
    if not before or after is None or after.group(2) in ("^", "_", "&", "}"):
        return ""
    if operator:
        return operator.strip(".")  # Σᵢ xᵢ and ∂/∂x (f), but ∂f and ∇f
    command, _, _, char = after.groups()
    if before == "·" or command == "cdot":
        return ""  # a product sign is written tight, as the equations write it: 2·0.1
    if before in _OPERATORS or (char or "")[:1] in _OPERATORS or command in ("right", "\\", ","):
        return " "
    return "·"  # TeX's space between two factors is a product


def _convert(tokens: list[re.Match]) -> str:
    out: list[str] = []
    # After an operator that takes what follows, a space is no product: " " after Σ and ∂/∂x, "." (none) after ∂ and ∇.
    operator = ""
    i = 0
    while i < len(tokens):
        command, special, space, char = tokens[i].groups()
        i += 1
        if space:
            out.append(_space(out[-1][-1:] if out and out[-1] else "", tokens[i] if i < len(tokens) else None, operator))
            continue
        if command is not None:
            if command == "frac":
                num, i = _group(tokens, i)
                den, i = _group(tokens, i)
                wrap = (lambda t: f"({t})" if re.search(r"[ +\-·]", t) else t)
                out.append(f"{wrap(num)}/{wrap(den)}")
                operator = " " if num == "∂" else ""
            elif command in ("text", "mathrm", "operatorname"):
                word, i = _group(tokens, i)
                out.append(word)
                operator = ""
            elif command == "\\":
                out.append("\n")
                operator = "."
            else:
                out.append(_GREEK.get(command, command))
                operator = {"sum": " ", "partial": ".", "nabla": "."}.get(command, "")
            continue
        if special in ("^", "_"):
            arg, i = _group(tokens, i)
            out.append(_script(arg, _SUP if special == "^" else _SUB, special))
            continue
        if special == "&":
            continue
        if special in ("{", "}"):
            continue
        out.append(char)
        operator = ""
    return "".join(out)


def tex_to_text(tex: str) -> str:
    """Inline TeX as the terminal writes math: ``\\theta_{new} = \\theta - \\eta \\nabla L(\\theta)`` is ``θⁿᵉʷ = θ - η·∇L(θ)``."""
    return " ".join(_convert(list(_TOKEN.finditer(str(tex)))).split())


# ---------------------------------------------------------------------------
# rendering a section


@functools.lru_cache(maxsize=None)
def _env() -> jinja2.Environment:
    """The report's environment settings (plain text: Markdown's), on the terminal's search path."""
    root = resource_dir("templates")
    opts = environment_options("md")
    opts["extensions"] = [InlineMath]  # $...$ becomes {% filter math %}, as in HTML
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(root / FOLDER), str(root / SECTIONS)]),
                             bytecode_cache=bytecode_cache(FOLDER), **opts)
    env.filters["esc"] = lambda text: visible(str(text))  # a label's control characters shown, not obeyed
    env.filters["basename"] = basename
    env.filters["math"] = tex_to_text
    return env


_MARK = re.compile("\x00(\\d+)\x00")
_LISTS = ("general", "derivation", "equations", "matrix")


def section_blocks(expl: Explanation, figures: tuple[str, ...] = ("loss",)) -> list[list[Prose | Piece]]:
    """Every section of ``expl`` as the terminal shows its partial: paragraphs and pieces, in order.

    ``figures``: the pictures the walk can draw; a partial shows the
    paragraphs around a figure only when it is one of them.
    """
    ctx = template_context(expl, True, {name: name for name in figures})
    template = _env().get_template("section.txt.j2")
    out = []
    for s in ctx["sections"]:
        kept: list[tuple[str, Any]] = []

        def piece(kind: str, value: Any) -> str:
            kept.append((kind, value))
            return f"\n\n\x00{len(kept) - 1}\x00\n\n"

        text = template.render({**ctx, "s": s, "piece": piece})
        blocks: list[Prose | Piece] = []
        for n, part in enumerate(_MARK.split(text)):
            if n % 2:
                blocks.append(_piece(s, *kept[int(part)]))
            else:
                blocks += [Prose(" ".join(p.split())) for p in re.split(r"\n\s*\n", part) if p.strip()]
        out.append(blocks)
    return out


def _piece(s, kind: str, value: Any) -> Piece:
    """A kept piece, named by where it sits in the section (so the walk draws the original objects)."""
    if kind == "eqs":
        return Piece("eqs", next((name for name in _LISTS if getattr(s, name) is value), None), value)
    if kind == "table":
        return Piece("table", next(i for i, t in enumerate(s.tables) if t is value), value)
    if kind == "aligned":  # named by the fact that lists it (the gradient descent's derivatives, updates ...)
        name = next((k for k, v in s.facts.items() if isinstance(v, tuple) and any(value is e for e in v)), None)
        return Piece("aligned", name, value.text().splitlines())
    return Piece(kind, value if kind == "figure" else None, value)
