"""The document's worked example, as equations, for one step of any trace.

sympy builds the equations once per network *structure* (layer sizes,
activations, and which nodes are shown); each step then only puts its
numbers into them.  Every equation comes in up to three forms -- symbolic,
substituted (the same expression with each symbol replaced by its formatted
number, negatives in parentheses, nothing evaluated away) and result -- as
format-free math (sympy expressions and the nodes of
:mod:`tracer.explain.nodes`); ``tracer.render.printers`` writes them in
LaTeX, unicode or another format.

Public API
----------
``explain(trace, step=0, digits=4, full=False, config=None) -> Explanation``
    The explanation of kept step ``step`` of ``trace`` (an index into
    ``trace.kept``; ``step_index(trace, epoch, row)`` finds it).  ``config``
    (a :class:`tracer.config.Config`) adds the raw data the min-max and
    normalisation sections show; without it they show only the min-max.
``model(layers, activations, full=False) -> Model``
    The per-structure sympy work, cached; ``explain`` calls it.
``fmt(value, digits=4) -> str``
    How every number is shown (see its docstring).

``Explanation.sections`` lists :class:`Section` in the document's order,
numbered as the document numbers them for one hidden layer; with more (or
no) hidden layers the numbers of sections 4 and 5 count on (4.1, 4.2 per
layer, ...) so that every section has its own:

==================== ======= ===================================================
key                  number  content
==================== ======= ===================================================
network              1       initialisation: architecture and parameter tables
minmax               2       min and max of each column
normalise            3       the formula in use, every raw value and its scaled value
hidden_sum           4.1     per hidden layer: s = sum of inputs times weights plus bias
hidden_activation    4.2     per hidden layer: a = f(s)
output_sum           4.3     the output layer's sums
output_activation    4.4     y = f(s)
loss                 4.5     L = 1/2 sum (y - z)^2
gradient_descent     4.6     theta_new = theta - eta grad f(theta)
output_delta         5.1     the chain rule (sympy's derivatives), delta_o per node
hidden_delta         5.2     per hidden layer, last first: dL/da, delta_h per node
output_update        5.3     new output weights and biases
hidden_update        5.4     per hidden layer: new weights and biases
update               6       every parameter for the next step
iterations           7       the loss over iterations (0-9, powers of ten, last)
saved                8       the min-max and weights files
==================== ======= ===================================================

A :class:`Section` has ``key``, ``id`` (unique, e.g. ``hidden_sum-1``),
``number``, ``title``, ``layer`` (index into the trace's layers, or None),
``general`` (formulas without numbers), ``derivation`` (the chain rule, from
sympy's differentiation), ``equations`` (one per shown node and parameter,
with numbers), ``matrix`` (the layer in matrix form, for large layers),
``tables`` and ``facts`` (plain values for the prose: labels, sizes, files).

An :class:`Equation` has ``name`` (plain, e.g. ``s_h[0]``), ``lhs`` (a
node or None), ``lines`` (:class:`Line`, each with ``kind`` in symbolic |
derivation | substituted | evaluated (each term or factor worked out, as the
document's middle lines) | result, and ``math``, a node), ``value`` (the
full float64 result) and the shortcuts ``symbolic``, ``substituted``,
``result``.  A :class:`Table` has ``key``, ``caption``, ``header`` and
``rows`` whose cells are nodes (numbers, formulas) or ``str`` (user labels:
escape them for the output format).

Notation, as the document's: inputs ``x_{[i]}``, hidden sums and
activations ``s_{h[j]}``, ``a_{h[j]}``, weights ``w_{h[j][i]}``, biases
``b_{h[j]}``, output ``s_o``, ``y_o``, ``w_{o[j]}``, ``b_o``, target ``z``,
error signals ``\\delta_o``, ``\\delta_{h[j]}``, learning rate ``\\eta``.  With
several hidden layers they are numbered from 1 (``s_{h_{2}[j]}``); with
several outputs the output node gets an index too (``y_{o[k]}``,
``w_{o[k][j]}``, ``z_{[k]}``).  Layers with more than ``FEW`` nodes show one
node in full and the rest in tables (and a matrix form), unless ``full``.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from tracer.explain.model import model
from tracer.explain.notation import Names
from tracer.core.numbers import fixed, fmt
from tracer.explain.algebra import FEW
from tracer.explain.nodes import Call, Factors, Filled, Form, Formula, Index, Matrix, Name, Nabla, Node, Num, Operator, Text, Word, infix
from tracer.explain.pieces import (
    Cell,
    Equation,
    Explanation,
    Line,
    Section,
    Table,
)

__all__ = ["explain"]


# --------------------------------------------------------------------------
# building an explanation


def _num(v: float, digits: int) -> Num:
    return Num(fmt(v, digits))


def _raw_digits(v: float, digits: int) -> str:
    """A value as read from a file: integers without decimals."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else fmt(v, digits)


def _raw(v: float, digits: int) -> Num:
    return Num(_raw_digits(v, digits))


def _vector(values: Sequence[float], digits: int) -> Matrix:
    return Matrix(tuple((_num(v, digits),) for v in values))


def _matrix(rows: np.ndarray, digits: int) -> Matrix:
    return Matrix(tuple(tuple(_num(v, digits) for v in row) for row in rows))


THETA = Name("theta")  # the gradient-descent section's parameter
MATRIX_COLUMNS = 6  # wider weight matrices are left to the tables


def _param_table(key: str, caption: str, w: np.ndarray, b: np.ndarray, names: Names, l: int, digits: int,
                 bias: str = "per-node") -> Table:
    # one row per node j: its weights w[j][i], then its bias (a shared bias's value on each node it feeds;
    # no column in a network without biases)
    header: list[Cell] = ["node", *[names.w(l, "j", i) if names.idx(l, 0) else Name("w", (names.tag(l), Index(i)))
                                    for i in range(w.shape[1])]]
    with_b = bias != "none"
    if with_b:
        header.append(names.layer("b", l) if bias == "shared" else names.b(l, "j"))
    rows = [[str(j), *[_num(v, digits) for v in w[j]], *([_num(b[j], digits)] if with_b else [])]
            for j in range(w.shape[0])]
    return Table(key, caption, header, rows)


@functools.lru_cache(maxsize=1)
def _norm_forms() -> dict[str, tuple[Form, Formula]]:
    v, lo, hi = sp.symbols("v lo hi")
    refs = {v: ("v",), lo: ("lo",), hi: ("hi",)}
    dataset = Word("dataset")
    names: dict[Any, Node] = {v: Word("data"), lo: Call(Operator("min"), (dataset,)), hi: Call(Operator("max"), (dataset,))}
    unit = sp.Mul(sp.Add(v, -lo, evaluate=False), sp.Pow(sp.Add(hi, -lo, evaluate=False), -1, evaluate=False), evaluate=False)
    out = {}
    for method, e in (("zero-to-one", unit), ("minus-one-to-one", sp.Add(sp.Mul(unit, 2, evaluate=False), -1, evaluate=False))):
        out[method] = (Form(e, refs, names), Formula(e, names, dot=True))
    return out


def _normalised(v: float, lo: float, hi: float, method: str) -> float:
    from tracer.core.dataset import normalise

    return float(normalise(np.array([v]), np.array([lo]), np.array([hi]), method)[0])


def explain(trace: Any, step: int = 0, digits: int = 4, full: bool = False, config: Any = None) -> Explanation:
    """Explain kept step ``step`` of ``trace``, section by section (see the module docstring)."""
    if not 0 <= step < trace.n_steps:
        raise IndexError(f"step {step} is not among the {trace.n_steps} recorded steps")
    rule = trace.variant
    mdl = model(tuple(trace.layers), tuple(trace.activations), full, rule.loss, rule.bias, rule.update_biases,
                rule.hidden_deltas == "updated-weights", rule.momentum != 0.0)
    nm = mdl.n
    k = step
    L = len(trace.layers) - 1
    out = L - 1
    labels_in, labels_out = list(trace.input_labels), list(trace.output_labels)
    sections: list[Section] = []

    def sec(key: str, number: str, title: str, layer: int | None = None, **kw: Any) -> Section:
        s = Section(key, key if layer is None else f"{key}-{layer}", number, title, layer, **kw)
        sections.append(s)
        return s

    def eqs(key: str, l: int | None = None) -> list[Equation]:
        return mdl.equations(key if l is None else f"{key}.{l}", trace, k, digits)

    def general(key: str, l: int) -> list[Equation]:
        return list(mdl.general.get(f"{key}.{l}", []))

    # 1 network ----------------------------------------------------------
    arch = Table("architecture", "The network", ["layer", "nodes", "activation"], [
        ["input", str(trace.layers[0]), ""],
        *[[f"hidden {l + 1}" if out > 1 else "hidden", str(trace.layers[l + 1]), trace.activations[l]] for l in range(out)],
        ["output", str(trace.layers[-1]), trace.activations[-1]],
    ])
    init_tables = [
        _param_table(f"initial-{l}", f"Initial weights and biases of {nm.layer_name(l)}", w, b, nm, l, digits, rule.bias)
        for l, (w, b) in enumerate(trace.initial)
    ]
    facts: dict[str, Any] = {
        "layers": list(trace.layers), "activations": list(trace.activations),
        "inputs": labels_in, "outputs": labels_out, "learning_rate": fmt(trace.learning_rate, digits),
        "epochs": trace.epochs, "rows": trace.n_rows, "method": trace.method, "seed": trace.seed,
        "epoch": int(trace.epoch[k]), "row": int(trace.row[k]), "step": k,
        "hidden_layers": out, "many_outputs": trace.layers[-1] > 1,
        # the first layer's weight, for the prose on notation: w_{h[j][i]}, w_{h_{1}[j][i]}, w_{o[i]}
        "w_first": nm.w(0, "j", "i") if nm.idx(0, 0) else Name("w", (nm.tag(0), Index("i"))),
        # the training rule the prose follows (tracer.core.variant's names)
        "loss": rule.loss, "bias": rule.bias, "update_biases": rule.update_biases and rule.bias != "none",
        "frozen_biases": not rule.update_biases and rule.bias != "none",
        "cross_entropy": rule.loss == "cross-entropy", "softmax": trace.activations[-1] == "softmax",
        "updated_weights": rule.hidden_deltas == "updated-weights",
        "momentum": fmt(rule.momentum, digits) if rule.momentum != 0.0 else None,
        # a softmax's error signal y sum(z) - z is y - z when the step's targets sum to 1 (one class per row)
        "targets_sum_to_one": bool(abs(float(np.sum(trace.z[k])) - 1.0) < 1e-12),
    }
    if config is not None:
        facts.update(config=config.source, dataset=config.dataset_source, init=config.init_method,
                     init_file=config.init_source, minmax_file=config.minmax_source,
                     inputs_mode=config.inputs_mode, outputs_mode=config.outputs_mode,
                     illustrate=config.illustrate_source)
    sec("network", "1", "Initialisation", tables=[arch, *init_tables], facts=dict(facts))

    # 2-3 min-max and normalisation ---------------------------------------
    _data_sections(sec, trace, k, digits, config, labels_in + labels_out)

    # 4 forward -----------------------------------------------------------
    # The document's numbers for one hidden layer (4.1-4.6, 5.1-5.4); with
    # more or fewer hidden layers the numbers count on, so each is unique.
    forward = (f"4.{n}" for n in range(1, 2 * L + 3))
    backward = (f"5.{n}" for n in range(1, 2 * L + 1))
    for l in range(L):
        pre = "output" if l == out else "hidden"
        name = nm.layer_name(l)
        big = mdl.big(l)
        s_tab, matrix = [], []
        if big:
            s_tab = [Table(f"sums-{l}", f"Every sum of {name}", ["node", nm.vec("s", l), nm.vec("a", l)],
                           [[str(j), _num(trace.s[l][k][j], digits), _num(trace.a[l][k][j], digits)]
                            for j in range(trace.layers[l + 1])])]
        if big or trace.layers[l] > FEW:
            sv, xv, bv = nm.vec("s", l), nm.vec("x", l) if l == 0 else nm.vec("a", l - 1), nm.vec("b", l)
            biased = rule.bias != "none"  # W x + b, or W x without biases

            def plus_b(wx: Node, b: Node) -> Node:
                return infix("+", wx, b) if biased else wx

            lines = [Line("symbolic", plus_b(Factors((nm.layer("W", l), xv), "close"), bv))]
            if trace.layers[l] <= MATRIX_COLUMNS:
                lines.append(Line("substituted", plus_b(Factors((_matrix(trace.w[l][k], digits),
                                                                _vector(trace.layer_input(l)[k], digits)), "close"),
                                                       _vector(trace.b[l][k], digits))))
            lines.append(Line("result", _vector(trace.s[l][k], digits)))
            matrix = [Equation("s" + ("o" if l == out else "h" if nm.number(l) is None else f"h_{{{nm.number(l)}}}"),
                               sv, lines)]
        num_s, num_a = next(forward), next(forward)
        fl = {"layer_name": name, "big": big, "shown": mdl.shown(l), "nodes": trace.layers[l + 1],
              "fan_in": trace.layers[l], "activation": trace.activations[l], "sum_number": num_s}
        sec(f"{pre}_sum", num_s, f"The summation function for {name}", l,
            general=general(f"{pre}_sum", l), equations=eqs(f"{pre}_sum", l), matrix=matrix, tables=s_tab, facts=dict(fl))
        sec(f"{pre}_activation", num_a, f"The activation function for {name}", l,
            general=general(f"{pre}_activation", l), equations=eqs(f"{pre}_activation", l), facts=dict(fl))

    # loss, gradient descent ---------------------------------------------
    sec("loss", next(forward), "The loss function", equations=eqs("loss"),
        facts={"loss": trace.loss_name, "value": fmt(trace.loss[k], digits)})
    gd_table, gd_facts = _paraboloid(digits)
    sec("gradient_descent", next(forward), "The gradient descent formula",
        general=[Equation("theta", Name("theta", (Text("new"),)),
                          [Line("symbolic", infix("-", THETA, Factors((Name("eta"), Call(Nabla(Name("f")), (THETA,))),
                                                                      "close")))])],
        tables=[gd_table], facts=gd_facts)

    # 5 backward ------------------------------------------------------------
    def delta_table(l: int) -> list[Table]:
        if not mdl.big(l):
            return []
        return [Table(f"deltas-{l}", f"Every error signal of {nm.layer_name(l)}",
                      ["node", nm.vec("s", l), nm.vec("a", l), nm.vec("delta", l)],
                      [[str(j), _num(trace.s[l][k][j], digits), _num(trace.a[l][k][j], digits),
                        _num(trace.delta[l][k][j], digits)] for j in range(trace.layers[l + 1])])]

    def new_table(l: int) -> list[Table]:
        if not mdl.big(l):
            return []
        return [_param_table(f"new-{l}", f"Every new weight and bias of {nm.layer_name(l)}",
                             trace.w_new(l)[k], trace.b_new(l)[k], nm, l, digits, rule.bias)]

    def delta_section(l: int) -> None:
        if l == out:
            sec("output_delta", next(backward), "The error signal for the output layer", out,
                derivation=list(mdl.derivation[f"output_delta.{out}"]), equations=eqs("output_delta", out),
                tables=delta_table(out), facts={"layer_name": nm.layer_name(out), "activation": trace.activations[out]})
            return
        sec("hidden_delta", next(backward), f"The error signal for {nm.layer_name(l)}", l,
            derivation=list(mdl.derivation[f"hidden_delta.{l}"]), equations=eqs("hidden_delta", l),
            tables=delta_table(l), facts={"layer_name": nm.layer_name(l), "activation": trace.activations[l],
                                          "next_nodes": trace.layers[l + 2], "next_name": nm.layer_name(l + 1)})

    def update_section(l: int) -> None:
        pre = "output" if l == out else "hidden"
        title = "the output layer" if l == out else nm.layer_name(l)
        sec(f"{pre}_update", next(backward), f"The new weights and biases for {title}", l,
            general=general(f"{pre}_update", l), equations=eqs(f"{pre}_update", l), tables=new_table(l),
            facts={"layer_name": nm.layer_name(l), "shown": mdl.shown(l), "big": mdl.big(l)})

    if mdl.updated_weights:
        # each layer is updated as soon as its error signals are known, from the output down, so the
        # layer before it takes its error signal through the new weights
        for l in reversed(range(L)):
            delta_section(l)
            update_section(l)
    else:
        # every error signal first, through the old weights; then every layer updated together
        for l in reversed(range(L)):
            delta_section(l)
        for l in reversed(range(L)):
            update_section(l)

    # 6 update, 7 iterations, 8 saved --------------------------------------
    sec("update", "6", "Update the weights and biases", tables=[
        _param_table(f"next-{l}", f"Weights and biases of {nm.layer_name(l)} for the next step",
                     trace.w_new(l)[k], trace.b_new(l)[k], nm, l, digits, rule.bias) for l in range(L)],
        facts={"next_loss": _next_loss(trace, k, digits)})
    table = trace.loss_table()
    sec("iterations", "7", "The loss over the iterations",
        tables=[Table("loss", "Loss per iteration", ["iteration", "loss"],
                      [[str(i), _num(v, digits)] for i, v in table])],
        facts={"epochs": trace.epochs, "final": fmt(trace.final_loss, digits), "rows": trace.n_rows,
               "stopped": trace.stopped})
    from tracer.config import files

    sec("saved", "8", "Save the min-max and the weights and biases",
        facts={"minmax_json": _json(trace.minmax),
               "weights_json": _json(files.weights_to_mapping(trace.final))})

    return Explanation(sections, trace, k, digits, facts)


def _descent() -> Any:
    from tracer.explain.descent import paraboloid

    return paraboloid()


def _paraboloid(digits: int) -> tuple[Table, dict[str, Any]]:
    """The document's gradient-descent example (x^2 + y^2 from (3, 4), eta 0.1), from tracer.explain.descent."""
    d = _descent()
    head: list[Cell] = []
    for v in d.variables:
        var = Name(v)
        head += [var, Call(Nabla(Name("f")), (var,)), Name(v, ("new",))]
    head.append(Call(Name("f"), tuple(Name(v) for v in d.variables), compact=True))
    _, rows = d.table()
    # fixed decimals, as the document's table prints them
    cells = [[str(i), *[Num(fixed(v, digits)) if v is not None else "" for v in row]]
             for i, row in enumerate(rows)]
    facts = {
        "expr": d.text, "start": dict(d.start), "lr": d.lr, "steps": len(d.rows),
        "function": d.function_equation(),
        "derivatives": [d.derivative_equation(v) for v in d.variables],
        "updates": [d.update_equation(v) for v in d.variables],
        "updates_at_lr": [d.update_at_lr_equation(v) for v in d.variables],
        "plain": d.plain_lines(),
    }
    return Table("gd", "Gradient descent on f(x, y) = x^2 + y^2", ["step", *head], cells), facts


def _json(value: Any, indent: str = "") -> str:
    """JSON as the files hold it, but with each innermost list of numbers on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        return "[\n" + ",\n".join(inner + _json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list) and len(value) > JSON_PER_LINE:  # long lists of numbers wrap
        lines = [", ".join(json.dumps(v) for v in value[i:i + JSON_PER_LINE]) for i in range(0, len(value), JSON_PER_LINE)]
        return "[\n" + ",\n".join(inner + ln for ln in lines) + "\n" + indent + "]"
    return json.dumps(value)


JSON_PER_LINE = 3  # full-precision numbers per line in the saved files' listing


def _next_loss(trace: Any, k: int, digits: int) -> str | None:
    """The loss of the next recorded step, when it is the very next step."""
    if k + 1 < trace.n_steps and trace.kept[k + 1] == trace.kept[k] + 1:
        return fmt(trace.loss[k + 1], digits)
    return None


ILLUSTRATE_ROWS = 12  # a longer dataset shows its first rows only
NORM_COLUMNS = 3  # data columns per normalisation table


def _data_sections(sec: Callable[..., Section], trace: Any, k: int, digits: int, config: Any, labels: list[str]) -> None:
    """Sections 2 (min-max) and 3 (normalisation): data, no network."""
    n_in = trace.layers[0]
    mm = trace.minmax
    used_lo = list(mm["minInput"]) + list(mm["minOutput"])
    used_hi = list(mm["maxInput"]) + list(mm["maxOutput"])
    method = trace.method
    raw = None
    if config is not None:
        raw = config.illustrate_raw if config.illustrate_raw is not None else config.raw
    tables, norm_tables, example = [], [], []
    facts: dict[str, Any] = {"method": method, "labels": labels, "illustrates": None, "separate": False, "rows_total": 0}
    if raw is not None:
        lo, hi = raw.min(axis=0), raw.max(axis=0)
        tables.append(Table("minmax", "Min and max of each column", ["column", "min", "max"],
                            [[labels[c], _raw(lo[c], digits), _raw(hi[c], digits)] for c in range(raw.shape[1])]))
        facts["illustrates"] = config.illustrate_source or config.dataset_source
        facts["separate"] = config.illustrate_raw is not None
        facts["rows_total"] = len(raw)
        if method != "none":
            shown = raw[:ILLUSTRATE_ROWS]
            # value / normalised pairs, at most NORM_COLUMNS data columns per table so it fits a page
            for first in range(0, raw.shape[1], NORM_COLUMNS):
                cols = range(first, min(first + NORM_COLUMNS, raw.shape[1]))
                header = [h for c in cols for h in (labels[c], "normalised")]
                rows = [[cell for c in cols
                         for cell in (_raw(r[c], digits), _num(_normalised(r[c], lo[c], hi[c], method), digits))]
                        for r in shown]
                norm_tables.append(Table("normalised", "Every value and its normalised value", header, rows))
            # An example: the last value of the first column strictly between its min and max.
            col = raw[:, 0]
            inner = [v for v in col if lo[0] < v < hi[0]]
            if inner:
                form, _ = _norm_forms()[method]
                v = float(inner[-1])
                # raw values print as read (65, not 65.0): the slots hold the numbers' digits
                raw_slots = {("hi",): hi[0], ("lo",): lo[0], ("v",): v}
                m = Filled(form, tuple(_raw_digits(raw_slots[r], digits) for r in form.refs))
                res = _normalised(v, lo[0], hi[0], method)
                example.append(Equation("example", None, [Line("substituted", m), Line("result", _num(res, digits))], res))
                facts["example"] = {"label": labels[0], "value": _raw_digits(v, digits)}
    # What the network is actually fed at this step.
    if config is not None:
        row = config.raw[int(trace.row[k])]
        fed = list(trace.x[k]) + list(trace.z[k])
        sides = ["inputs"] * n_in + ["outputs"] * (len(labels) - n_in)
        modes = {"inputs": config.inputs_mode, "outputs": config.outputs_mode}
        trows = []
        for c, label in enumerate(labels):
            on = method != "none" and modes[sides[c]] != "off"
            note = "" if not on else ("min = max: the middle of the range" if used_lo[c] == used_hi[c] else "")
            trows.append([label, _raw(row[c], digits), _raw(used_lo[c], digits) if on else "", _raw(used_hi[c], digits) if on else "",
                          _num(fed[c], digits), note])
        norm_tables.append(Table("fed", "The row this step trains on", ["column", "value", "min", "max", "fed in", "note"], trows))
    used = Table("minmax-used", "The min-max the training uses", ["column", "min", "max"],
                 [[labels[c], _raw(used_lo[c], digits), _raw(used_hi[c], digits)] for c in range(len(labels))])
    tables.append(used)
    gen = []
    if method in ("zero-to-one", "minus-one-to-one"):
        gen = [Equation("normalised", Word("normalized"), [Line("symbolic", _norm_forms()[method][1])])]
    sec("minmax", "2", "Min and max values", tables=tables, facts=dict(facts))
    sec("normalise", "3", "Normalisation", general=gen, equations=example, tables=norm_tables, facts=dict(facts))
