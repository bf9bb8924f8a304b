"""LaTeX arithmetic into a tree: tokens, a recursive-descent parser, and ``classify``."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from tracer.verify.arith.numbers import DIGITS, NUMBER, make_num
from tracer.verify.arith.tree import Bin, Call, Mat, Neg, Num, ParseError, Pow, Var, variables


# --------------------------------------------------------------------------
# tokens

# Greek letters and operators that stand for quantities, never for numbers.
_SYMBOLIC = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Phi", "Psi", "Omega", "nabla", "partial", "sum", "prod", "int",
    "cdots", "ldots", "dots", "vdots", "ddots", "infty", "lim", "hat", "bar", "vec",
    "mathbf", "boldsymbol", "tilde", "dot", "min", "max", "arg", "argmin", "argmax",
}
_FUNCTIONS = {"sigma": "sigmoid", "tanh": "tanh", "exp": "exp", "sqrt": "sqrt", "ln": "ln", "relu": "relu"}
_SPACES = {"quad", "qquad", ",", ";", ":", "!", " ", "displaystyle", "textstyle", "big", "Big",
           "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "left", "right"}
_MUL = {"cdot", "times", "ast"}
_UNICODE = {"\u2212": "-", "\u00b7": r"\cdot ", "\u22c5": r"\cdot ", "\u00d7": r"\times ", "\u00f7": r"\div ", "\u2013": "-"}


_MATRIX = re.compile(r"\\(begin|end)\{[pbBvV]?matrix\}")


@dataclass
class Tok:
    kind: str  # num op cmd letter sub
    text: str


def _group(text: str, i: int) -> int:
    """Index just past the balanced {...} that starts at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ParseError("unbalanced braces")


_SPACER = re.compile(r"\\q?quad\b|\\ ")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_DELIMITER = re.compile(r"\s*(\\\{|\\\}|\\langle|\\rangle|[()\[\].|])")


def strip_annotation(text: str) -> str:
    """Drop words a writer put after the math: '... \\ for \\ sigmoid', '\\quad (rounded)', '\\text{...}'."""
    text = re.sub(r"\\(?:text|textrm|textit|mbox)\s*\{[^{}]*\}", " ", text)
    # the first \quad or "\ " with no digit after it: searched for from the last
    # digit on, not tried at every spacer with a look to the end (quadratic)
    last_digit = max(text.rfind(d) for d in DIGITS)
    m = _SPACER.search(text, last_digit + 1)
    if m and re.search(r"[A-Za-z]{2,}", text[m.end():]):
        text = text[: m.start()]
    return text


def tokenize(text: str) -> list[Tok]:
    for u, r in _UNICODE.items():
        text = text.replace(u, r)
    text = strip_annotation(text)
    text = re.sub(r"\{\s*\}", " ", text)  # an empty group, as in "\quad {} + ..."
    toks: list[Tok] = []
    i, n = 0, len(text)
    matrices = 0  # inside a matrix, & and \\ separate entries; elsewhere & is alignment
    while i < n:
        c = text[i]
        m = _MATRIX.match(text, i)
        if m:
            matrices += 1 if m.group(1) == "begin" else -1
            toks.append(Tok("cmd", "matrix(" if m.group(1) == "begin" else "matrix)"))
            i = m.end()
        elif matrices and (c == "&" or text.startswith("\\\\", i)):
            toks.append(Tok("op", c if c == "&" else "\\\\"))
            i += 1 if c == "&" else 2
        elif c.isspace() or c in "&~":
            i += 1
        elif c in DIGITS or (c == "." and i + 1 < n and text[i + 1] in DIGITS):
            m = NUMBER.match(text, i)
            toks.append(Tok("num", m.group(0)))
            i = m.end()
        elif c == "\\":
            # matched in place: slicing text[i:] would copy the rest of the span per command
            m = _COMMAND.match(text, i)
            if not m:
                raise ParseError("a lone backslash")
            name = m.group(1)
            i = m.end()
            if name in ("operatorname", "mathrm", "mathit"):
                if i < n and text[i] == "{":
                    j = _group(text, i)
                    name = text[i + 1 : j - 1].strip().lower()
                    i = j
                toks.append(Tok("cmd", name))
            elif name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg", "Bigg"):
                # \left( is just "(", \left. is nothing, \left\{ is a bracket
                m2 = _DELIMITER.match(text, i)
                if m2:
                    d = m2.group(1)
                    i = m2.end()
                    d = {"\\{": "(", "\\}": ")", ".": ""}.get(d, d)
                    if d:
                        toks.append(Tok("op", d))
            elif name in _SPACES:
                continue
            else:
                toks.append(Tok("cmd", name))
        elif c == "_":
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] == "{":
                j = _group(text, i)
            elif i < n and text[i] == "\\":
                m = _COMMAND.match(text, i)
                if not m:
                    raise ParseError("a lone backslash")
                j = m.end()
            else:
                j = min(i + 1, n)
            toks.append(Tok("sub", text[i:j]))
            i = j
        elif c.isalpha():
            toks.append(Tok("letter", c))
            i += 1
        else:
            toks.append(Tok("op", c))
            i += 1
    return toks


# --------------------------------------------------------------------------
# the parser


# Brackets, groups, arguments, matrices and signs nest by recursion, a few
# frames per level: past this depth the span is "not parsed", long before
# Python's recursion limit.  Worked examples nest a handful of levels.
MAX_NESTING = 64


class _Parser:
    def __init__(self, toks: list[Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def _nest(self, parse):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ParseError(f"brackets, groups or signs nested more than {MAX_NESTING} deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, kind: str, text: str | None = None, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == kind and (text is None or t.text == text)

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise ParseError("the expression ends too early")
        self.i += 1
        return t

    def expect(self, kind: str, text: str) -> None:
        t = self.peek()
        if t is None or t.kind != kind or t.text != text:
            found = "the end" if t is None else repr(("\\" if t.kind == "cmd" else "") + t.text)
            raise ParseError(f"expected {text!r}, found {found}")
        self.i += 1

    # expr := term (('+'|'-') term)*; every bracket, group, argument and matrix entry is one
    def expr(self):
        return self._nest(self._expr)

    def _expr(self):
        node = self.term()
        while self.is_("op", "+") or self.is_("op", "-"):
            op = self.take().text
            node = Bin(op, node, self.term())
        return node

    # term := unary ((\cdot | \times | * | / | \div | nothing) unary)*
    def term(self):
        node = self.unary()
        while True:
            t = self.peek()
            if t is None:
                return node
            if (t.kind == "cmd" and t.text in _MUL) or (t.kind == "op" and t.text == "*"):
                self.i += 1
                node = Bin("*", node, self.unary())
            elif (t.kind == "cmd" and t.text == "div") or (t.kind == "op" and t.text == "/"):
                self.i += 1
                node = Bin("/", node, self.unary())
            elif self.starts_atom():
                if t.kind == "num" and self._ends_with_number():
                    raise ParseError(f"two numbers side by side before {t.text!r}")
                node = Bin("*", node, self.power())
            else:
                return node

    def _ends_with_number(self) -> bool:
        prev = self.toks[self.i - 1] if self.i else None
        return prev is not None and prev.kind == "num"

    def starts_atom(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "op":
            return t.text in "([{"
        if t.kind == "cmd":
            return t.text in ("frac", "dfrac", "tfrac", "sqrt", "pi", "matrix(") or t.text in _FUNCTIONS or t.text in _SYMBOLIC
        return False

    # unary := ('-'|'+') unary | signed-literal postfix | power
    def unary(self):
        if self.is_("op", "-") or self.is_("op", "+"):
            sign = self.take().text
            if self.is_("num"):
                # a signed literal: the substituted value, so (-0.08438)^2
                return self.postfix(make_num(self.take().text, negative=sign == "-"))
            inner = self._nest(self.unary)
            return Neg(inner) if sign == "-" else inner
        return self.power()

    def power(self):
        return self.postfix(self.atom())

    def postfix(self, base):
        while self.is_("op", "^"):
            self.i += 1
            base = Pow(base, self.exponent())
        if self.is_("op", "!"):
            raise ParseError("factorials are not supported")
        return base

    def exponent(self):
        t = self.peek()
        if t is None:
            raise ParseError("an exponent is missing")
        if t.kind == "op" and t.text == "{":
            return self.group("{", "}")
        if t.kind == "num":
            self.i += 1
            # LaTeX raises a single character: x^23 is x^2 followed by 3
            if len(t.text) > 1:
                self.toks.insert(self.i, Tok("num", t.text[1:]))
            return make_num(t.text[0])
        if t.kind == "letter":
            self.i += 1
            return Var(t.text)
        raise ParseError(f"cannot read the exponent {t.text!r}")

    def group(self, open_: str, close: str):
        self.expect("op", open_)
        node = self.expr()
        self.expect("op", close)
        return node

    def atom(self):
        t = self.peek()
        if t is None:
            raise ParseError("the expression ends too early")
        if t.kind == "num":
            self.i += 1
            return make_num(t.text)
        if t.kind == "op" and t.text in "([{":
            return self.group(t.text, {"(": ")", "[": "]", "{": "}"}[t.text])
        if t.kind == "cmd":
            self.i += 1
            if t.text in ("frac", "dfrac", "tfrac"):
                num = self.group("{", "}")
                den = self.group("{", "}")
                return Bin("/", num, den)
            if t.text == "pi":
                return Num(math.pi)
            if t.text == "matrix(":
                return self.matrix()
            if t.text in _FUNCTIONS:
                return self.call(_FUNCTIONS[t.text])
            if t.text in _SYMBOLIC:
                return self.variable("\\" + t.text)
            raise ParseError(f"unknown command \\{t.text}")
        if t.kind == "letter":
            self.i += 1
            if t.text == "e" and self.is_("op", "^"):
                return Num(math.e)
            if t.text == "f" and self._is_call():
                return self.call("f")
            return self.variable(t.text)
        if t.kind == "sub":
            raise ParseError(f"a subscript _{t.text} on nothing")
        raise ParseError(f"unexpected {t.text!r}")

    def matrix(self) -> Mat:
        rows, row = [], []
        while True:
            row.append(self.expr())
            t = self.take()
            if t.kind == "op" and t.text == "&":
                continue
            rows.append(tuple(row))
            row = []
            if t.kind == "cmd" and t.text == "matrix)":
                break
            if not (t.kind == "op" and t.text == "\\\\"):
                raise ParseError(f"unexpected {t.text!r} in a matrix")
        if len({len(r) for r in rows}) != 1:
            raise ParseError("the rows of a matrix differ in length")
        return Mat(tuple(rows))

    def _is_call(self) -> bool:
        k = 0
        while self.is_("sub", k=k) or self.is_("op", "'", k=k):
            k += 1
        return self.is_("op", "(", k=k)

    def variable(self, name: str):
        if self.is_("sub"):
            name += "_" + self.take().text
        return Var(name)

    def call(self, fn: str):
        primes = 0
        while self.is_("sub") or self.is_("op", "'"):
            if self.take().kind == "op":
                primes += 1
        power = None
        if self.is_("op", "^"):  # \tanh^2(s) is (\tanh s)^2
            self.i += 1
            power = self.exponent()
        while self.is_("op", "'"):
            self.i += 1
            primes += 1
        if fn == "sqrt" and self.is_("op", "["):
            raise ParseError("roots other than the square root are not supported")
        if self.is_("op", "("):
            arg = self.group("(", ")")
        elif self.is_("op", "{"):
            arg = self.group("{", "}")
        else:
            raise ParseError(f"{fn} needs its argument in brackets")
        node = Call(fn, arg, primes)
        return Pow(node, power) if power is not None else node


def parse(text: str):
    """Parse LaTeX arithmetic into a tree of Num, Var, Neg, Bin, Pow and Call."""
    return _parse_tokens(tokenize(text))


def _parse_tokens(toks):
    p = _Parser(toks)
    if not p.toks:
        raise ParseError("nothing to read")
    node = p.expr()
    if p.peek() is not None:
        t = p.peek()
        shown = ("\\" if t.kind == "cmd" else "") + t.text
        raise ParseError(f"unexpected {shown!r}")
    return node


@functools.lru_cache(maxsize=4096)  # terms repeat (0.5, 1 - 0.6225, ...); a tree is immutable, so shared safely
def classify(text: str):
    """('numeric', tree), ('symbolic', tree or None) or ('unparsed', reason); None when there is nothing to read.

    Symbolic means it names quantities (letters, Greek letters): a formula,
    not arithmetic to check.  Unparsed means it holds numbers and nothing
    symbolic, yet this parser cannot read it.
    """
    try:
        toks = tokenize(text)
    except ParseError as exc:
        return ("unparsed", str(exc)) if re.search(r"\d", text) else None
    if not toks:
        return None
    try:
        tree = _parse_tokens(list(toks))  # tokenized once (half of reading a term); the parser may split a token
    except ParseError as exc:
        symbolic = any(
            (t.kind == "letter" and t.text not in "ef") or (t.kind == "cmd" and t.text in _SYMBOLIC) for t in toks
        )
        if symbolic:
            return ("symbolic", None)
        if any(t.kind == "num" for t in toks):
            return ("unparsed", str(exc))
        return None
    if variables(tree):
        return ("symbolic", tree)
    return ("numeric", tree)
