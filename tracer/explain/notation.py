"""The notation: the one place names and indices of inputs, sums, activations, weights and error signals are spelled.
"""

from __future__ import annotations

from typing import Sequence

from tracer.core import activations

# --------------------------------------------------------------------------
# the notation


SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
TEXT_FUNCTION = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id"}


def function(name: str) -> tuple[str, str]:
    """An activation's name in LaTeX (the activation's own symbol) and in text."""
    return activations.get(name).symbol, TEXT_FUNCTION[name]


class Names:
    """The document's names for every quantity of a network with ``layers``."""

    def __init__(self, layers: Sequence[int]):
        self.layers = list(layers)
        self.out = len(layers) - 2  # index of the output layer among the weight layers

    def number(self, l: int) -> int | None:
        """Layer ``l``'s number in its names: hidden layers count from 1 when there are several."""
        return None if (l == self.out or self.out == 1) else l + 1

    def tag(self, l: int) -> tuple[str, str]:
        if l == self.out:
            return "o", "ₒ"
        if self.number(l) is None:
            return "h", "ₕ"
        return f"h_{{{l + 1}}}", "ₕ" + str(l + 1).translate(SUBSCRIPT)

    def idx(self, l: int, j: int | str) -> str:
        """Node ``j``'s index: ``[j]``, none for a lone output; ``j`` may be a letter ("j": any node)."""
        return "" if (l == self.out and self.layers[-1] == 1) else f"[{j}]"

    def node(self, letter: str, l: int, j: int | str) -> tuple[str, str]:
        t, u = self.tag(l)
        i = self.idx(l, j)
        tex_letter = {"d": r"\delta"}.get(letter, letter)
        txt_letter = {"d": "δ"}.get(letter, letter)
        return f"{tex_letter}_{{{t}{i}}}", f"{txt_letter}{u}{i}"

    def s(self, l: int, j: int) -> tuple[str, str]:
        return self.node("s", l, j)

    def a(self, l: int, j: int) -> tuple[str, str]:
        return self.node("y" if l == self.out else "a", l, j)

    def d(self, l: int, j: int) -> tuple[str, str]:
        return self.node("d", l, j)

    def b(self, l: int, j: int | str) -> tuple[str, str]:
        return self.node("b", l, j)

    def w(self, l: int, j: int | str, i: int) -> tuple[str, str]:
        t, u = self.tag(l)
        i_ = f"{self.idx(l, j)}[{i}]"
        return f"w_{{{t}{i_}}}", f"w{u}{i_}"

    @staticmethod
    def of_any_layer(letter: str, *idx: int | str) -> str:
        """A weight or bias of a layer a table's caption already names, in text: w[j][0], b[j]."""
        return letter + "".join(f"[{i}]" for i in idx)

    def x(self, i: int) -> tuple[str, str]:
        return f"x_{{[{i}]}}", f"x[{i}]"

    def z(self, k: int) -> tuple[str, str]:
        return ("z", "z") if self.layers[-1] == 1 else (f"z_{{[{k}]}}", f"z[{k}]")

    def inp(self, l: int, i: int) -> tuple[str, str]:
        """What layer ``l`` receives at position ``i``."""
        return self.x(i) if l == 0 else self.a(l - 1, i)

    def layer_name(self, l: int) -> str:
        if l == self.out:
            return "the output layer"
        return "the hidden layer" if self.out == 1 else f"hidden layer {l + 1}"

    def vec(self, letter: str, l: int) -> tuple[str, str]:
        """A whole layer as a vector: s_h, a_h (y_o), b_h; ``x`` for the inputs."""
        if letter == "x":
            return r"\mathbf{x}", "x"
        t, u = self.tag(l)
        if letter == "delta":
            return rf"\boldsymbol{{\delta}}_{{{t}}}", f"δ{u}"
        letter = "y" if (letter == "a" and l == self.out) else letter
        return rf"\mathbf{{{letter}}}_{{{t}}}", f"{letter}{u}"

    # ------------------------------------------------------------ drawings
    def terminal_nodes(self, input_labels: Sequence[str]) -> list[list[str]]:
        """The nodes as the terminal's drawing names them, as the equations index them: the input labels,
        h[j] (h₁[j], h₂[j], ... with several hidden layers), and o, or o[k] with several outputs."""
        names = [list(input_labels)]
        for l, n in enumerate(self.layers[1:]):
            num = self.number(l)
            letter = ("o" if l == self.out else "h") + ("" if num is None else str(num).translate(SUBSCRIPT))
            names.append([letter + self.idx(l, j) for j in range(n)])
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
