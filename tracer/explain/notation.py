"""The notation: the one place names and indices of inputs, sums, activations, weights and error signals are spelled.
"""

from __future__ import annotations

from typing import Sequence

from tracer.explain.nodes import Index, Name, SumOver, Tag, Text, Word

# --------------------------------------------------------------------------
# the notation


SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")  # the terminal drawing's layer numbers
GREEK = {"delta": "δ", "eta": "η", "theta": "θ", "mu": "μ"}
SUBSCRIPTS = dict(zip("0123456789aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SUPERSCRIPTS = dict(zip("0123456789abcdefghijklmnoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))


def _scripted(s: str, table: dict[str, str]) -> str | None:
    """``s`` in sub- or superscript characters, or None when unicode lacks one of them."""
    out = [table.get(c) for c in s]
    return None if None in out else "".join(out)  # type: ignore[arg-type]


def label(name: Name) -> str:
    """``name`` as plain text, for messages, the command line's tables and the unicode printer: wₕ[1][0], δₒ.

    Subscript letters where unicode has them (ₕ, ₒ, ₂, ᵢ), indices in
    brackets; unicode has a raised letter for almost every lower-case
    letter but a lowered one for few, so a word in a subscript (theta_new)
    is raised, as the document's text writes it (θⁿᵉʷ).
    """
    out = GREEK.get(name.letter, name.letter)
    for part in name.sub:
        if isinstance(part, str):
            low = _scripted(part, SUBSCRIPTS)
            out += low if low is not None else "_" + part
        elif isinstance(part, Tag):
            out += SUBSCRIPTS[part.letter] + ("" if part.number is None else str(part.number).translate(SUBSCRIPT))
        elif isinstance(part, Index):
            out += f"[{part.value}]"
        else:
            out += _raised(part)
    return out + (_raised(name.sup) if name.sup is not None else "")


def _raised(part: Text | Word) -> str:
    words = part.words if isinstance(part, Text) else part.letters
    high = _scripted(words, SUPERSCRIPTS)
    return high if high is not None else "^" + words


class Names:
    """The document's names for every quantity of a network with ``layers``, as :class:`Name` nodes.

    A name is structure (a letter, its layer's tag, its indices), never a
    string in some format: the printers in ``tracer.render.printers`` spell it.
    """

    def __init__(self, layers: Sequence[int]):
        self.layers = list(layers)
        self.out = len(layers) - 2  # index of the output layer among the weight layers

    def number(self, l: int) -> int | None:
        """Layer ``l``'s number in its names: hidden layers count from 1 when there are several."""
        return None if (l == self.out or self.out == 1) else l + 1

    def tag(self, l: int) -> Tag:
        """Layer ``l``'s tag: ``o`` for the output, ``h`` (numbered when there are several hidden layers)."""
        return Tag("o") if l == self.out else Tag("h", self.number(l))

    def idx(self, l: int, j: int | str) -> tuple[Index, ...]:
        """Node ``j``'s index: ``[j]``, none for a lone output; ``j`` may be a letter ("j": any node)."""
        return () if (l == self.out and self.layers[-1] == 1) else (Index(j),)

    def node(self, letter: str, l: int, j: int | str) -> Name:
        return Name(letter, (self.tag(l), *self.idx(l, j)))

    def s(self, l: int, j: int) -> Name:
        return self.node("s", l, j)

    def a(self, l: int, j: int) -> Name:
        return self.node("y" if l == self.out else "a", l, j)

    def d(self, l: int, j: int) -> Name:
        return self.node("delta", l, j)

    def b(self, l: int, j: int | str) -> Name:
        return self.node("b", l, j)

    def delta_sum(self, l: int) -> SumOver:
        """The sum of layer ``l``'s error signals over its nodes j (a shared bias's gradient): Σ_j δ_{h[j]}."""
        return SumOver("j", "0", str(self.layers[l + 1] - 1), self.node("delta", l, "j"))

    def w(self, l: int, j: int | str, i: int | str) -> Name:
        return Name("w", (self.tag(l), *self.idx(l, j), Index(i)))

    @staticmethod
    def of_any_layer(letter: str, *idx: int | str) -> str:
        """A weight or bias of a layer a table's caption already names, in text: w[j][0], b[j]."""
        return letter + "".join(f"[{i}]" for i in idx)

    def x(self, i: int) -> Name:
        return Name("x", (Index(i),))

    def z(self, k: int) -> Name:
        return Name("z") if self.layers[-1] == 1 else Name("z", (Index(k),))

    def inp(self, l: int, i: int) -> Name:
        """What layer ``l`` receives at position ``i``."""
        return self.x(i) if l == 0 else self.a(l - 1, i)

    def layer(self, letter: str, l: int) -> Name:
        """A layer's quantity without a node index, as the general formulas write it: s_h, y_o, f_h, W_h."""
        return Name("y" if (letter == "a" and l == self.out) else letter, (self.tag(l),))

    def layer_name(self, l: int) -> str:
        if l == self.out:
            return "the output layer"
        return "the hidden layer" if self.out == 1 else f"hidden layer {l + 1}"

    def vec(self, letter: str, l: int) -> Name:
        """A whole layer as a vector: s_h, a_h (y_o), b_h, delta_h; ``x`` for the inputs."""
        if letter == "x":
            return Name("x", bold=True)
        letter = "y" if (letter == "a" and l == self.out) else letter
        return Name(letter, (self.tag(l),), bold=True)

    # ------------------------------------------------------------ drawings
    def terminal_nodes(self, input_labels: Sequence[str]) -> list[list[str]]:
        """The nodes as the terminal's drawing names them, as the equations index them: the input labels,
        h[j] (h₁[j], h₂[j], ... with several hidden layers), and o, or o[k] with several outputs."""
        names = [list(input_labels)]
        for l, n in enumerate(self.layers[1:]):
            num = self.number(l)
            letter = ("o" if l == self.out else "h") + ("" if num is None else str(num).translate(SUBSCRIPT))
            names.append([letter + "".join(f"[{i.value}]" for i in self.idx(l, j)) for j in range(n)])
        return names

    def figure_nodes(self) -> list[list[str]]:
        """The nodes as the figure writes them inside its circles, plain ASCII: x0.. (inputs),
        h0.. (h1.0, h2.0.. with several hidden layers), y0.. (outputs, always numbered)."""
        names = [[f"x{i}" for i in range(self.layers[0])]]
        for l, n in enumerate(self.layers[1:]):
            num = self.number(l)
            prefix = "y" if l == self.out else "h" if num is None else f"h{num}."
            names.append([f"{prefix}{j}" for j in range(n)])
        return names
