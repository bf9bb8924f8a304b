"""Gradient-descent tables: x, \\nabla f(x), x_{new}, ..., f(x, y) -- each update, gradient, carried value and f checked."""

from __future__ import annotations

import bisect
import re
from typing import Any

from tracer.verify.arith import Bin, EvalError, Evaluator, Num, classify, diff, number_band, variables
from tracer.verify.chains import Chain
from tracer.verify.document import Document
from tracer.verify.printed import bare_text, is_bare_number
from tracer.verify.results import UNPARSED, Result
from tracer.verify.tables.find import Cell, Table, cell_result, cell_value, norm, num_cell


def _gd_columns(header: list[str]) -> dict[str, Any] | None:
    """Column of each role in a gradient-descent table, or None when it is not one."""
    roles: dict[str, Any] = {"var": {}, "grad": {}, "new": {}, "f": None}
    for i, h in enumerate(header):
        h = norm(h)
        if m := re.fullmatch(r"([a-z])", h):
            roles["var"][m.group(1)] = i
        elif m := re.fullmatch(r"\\nablaf\(([a-z])\)|\\frac\{\\partialf\}\{\\partial([a-z])\}|\\partialf/\\partial([a-z])", h):
            roles["grad"][next(g for g in m.groups() if g)] = i
        elif m := re.fullmatch(r"([a-z])_\{?(?:\\text\{)?new\}?\}?", h):
            roles["new"][m.group(1)] = i
        elif re.fullmatch(r"f\(([a-z],?)+\)", h):
            roles["f"] = i
        elif h.lower() not in ("step", "k", "iteration", "i", "n"):
            return None
    vs = roles["var"]
    if vs and not roles["grad"] and not roles["new"] and roles["f"] is not None:
        return roles  # | step | x | y | f(x, y) |: the function along a path
    if not vs or set(vs) != set(roles["grad"]) or set(vs) != set(roles["new"]):
        return None
    return roles


def _definitions(doc: Document, before_line: int):
    """The latest f(x, ...) = expression and eta = number the document gives before a line."""
    if "definitions" not in doc.cache:
        # the definitions in force after each chain, found in one pass: read again for
        # every gradient-descent table, they take quadratic time
        lines, states, f_def, eta = [], [], None, None
        for c in doc.chains:
            f_def, eta = _definition(c, f_def, eta)
            lines.append(max(c.terms[0].line, lines[-1] if lines else 0))  # the chains before a line
            states.append((f_def, eta))
        doc.cache["definitions"] = lines, states
    lines, states = doc.cache["definitions"]
    k = bisect.bisect_left(lines, before_line)
    return states[k - 1] if k else (None, None)


def _definition(c: Chain, f_def, eta):
    """f(x, ...) and eta after one chain."""
    head = norm(c.head)
    if m := re.fullmatch(r"f\(([a-z](?:,[a-z])*)\)", head):
        names = set(m.group(1).split(","))
        for t in c.terms[1:]:
            kind = classify(t.text)
            if kind and kind[0] == "symbolic" and kind[1] is not None and variables(kind[1]) <= names:
                f_def = kind[1]
                break
    elif head == r"\eta":
        for t in c.terms[1:]:
            kind = classify(t.text)
            if kind and kind[0] == "numeric" and is_bare_number(kind[1]):
                eta = kind[1]
    return f_def, eta


def check_gd_table(doc: Document, table: Table) -> list[Result]:
    """x_new = x - eta * grad, grad = the derivative of f, f at the new point, x carried to the next row."""
    roles = _gd_columns(table.header)
    if roles is None:
        return []
    names = sorted(roles["var"], key=lambda v: roles["var"][v])
    if not roles["grad"]:
        return _check_path(doc, table, roles, names)
    n = len(table.header)
    has_f = roles["f"] is not None

    def row_of(cells: list[Cell]) -> dict[str, Cell]:
        row = {v: cells[roles["var"][v]] for v in names}
        for v in names:
            row["grad " + v], row["new " + v] = cells[roles["grad"][v]], cells[roles["new"][v]]
        if has_f:
            row["f"] = cells[roles["f"]]
        return row

    start, rows = None, []
    if table.rows is None:  # one cell per line: a short first row is the start (x, y, f(x, y))
        cells, lead = table.cells, len(table.cells) % n
        if lead:
            if lead != len(names) + has_f:
                return [Result(table.line, "gradient-descent table", None, None, UNPARSED,
                               f"{len(cells)} numbers do not fill rows of {n} columns", (table.line,))]
            start = {v: cells[k] for k, v in enumerate(names)} | ({"f": cells[lead - 1]} if has_f else {})
            cells = cells[lead:]
        rows = [row_of(cells[k : k + n]) for k in range(0, len(cells), n)]
    else:
        for k, cells in enumerate(table.rows):
            if len(cells) != n:
                return [Result(cells[0][1], "gradient-descent table row", None, None, UNPARSED,
                               f"{len(cells)} cells, expected {n}", (cells[0][1],))]
            row = row_of(cells)
            if k == 0 and all(not row["grad " + v][0] for v in names):
                start = {key: c for key, c in row.items() if c[0]}
            else:
                rows.append(row)
    if any(not num_cell(c[0]) for row in rows + [start or {}] for c in row.values()):
        return [Result(table.line, "gradient-descent table", None, None, UNPARSED, "a cell is not a number",
                       (table.line,))]
    f_def, eta = _definitions(doc, table.line)
    results: list[Result] = []

    def rounded(cell: Cell):
        return _rounded(doc, cell)

    def f_at(point: dict[str, Cell], cell: Cell, where: str) -> None:
        try:
            value = Evaluator(env={v: rounded(point[v]) for v in names})(f_def)
        except EvalError:
            return
        results.append(cell_result(cell, value, f"f({', '.join(point[v][0] for v in names)}) {where}",
                                   [point[v][1] for v in names]))

    if start is not None and has_f and f_def is not None and "f" in start:
        f_at(start, start["f"], "at the start")
    prev = {v: start[v] for v in names} if start is not None else None
    for row in rows:
        env = {v: rounded(row[v]) for v in names}
        for v in names:
            x, g, x1 = row[v], row["grad " + v], row["new " + v]
            if prev is not None:
                results.append(cell_result(x, cell_value(prev[v]), f"{v} carried from line {prev[v][1]}", [prev[v][1]]))
            if f_def is not None:
                try:
                    grad = Evaluator(env=env)(diff(f_def, v))
                    at = ", ".join(row[u][0] for u in names)
                    results.append(cell_result(g, grad, f"\\nabla f({v}) at ({at})", [row[u][1] for u in names]))
                except EvalError:
                    pass
            if eta is not None:
                expression = f"{x[0]} - {bare_text(eta)} \\cdot {g[0]}"
                try:
                    update = Evaluator(inputs=doc.precision)(Bin("-", _rounded_num(x), Bin("*", eta, _rounded_num(g))))
                except EvalError as exc:  # 1e308 - 10 \cdot 1e308 overflows
                    results.append(Result(x1[1], expression, x1[0], None, UNPARSED, str(exc), (x1[1], x[1], g[1])))
                else:
                    results.append(cell_result(x1, update, expression, [x[1], g[1]]))
        if has_f and f_def is not None:
            f_at({v: row["new " + v] for v in names}, row["f"], "at the new point")
        prev = {v: row["new " + v] for v in names}
    return results


def _rounded_num(cell: Cell) -> Num:
    """A cell that is a result (a point's coordinate, a gradient): rounded, half a unit of its last digit."""
    return Num(float(cell[0]), number_band(cell[0].lstrip("-")), cell[0])


def _rounded(doc: Document, cell: Cell):
    """A result cell read at the precision the document printed its value with (1.92 after 1.9200)."""
    return doc.precision(_rounded_num(cell))


def _check_path(doc: Document, table: Table, roles: dict[str, Any], names: list[str]) -> list[Result]:
    """A table of points and f there (| step | x | y | f(x, y) |): f checked at every row's point."""
    f_def, _ = _definitions(doc, table.line)
    if f_def is None or not table.rows or not variables(f_def) <= set(names):
        return []
    results = []
    for row in table.rows:
        if len(row) != len(table.header):
            continue
        point, cell = {v: row[roles["var"][v]] for v in names}, row[roles["f"]]
        if not all(num_cell(c[0]) for c in [*point.values(), cell]):
            continue
        try:
            value = Evaluator(env={v: _rounded(doc, point[v]) for v in names})(f_def)
        except EvalError:
            continue
        results.append(cell_result(cell, value, f"f({', '.join(point[v][0] for v in names)})",
                                   [point[v][1] for v in names]))
    return results
