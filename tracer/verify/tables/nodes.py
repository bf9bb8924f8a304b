"""Node tables (| node | s_{h_{1}} | a_{h_{1}} |): a = f(s) in every row, f the layer's activation."""

from __future__ import annotations

from tracer.verify.arith import Call, EvalError, Evaluator
from tracer.verify.document import ACTIVATION_SYMBOLS, Document
from tracer.verify.names import column_role, quantity
from tracer.verify.results import UNPARSED, Result
from tracer.verify.tables.find import Table, cell_num, cell_result, norm, num_cell


def layer_activation(doc: Document, layer: str, line: int) -> str | None:
    """The activation of a layer ('h', 'h1', 'o'): what its chains a_{h[j]} = \\sigma(...) use, else the prose."""
    if "layers" not in doc.cache:  # every chain read once, not once per table
        layers: dict[str, set[str]] = {}
        for c in doc.chains:
            q = quantity(c.head)
            if q and q[0] in ("a", "y"):
                layers.setdefault(q[1], set()).update(
                    name for name, rx in ACTIVATION_SYMBOLS.items() if any(rx.search(t.text) for t in c.terms))
        doc.cache["layers"] = layers
    found = doc.cache["layers"].get(layer, set())
    if len(found) == 1:
        return next(iter(found))
    return doc.activation_at(line) if not found else None


def node_columns(table: Table) -> tuple[int, dict[str, str]] | None:
    """The node column and {column: header} of a table indexed by node, else None."""
    h = [norm(x).lower() for x in table.header]
    key = next((k for k, x in enumerate(h) if x in _NODE_WORDS), None)
    if not table.rows or key is None:
        return None
    return key, {k: norm(x) for k, x in enumerate(table.header) if k != key}


_NODE_WORDS = ("node", "neuron", "unit")


def check_node_tables(doc: Document, tables: list[Table]) -> list[Result]:
    results = []
    for t in tables:
        nodes = node_columns(t)
        if nodes is None:
            continue
        cols = nodes[1]
        tags: dict[str, dict[str, int]] = {}  # layer -> {"s": column, "a": column}
        for k, h in cols.items():
            if role := column_role(h):
                tags.setdefault(role[1], {})[role[0]] = k
        for tag, ks in tags.items():
            if set(ks) != {"s", "a"}:
                continue
            act = layer_activation(doc, tag, t.line) if tag else doc.activation_at(t.line)
            for r in t.rows:
                s_cell, a_cell = r[ks["s"]], r[ks["a"]]
                if not (num_cell(s_cell[0]) and num_cell(a_cell[0])):
                    continue
                if act is None:
                    results.append(Result(a_cell[1], f"a = f(s) for {tag or 'a node'}", a_cell[0], None, UNPARSED,
                                          "the text does not say which activation", (a_cell[1],)))
                    continue
                try:
                    value = Evaluator(act, inputs=doc.precision)(Call("f", cell_num(s_cell)))
                except EvalError as exc:  # "linear" in the prose is no activation f reads
                    results.append(Result(a_cell[1], f"a = f(s) for {tag or 'a node'}", a_cell[0], None, UNPARSED, str(exc),
                                          (a_cell[1],)))
                    continue
                where = f" for {tag}" if tag else f" for node {r[nodes[0]][0]}"
                results.append(cell_result(a_cell, value, f"f({s_cell[0]}){where}", [s_cell[1]], f"f read as {act}"))
    return results
