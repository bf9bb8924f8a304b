"""The document's notation for named quantities: s_{h[0]}, \\delta_{o}, w_{h_{2}[0][6]}, w_{o[1]}^{\\text{new}}."""

from __future__ import annotations

import re

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
