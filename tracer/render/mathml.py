"""LaTeX math to MathML Core, for the math template authors write.

The HTML report shows every formula as MathML, which browsers lay out
natively (no JavaScript, no web fonts).  The explanation's own math is the
MathML printer's (:mod:`tracer.render.printers.mathml`); what a template
writes between ``$...$`` -- the shipped section partials' prose, a user's
``--template`` folder -- is LaTeX, an input language, read here.  (The two
agree: tests/render/test_html.py reads the printer's LaTeX back here.)

Read: numbers, letters (one identifier each, as TeX sets them), operators,
``{}`` groups, ``_`` ``^`` and primes, ``\\frac``, ``\\sqrt``, ``\\left ...
\\right``, ``\\text``, ``\\mathit``, ``\\mathbf``, ``\\mathrm``, ``\\boldsymbol``,
``\\operatorname``, Greek letters, the symbols in ``SYMBOLS``, function
names (``\\tanh``, ``\\min`` ...), spacing, and the environments
``aligned``/``align*`` (columns alternately right and left aligned),
``bmatrix``/``pmatrix``/``matrix`` and ``cases``.  Anything else raises
:class:`MathMLError`: a formula is shown right or not at all.

``to_mathml(tex, display=False)`` returns one ``<math>`` element whose
``<semantics>`` keeps the LaTeX as an annotation (copy-paste, screen
readers that prefer it).  A bare ``(`` does not stretch (as in TeX);
``\\left(`` stretches around fractions, matrices and sums (Chromium pads a
stretchy bracket even where it need not grow).  A ``-`` or ``+`` that opens
an operand is a sign, set without space.  Browsers without a math font
still lay MathML out; the HTML asks for Latin Modern Math, STIX Two Math,
Cambria Math or the system's ``math`` family.
"""

from __future__ import annotations

import re

from tracer.render.xml import escape

__all__ = ["to_mathml", "MathMLError", "SYMBOLS", "GREEK"]


class MathMLError(ValueError):
    """The LaTeX uses something this converter does not read."""


GREEK = {n: chr(c) for n, c in [
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5),
    ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("iota", 0x3B9),
    ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0),
    ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3D5),
    ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9),
    ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E),
    ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9),
]}

# command -> (element, character)
SYMBOLS = {
    "cdot": ("mo", "\u22c5"), "cdots": ("mi", "\u22ef"), "ldots": ("mi", "\u2026"), "dots": ("mi", "\u2026"),
    "times": ("mo", "\u00d7"), "pm": ("mo", "\u00b1"), "mp": ("mo", "\u2213"), "div": ("mo", "\u00f7"),
    "leq": ("mo", "\u2264"), "le": ("mo", "\u2264"), "geq": ("mo", "\u2265"), "ge": ("mo", "\u2265"),
    "neq": ("mo", "\u2260"), "ne": ("mo", "\u2260"), "approx": ("mo", "\u2248"), "to": ("mo", "\u2192"),
    "rightarrow": ("mo", "\u2192"), "mapsto": ("mo", "\u21a6"), "in": ("mo", "\u2208"), "mid": ("mo", "\u2223"),
    "sum": ("mo", "\u2211"), "prod": ("mo", "\u220f"),
    "partial": ("mi", "\u2202"), "nabla": ("mi", "\u2207"), "infty": ("mi", "\u221e"),
    "{": ("mo", "{"), "}": ("mo", "}"), "|": ("mo", "\u2016"), "$": ("mi", "$"), "%": ("mi", "%"),
    "&": ("mo", "&"), "_": ("mi", "_"), "#": ("mi", "#"),
}
FUNCTIONS = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "ln", "min", "max", "arcsin",
             "arccos", "arctan", "lim", "det", "sup", "inf", "arg"}
SPACES = {",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", " ": "0.25em",
          "quad": "1em", "qquad": "2em"}
STYLES = {"mathit": "italic", "mathbf": "bold", "mathrm": "normal", "boldsymbol": "bold-italic",
          "operatorname": "normal", "mathsf": "normal"}
MATRICES = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "matrix": ("", ""), "vmatrix": ("|", "|"),
            "cases": ("{", "")}
ALIGNED = {"aligned", "align", "align*", "split", "gathered"}
# characters that are operators; "-" is printed as a true minus sign
OPERATORS = {"-": "\u2212", "*": "\u2217"}
_OP_CHARS = set("+-=<>()[],;:/|!*")
_LARGE = {"\u2211", "\u220f"}
_TALL = ("<mfrac", "<mtable", "<munder", "<mover", "<msqrt", "<mroot")  # what a \left( must grow around

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+\.?\d*|\.\d+)|(\s+)|(.)", re.S)


def _opens(items: list[str]) -> bool:
    """Whether what follows ``items`` starts an operand: nothing yet, or after an operator or opening bracket."""
    if not items:
        return True
    last = items[-1]
    return last.startswith("<mo") and not re.search(r">[)\]|\u2016]</mo>$", last)


def _x(s: str) -> str:
    # element content only: a quote stays a quote, as MathML has always been written here
    return escape(s, quote=False)


class _Parser:
    def __init__(self, tex: str):
        self.tex = tex
        self.toks: list[tuple[str, str]] = []  # (kind, text): cmd | num | char
        self.spans: list[tuple[int, int]] = []  # where each token is in ``tex``
        for m in _TOKEN.finditer(tex):
            if m.group(3) is not None:
                continue  # whitespace separates tokens and is otherwise ignored, as in TeX math
            kind = "cmd" if m.group(1) is not None else "num" if m.group(2) is not None else "char"
            self.toks.append((kind, m.group(1) or m.group(2) or m.group(4)))
            self.spans.append(m.span())
        self.i = 0

    # ---------------------------------------------------------------- tokens
    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.peek()
        if t is None:
            raise self.error("unexpected end")
        self.i += 1
        return t

    def error(self, what: str) -> MathMLError:
        return MathMLError(f"{what} in LaTeX {self.tex!r}")

    def expect(self, text: str) -> None:
        t = self.take()
        if t != ("char", text):
            raise self.error(f"expected {text!r}, found {t[1]!r}")

    def raw_group(self) -> str:
        """The text of ``{...}`` as written, spaces and all (for \\text, \\begin and friends)."""
        self.expect("{")
        start, depth = self.spans[self.i - 1][1], 1
        while True:
            t = self.take()
            depth += {("char", "{"): 1, ("char", "}"): -1}.get(t, 0)
            if depth == 0:
                return self.tex[start:self.spans[self.i - 1][0]]

    # --------------------------------------------------------------- parsing
    def row(self, stop: tuple = ()) -> list[str]:
        """Items up to (not including) a ``}`` or a token in ``stop``; each item is MathML."""
        items: list[str] = []
        while True:
            t = self.peek()
            if t is None or t == ("char", "}") or t in stop:
                return items
            if t in (("char", "-"), ("char", "+")) and _opens(items):
                # a sign, not a binary operator: "= -0.25", "(-0.5)", "e^{- s}" (TeX spaces it so)
                self.take()
                items.append(f'<mo lspace="0" rspace="0">{OPERATORS.get(t[1], t[1])}</mo>')
                continue
            items.append(self.scripted())

    def scripted(self) -> str:
        base, large = self.atom()
        sub = sup = None
        primes = 0
        while True:
            t = self.peek()
            if t == ("char", "_") and sub is None:
                self.take()
                sub = self.argument()
            elif t == ("char", "^") and sup is None:
                self.take()
                sup = self.argument()
            elif t == ("char", "'"):
                self.take()
                primes += 1
            else:
                break
        prime = ""
        if primes:
            mark = chr(0x2032) * primes
            if sup is None:  # a prime beside its letter: a superscripted one comes out tiny in Chromium
                prime = f'<mo lspace="0" rspace="0">{mark}</mo>'
            else:
                sup = f"<mrow><mo>{mark}</mo>{sup}</mrow>"
        if prime:
            return f"<mrow>{self._scripts(base, large, sub, sup)}{prime}</mrow>"
        return self._scripts(base, large, sub, sup)

    @staticmethod
    def _scripts(base: str, large: bool, sub: str | None, sup: str | None) -> str:
        if sub is None and sup is None:
            return base
        if large:  # a sum's limits go under and over it (inline: as scripts, via movablelimits)
            if sub is not None and sup is not None:
                return f"<munderover>{base}{sub}{sup}</munderover>"
            return f"<munder>{base}{sub}</munder>" if sub is not None else f"<mover>{base}{sup}</mover>"
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        return f"<msub>{base}{sub}</msub>" if sub is not None else f"<msup>{base}{sup}</msup>"

    def argument(self) -> str:
        """One argument: a ``{}`` group or a single token."""
        if self.peek() == ("char", "{"):
            return self.group()
        return self.atom()[0]

    def group(self) -> str:
        self.expect("{")
        items = self.row()
        self.expect("}")
        return _mrow(items)

    def atom(self) -> tuple[str, bool]:
        """One item, and whether it is a large operator (limits under and over)."""
        kind, text = self.take()
        if kind == "num":
            return f"<mn>{text}</mn>", False
        if kind == "char":
            if text == "{":
                self.i -= 1
                return self.group(), False
            if text.isalpha():
                return f"<mi>{_x(text)}</mi>", False
            if text in "()[]|":
                return f'<mo stretchy="false">{_x(text)}</mo>', False
            if text in _OP_CHARS:
                return f"<mo>{_x(OPERATORS.get(text, text))}</mo>", False
            if text == "~":
                return '<mspace width="0.3333em"></mspace>', False
            if text == ".":
                return "<mo>.</mo>", False
            raise self.error(f"unexpected {text!r}")
        return self.command(text)

    def command(self, name: str) -> tuple[str, bool]:
        if name in GREEK:
            return f"<mi>{GREEK[name]}</mi>", False
        if name in SYMBOLS:
            el, ch = SYMBOLS[name]
            if ch in _LARGE:
                return f"<mo>{ch}</mo>", True
            if name == "nabla":
                return f'<mi mathvariant="normal">{ch}</mi>', False
            return f"<{el}>{_x(ch)}</{el}>", False
        if name in FUNCTIONS:
            return f"<mi>{name}</mi>", False
        if name in SPACES:
            return f'<mspace width="{SPACES[name]}"></mspace>', False
        if name == "!":
            return "", False
        if name == "frac":
            num, den = self.argument(), self.argument()
            return f"<mfrac>{num}{den}</mfrac>", False
        if name == "sqrt":
            if self.peek() == ("char", "["):
                self.take()
                idx = _mrow(self.row(stop=(("char", "]"),)))
                self.expect("]")
                return f"<mroot>{self.argument()}{idx}</mroot>", False
            return f"<msqrt>{self.argument()}</msqrt>", False
        if name == "left":
            return self.fenced(), False
        if name == "text":
            return f"<mtext>{_x(_unescape_text(self.raw_group()))}</mtext>", False
        if name in STYLES:
            return self.styled(STYLES[name]), False
        if name == "begin":
            return self.environment(), False
        raise self.error(f"unsupported command \\{name}")

    def fenced(self) -> str:
        open_ = self.delimiter()
        items = self.row(stop=(("cmd", "right"),))
        if self.peek() != ("cmd", "right"):
            raise self.error("\\left without \\right")
        self.take()
        close = self.delimiter()
        if not any(tall in i for i in items for tall in _TALL):
            # Chromium pads a stretchy bracket even when it need not grow: stretch only around tall things
            open_, close = (d.replace("<mo>", '<mo stretchy="false">') for d in (open_, close))
        return _mrow([d for d in (open_,) if d] + items + [d for d in (close,) if d], force=True)

    def delimiter(self) -> str:
        kind, text = self.take()
        if (kind, text) == ("char", "."):
            return ""
        if kind == "char" and text in "()[]|/":
            return f"<mo>{_x(text)}</mo>"
        if kind == "cmd" and text in ("{", "}", "|", "langle", "rangle", "lvert", "rvert"):
            ch = {"langle": "\u27e8", "rangle": "\u27e9", "lvert": "|", "rvert": "|", "|": "\u2016"}.get(text, text)
            return f"<mo>{_x(ch)}</mo>"
        raise self.error(f"unsupported delimiter {text!r}")

    def styled(self, style: str) -> str:
        """\\mathit{word} and friends: letters join into one identifier; anything else is parsed."""
        start = self.i
        body = self.raw_group()
        if re.fullmatch(r"[A-Za-z]+", body):
            if style == "italic" and len(body) == 1:
                return f"<mi>{body}</mi>"
            return _styled_mi(body, style)
        if re.fullmatch(r"\\[A-Za-z]+", body) and body[1:] in GREEK:
            return _styled_mi(GREEK[body[1:]], style)
        self.i = start  # a mixed body: parse it, and style each identifier by CSS
        inner = self.group()
        return f'<mrow style="{_CSS[style]}">{inner}</mrow>' if _CSS[style] else inner

    def environment(self) -> str:
        name = self.raw_group()
        if name == "array":
            self.raw_group()  # column spec: every column centred here
        rows: list[list[str]] = [[]]
        while True:
            items = self.row(stop=(("char", "&"), ("cmd", "\\"), ("cmd", "end")))
            t = self.peek()
            rows[-1].append(_mrow(items))
            if t is None:
                raise self.error(f"\\begin{{{name}}} without \\end")
            self.take()
            if t == ("char", "&"):
                continue
            if t == ("cmd", "\\"):
                rows.append([])
                continue
            if t == ("char", "}"):
                raise self.error("unbalanced }")
            end = self.raw_group()
            if end != name:
                raise self.error(f"\\begin{{{name}}} ended by \\end{{{end}}}")
            break
        if rows[-1] == ["<mrow></mrow>"] and len(rows) > 1:
            rows.pop()  # a trailing \\
        if name in ALIGNED:
            # TeX's aligned: columns in pairs, right-aligned then left-aligned, no gap inside a pair
            cells = lambda r: "".join(
                f'<mtd style="text-align:{"right" if c % 2 == 0 else "left"};'
                f'padding-{"right" if c % 2 == 0 else "left"}:0">{x}</mtd>' for c, x in enumerate(r))
            body = "".join(f"<mtr>{cells(r)}</mtr>" for r in rows)
            return f'<mtable class="aligned" style="math-style:normal">{body}</mtable>'
        if name in MATRICES or name == "array":
            open_, close = MATRICES.get(name, ("", ""))
            align = "left" if name == "cases" else "center"
            body = "".join("<mtr>" + "".join(f'<mtd style="text-align:{align}">{x}</mtd>' for x in r) + "</mtr>"
                           for r in rows)
            parts = [f"<mo>{_x(open_)}</mo>" if open_ else "", f"<mtable>{body}</mtable>",
                     f"<mo>{_x(close)}</mo>" if close else ""]
            return _mrow([p for p in parts if p], force=True)
        raise self.error(f"unsupported environment {name!r}")


_CSS = {"italic": "font-style:italic", "bold": "font-weight:bold", "bold-italic": "font-weight:bold;font-style:italic",
        "normal": ""}


def _styled_mi(text: str, style: str) -> str:
    # MathML Core has only mathvariant="normal"; weight and slant come from CSS.
    variant = ' mathvariant="normal"' if style in ("normal", "bold") else ""
    css = f' style="{_CSS[style]}"' if _CSS[style] else ""
    return f"<mi{variant}{css}>{_x(text)}</mi>"


def _unescape_text(s: str) -> str:
    return re.sub(r"\\([{}_%$&# ])", r"\1", s).replace("~", "\u00a0")


def _mrow(items: list[str], force: bool = False) -> str:
    items = [i for i in items if i]
    if len(items) == 1 and not force:
        return items[0]
    return "<mrow>" + "".join(items) + "</mrow>"


def to_mathml(tex: str, display: bool = False) -> str:
    """``tex`` (math-mode LaTeX, no ``$``) as a ``<math>`` element; block layout with ``display``."""
    p = _Parser(tex)
    items = p.row()
    if p.peek() is not None:
        raise p.error("unbalanced }")
    body = _mrow(items, force=True)
    attrs = ' display="block"' if display else ""
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attrs}><semantics>{body}'
            f'<annotation encoding="application/x-tex">{_x(tex.strip())}</annotation></semantics></math>')
