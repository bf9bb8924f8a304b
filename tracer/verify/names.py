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
