"""The document's notation for named quantities: s_{h[0]}, \\delta_{o}, w_{h_{2}[0][6]}, w_{o[1]}^{\\text{new}}."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^(s|a|y|\\delta|w|b)_(h(?:_?\d+)?|o)((?:\[\d+\])*)(_?new)?$")


def quantity(head: str):
    """(symbol, layer, indices, new) in the document's notation -- s_{h[0]}, w_{h_{2}[0][6]},
    w_{o[1]}^{\\text{new}} -- else None; layer is 'o', 'h' (the only hidden layer) or 'h<k>' (1-based)."""
    h = re.sub(r"\s+|\\left|\\right|\\mathbf|\\boldsymbol|[{}]", "", head)
    h = re.sub(r"\^\\?(?:text|mathrm)?new$", "_new", h)
    m = _NAME.match(h)
    if not m:
        return None
    idx = [int(x) for x in re.findall(r"\d+", m.group(3))]
    return m.group(1), m.group(2).replace("_", ""), idx, bool(m.group(4))


# A node table's column in the words tutorials use: s, net, I (the net input); a, out, O (the output);
# plain or with the layer as a subscript (net_{h}, out_{o}).
_COLUMN = re.compile(r"^(s|net|I|a|out|O)(?:_(h(?:_?\d+)?|o))?$")
_COLUMN_SYMBOL = {"s": "s", "net": "s", "I": "s", "a": "a", "out": "a", "O": "a"}


def column_role(header: str) -> tuple[str, str] | None:
    """('s' or 'a', layer) of a node table's column header -- layer '' when the header does not say -- else None."""
    h = re.sub(r"\s+|\\left|\\right|\\mathbf|\\boldsymbol|\\(?:text|mathrm|operatorname)|[{}$]", "", header)
    q = quantity(h)
    if q is not None:
        return (q[0], q[1]) if q[0] in ("s", "a") and not q[2] and not q[3] else None
    m = _COLUMN.match(h)
    return (_COLUMN_SYMBOL[m.group(1)], (m.group(2) or "").replace("_", "")) if m else None


# --------------------------------------------------------------------------
# a document's own names, mapped to mlptrace's quantities (verify --names MAP.toml)

_TARGET = re.compile(r"^(-)?(?:(loss)|(s|a|delta|w|b)_(h\d*|o)((?:\[\d+\])+)?(\^new)?)$")
_SYMBOL = {"s": "s", "a": "a", "delta": "\\delta", "w": "w", "b": "b"}


@dataclass(frozen=True)
class Named:
    """What a document's symbol stands for: quantity() parts, or the loss, and a sign (Err_j = -delta_j)."""

    symbol: str  # s a \delta w b, or loss
    layer: str = ""
    indices: tuple[int, ...] = ()
    new: bool = False
    sign: float = 1.0

    def parts(self) -> tuple[str, str, list[int], bool]:
        return self.symbol, self.layer, list(self.indices), self.new


def spelled(head: str) -> str:
    """A symbol as a names map keys it: no spaces, braces, \\left/\\right or font commands (out_{h1} -> out_h1)."""
    return re.sub(r"\s+|\\left|\\right|\\(?:mathrm|text|mathit|operatorname|mathbf|boldsymbol)|[{}]", "", head)


def read_names(path: str) -> dict[str, Named]:
    """A names map: a TOML table of the document's symbols and the quantity each is, in mlptrace's terms.

    ``"out_{h1}" = "a_h[0]"``, ``"w_5^+" = "w_o[0][0]^new"``, ``"E_{total}" = "loss"``,
    ``"Err_6" = "-delta_o[0]"``: a layer h (the only hidden one), h1, h2 ... (1-based) or o,
    0-based indices as in the trace, ^new for the value after the step, a leading - for the negative.
    """
    import tomllib

    from tracer.config import files
    from tracer.errors import InputError

    text = files.read_text(path, "config")  # a small TOML file, read as a config is
    try:
        table = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise InputError(str(path), "", f"not a TOML table of names: {exc}") from None
    names = {}
    for key, value in table.items():
        m = _TARGET.match(re.sub(r"\s+", "", value)) if isinstance(value, str) else None
        if m is None:
            raise InputError(str(path), key, f"expected a quantity such as \"a_h[0]\", \"w_o[0][1]^new\", \"-delta_o[0]\" "
                                             f"or \"loss\", got {value!r}"[:300])
        sign = -1.0 if m.group(1) else 1.0
        if m.group(2):
            names[spelled(key)] = Named("loss", sign=sign)
        else:
            idx = tuple(int(x) for x in re.findall(r"\d+", m.group(5) or ""))
            names[spelled(key)] = Named(_SYMBOL[m.group(3)], m.group(4), idx, bool(m.group(6)), sign)
    return names
