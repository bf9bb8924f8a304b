"""The per-structure model: sympy builds a network structure's equations once; each step fills in numbers.

A structure is the layers, their activations and the parts of the training
rule that change the equations (tracer.core.variant): the loss, which sets
dL/dy and so the output error signal; the bias -- one per node, one per
layer shared by its nodes (its gradient the sum of their error signals), or
none (no bias terms anywhere); and whether the biases are updated (frozen
biases have no gradient step: their new value is the old one).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import sympy as sp

from tracer.core import activations as acts
from tracer.core import update
from tracer.core.numbers import fmt
from tracer.explain.algebra import FEW, Parts, product
from tracer.explain.nodes import (
    Activation,
    Call,
    Dots,
    Factors,
    Form,
    Formula,
    Name,
    Nabla,
    Node,
    Num,
    Operator,
    Paren,
    Partial,
    PartialOf,
    SumOver,
    Text,
    infix,
)
from tracer.explain.notation import Names
from tracer.explain.pieces import Equation, Line

__all__ = ["Model", "model"]


# --------------------------------------------------------------------------
# the per-structure model


@dataclass
class _Spec:
    """An equation of the structure: its static lines, its slotted forms, where its value comes from."""

    name: str
    lhs: Node | None
    lines: list[tuple[str, Any]]  # (kind, Node | Form | Parts | _Applied)
    value: tuple | None  # a ref (kind, layer, index...) or None


L = Name("L")  # the loss
ETA = Name("eta")  # the learning rate
MU = Name("mu")  # the momentum


def _same(a: Node, b: Node) -> bool:
    """Whether two lines say the same: the same sympy expression in the same names."""
    return (isinstance(a, Formula) and isinstance(b, Formula) and a.dot == b.dot and a.names is b.names
            and a.expr == b.expr)


class Model:
    """The sympy work for one network structure: every equation of every shown node.

    Built once per (layers, activations, full, loss, bias, update_biases) and cached by :func:`model`.
    """

    def __init__(self, layers: Sequence[int], activations: Sequence[str], full: bool = False,
                 loss: str = "mse", bias: str = "per-node", update_biases: bool = True, updated_weights: bool = False,
                 momentum: bool = False):
        self.layers = list(layers)
        self.acts = list(activations)
        self.full = full
        self.loss, self.bias = loss, bias
        self.update_biases = update_biases and bias != "none"  # whether a bias takes a gradient step
        # hidden error signals through the next layer's weights after its update (w^new), not before
        self.updated_weights = updated_weights
        self.momentum = momentum  # each parameter steps by its velocity v_new = mu v + grad (PyTorch's SGD)
        self.n = Names(self.layers)
        self.refs: dict[sp.Symbol, tuple] = {}
        self.names: dict[sp.Symbol, Node] = {}  # each symbol's name in the document's notation
        self._syms: dict[tuple, sp.Symbol] = {}
        self.cdots = sp.Symbol("cdots")
        self.names[self.cdots] = Dots()
        self.specs: dict[str, list[_Spec]] = {}
        self.general: dict[str, list[Equation]] = {}
        self.derivation: dict[str, list[Equation]] = {}
        self._build()

    # ------------------------------------------------------------ symbols
    def sym(self, kind: str, l: int | None = None, *idx: int) -> sp.Symbol:
        """The symbol of a recorded quantity, with its names and where its value lives."""
        if kind == "b" and self.bias == "shared":
            idx = (0,)  # one bias for the whole layer
        key = (kind, l, *idx)
        if key in self._syms:
            return self._syms[key]
        n = self.n
        names = {
            "x": lambda: n.x(idx[0]),
            "z": lambda: n.z(idx[0]),
            "eta": lambda: ETA,
            "w": lambda: n.w(l, *idx),
            "wn": lambda: dataclasses.replace(n.w(l, *idx), sup=Text("new")),
            "mu": lambda: MU,
            # a parameter's velocity carries the parameter's subscript: v_{o[0][0]} moves w_{o[0][0]}
            "v": lambda: Name("v", n.w(l, *idx).sub),
            "vn": lambda: Name("v", n.w(l, *idx).sub, sup=Text("new")),
            "vb": lambda: Name("v", self.name(self.sym("b", l, *idx)).sub),
            "vbn": lambda: Name("v", self.name(self.sym("b", l, *idx)).sub, sup=Text("new")),
            "b": lambda: n.layer("b", l) if self.bias == "shared" else n.b(l, idx[0]),
            "dsum": lambda: n.delta_sum(l),
            "esum": lambda: self._exp_sum_name(),
            "s": lambda: n.s(l, idx[0]),
            "a": lambda: n.a(l, idx[0]),
            "d": lambda: n.d(l, idx[0]),
            "dLda": lambda: Partial(L, n.a(l, idx[0])),
        }[kind]()
        s = sp.Symbol("_".join(map(str, (kind, l, *idx))))
        self._syms[key] = s
        self.refs[s] = key
        self.names[s] = names
        return s

    def _exp_sum_name(self) -> Node:
        s = sp.Symbol("s_j")
        return SumOver("j", "0", str(self.layers[-1] - 1), Formula(sp.exp(s), {s: self.n.s(self.n.out, "j")}))

    def inp(self, l: int, i: int) -> sp.Symbol:
        return self.sym("x", None, i) if l == 0 else self.sym("a", l - 1, i)

    def shown(self, l: int) -> list[int]:
        """The nodes of weight layer ``l`` shown in full."""
        n = self.layers[l + 1]
        return list(range(n)) if (self.full or n <= FEW) else [0]

    def big(self, l: int) -> bool:
        return len(self.shown(l)) < self.layers[l + 1]

    # ------------------------------------------------------------ printing
    def m(self, expr: Any, dot: bool = False) -> Formula:
        """An expression in the document's names (symbolic form)."""
        return Formula(expr, self.names, dot)

    def form(self, expr: Any) -> Form:
        return Form(expr, self.refs, self.names)

    def name(self, sym: sp.Symbol) -> Node:
        return self.names[sym]

    # ------------------------------------------------------------ pieces
    def sum_expr(self, l: int, j: int, short: bool = False) -> Any:
        """s = in_0 w_0 + in_1 w_1 + ... + b, in the document's order; ``short`` elides the middle."""
        n_in = self.layers[l]
        idx = list(range(n_in))
        terms = [sp.Mul(self.inp(l, i), self.sym("w", l, j, i), evaluate=False) for i in idx]
        if short and n_in > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        if self.bias == "none":
            return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
        return sp.Add(*terms, self.sym("b", l, j), evaluate=False)

    def f_def(self, l: int, s: sp.Symbol) -> Any:
        """f(s) as sympy writes it (the sigmoid's formula; tanh, relu as functions)."""
        return acts.get(self.acts[l]).form(sp, s)

    def f_apply(self, l: int, arg: Node) -> Node:
        name = self.acts[l]
        if name == "softmax":
            return Call(Text("softmax"), (arg,))
        return arg if name == "linear" else Call(Activation(name), (arg,))

    @property
    def softmax(self) -> bool:
        """Whether the output layer is a softmax: each output e^s_k / sum_j e^s_j depends on every sum of the layer."""
        return self.acts[-1] == "softmax"

    def softmax_of(self, k: int) -> Any:
        """y_k = e^{s_k} / sum_j e^{s_j}, the denominator named as one symbol (worked out on its own)."""
        s = self.sym("s", self.n.out, k)
        return sp.Mul(sp.exp(s), sp.Pow(self.sym("esum", self.n.out), -1, evaluate=False), evaluate=False)

    def exp_sum(self) -> Any:
        """sum_j e^{s_j} over the output layer's sums."""
        return sp.Add(*(sp.exp(self.sym("s", self.n.out, j)) for j in range(self.layers[-1])), evaluate=False)

    def f_prime(self, l: int, arg: Node) -> Node:
        return Call(Activation(self.acts[l]), (arg,), prime=True)

    def df_out(self, l: int, j: int) -> Any:
        """f'(s) in terms of the node's output, as the document writes it."""
        a, s = self.sym("a", l, j), self.sym("s", l, j)
        return acts.get(self.acts[l]).output_form(sp, a, s)

    # ------------------------------------------------------------ sections
    def _build(self) -> None:
        L = len(self.layers) - 1
        for l in range(L):
            pre = "output" if l == L - 1 else "hidden"
            self.specs[f"{pre}_sum.{l}"] = self._sums(l)
            self.specs[f"{pre}_activation.{l}"] = self._activations(l)
            self.specs[f"{pre}_update.{l}"] = self._delta_sums(l) + self._updates(l)
            self.general[f"{pre}_sum.{l}"] = self._general_sum(l)
            self.general[f"{pre}_activation.{l}"] = self._general_activation(l)
            self.general[f"{pre}_update.{l}"] = self._general_update(l)
        out = L - 1
        self.specs["loss"] = self._loss()
        self.specs[f"output_delta.{out}"] = self._output_deltas()
        self.derivation[f"output_delta.{out}"] = self._softmax_derivation() if self.softmax else self._output_derivation()
        for l in range(out):
            self.specs[f"hidden_delta.{l}"] = self._hidden_deltas(l)
            self.derivation[f"hidden_delta.{l}"] = self._hidden_derivation(l)

    def _sums(self, l: int) -> list[_Spec]:
        specs = []
        for j in self.shown(l):
            e = self.sum_expr(l, j)
            specs.append(_Spec(
                f"s[{j}]", self.name(self.sym("s", l, j)),
                [("symbolic", self.m(e)), ("substituted", self.form(e)), ("evaluated", Parts(e, self))], ("s", l, j)))
        return specs

    def _general_sum(self, l: int) -> list[Equation]:
        inp = "x" if l == 0 else "a"

        def term(i: str) -> Factors:  # x_0 w_0: the general formula's plain subscripts
            return Factors((Name(inp, (i,), braced=False), Name("w", (i,), braced=False)), "close")

        b = [] if self.bias == "none" else [Name("b", (self.n.tag(l),))]
        total = SumOver("i", "0", "n", term("i"))
        return [Equation("s", Name("s", (self.n.tag(l),)), [
            Line("symbolic", infix("+", term("0"), term("1"), Dots(), term("n"), *b)),
            Line("symbolic", infix("+", total, *b) if b else total),
        ])]

    def _activations(self, l: int) -> list[_Spec]:
        if self.acts[l] == "softmax":
            return self._softmax_activations(l)
        specs = []
        for j in self.shown(l):
            s = self.sym("s", l, j)
            lines: list[tuple[str, Any]] = [("symbolic", self.f_apply(l, self.name(s)))]
            d = self.f_def(l, s)
            if d.has(sp.exp):  # the sigmoid: show its formula, then fill it in
                lines += [("symbolic", self.m(d)), ("substituted", self.form(d))]
            else:
                lines.append(("substituted", _Applied(self, l, s)))
            specs.append(_Spec(f"a[{j}]", self.name(self.sym("a", l, j)), lines, ("a", l, j)))
        return specs

    def _softmax_activations(self, l: int) -> list[_Spec]:
        """The output layer's sum of exponentials, then each output's share of it."""
        e = self.exp_sum()
        specs = [_Spec("sum exp", self.name(self.sym("esum", l)),
                       [("symbolic", self.m(e)), ("substituted", self.form(e)), ("evaluated", Parts(e, self))],
                       ("esum", l))]
        for k in self.shown(l):
            y = self.softmax_of(k)
            specs.append(_Spec(f"a[{k}]", self.name(self.sym("a", l, k)),
                               [("symbolic", self.m(y)), ("substituted", self.form(y))], ("a", l, k)))
        return specs

    def _general_activation(self, l: int) -> list[Equation]:
        s = sp.Symbol("s")
        name = self.acts[l]
        sm = self.n.layer("s", l)
        if name == "softmax":
            k, j = sp.Symbol("s_k"), sp.Symbol("s_j")
            total = SumOver("j", "0", "n", Formula(sp.exp(j), {j: self.n.s(l, "j")}))
            d = sp.Symbol("D")
            share = Formula(sp.Mul(sp.exp(k), sp.Pow(d, -1, evaluate=False), evaluate=False), {k: self.n.s(l, "k"), d: total})
            return [Equation("a", self.n.layer("a", l), [Line("symbolic", Call(self.n.layer("f", l), (sm,))),
                                                          Line("symbolic", self.f_apply(l, sm))]),
                    Equation("f", self.n.a(l, "k"), [Line("symbolic", share)])]
        eqs = [Equation("a", self.n.layer("a", l),
                        [Line("symbolic", Call(self.n.layer("f", l), (sm,))),
                         Line("symbolic", self.f_apply(l, sm))])]
        if name in ("sigmoid", "tanh"):
            e = sp.exp
            d = (1 / (1 + e(-s))) if name == "sigmoid" else sp.Mul(
                sp.Add(e(s), -e(-s), evaluate=False), sp.Pow(sp.Add(e(s), e(-s), evaluate=False), -1, evaluate=False),
                evaluate=False)
            eqs.append(Equation("f", self.f_apply(l, sm), [Line("symbolic", Formula(d, {s: sm}))]))
        elif name == "relu":  # its definition too, as sympy writes it in the derivation (Max)
            eqs.append(Equation("f", self.f_apply(l, sm), [Line("symbolic", Call(Operator("max"), (Num("0"), sm)))]))
        return eqs

    def _loss(self) -> list[_Spec]:
        e = self.loss_expr()
        return [_Spec("L", L, [("symbolic", self.m(e)), ("substituted", self.form(e))], ("L", None))]

    def loss_expr(self) -> Any:
        out = self.n.out
        sq = [sp.Pow(sp.Add(self.sym("a", out, k), -self.sym("z", None, k), evaluate=False), 2, evaluate=False)
              for k in range(self.layers[-1])]
        inner = sq[0] if len(sq) == 1 else sp.Add(*sq, evaluate=False)
        if self.loss == "mse":
            return sp.Mul(sp.Rational(1, 2), inner, evaluate=False)
        if self.loss == "sse":
            return inner
        if self.loss == "mean-squared":
            n = self.layers[-1]
            return inner if n == 1 else sp.Mul(sp.Rational(1, n), inner, evaluate=False)
        # cross-entropy, written as its terms: on sigmoid outputs -sum [z ln y + (1 - z) ln(1 - y)],
        # on a softmax layer -sum z ln y
        terms = []
        for k in range(self.layers[-1]):
            y, z = self.sym("a", out, k), self.sym("z", None, k)
            terms.append(sp.Mul(-1, z, sp.log(y), evaluate=False))
            if not self.softmax:
                terms.append(sp.Mul(-1, sp.Add(1, -z, evaluate=False), sp.log(sp.Add(1, -y, evaluate=False)),
                                    evaluate=False))
        return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)

    def error_factor(self, k: int) -> tuple[Any, Any]:
        """dL/dy_k as (coefficient, y - z) for the squared losses: 1, 2 or 2/n times the error, as sympy derives it.

        Built in factored form (sympy would spread 2(y - z) into 2y - 2z) and
        held to sympy's derivative of the loss: they must be equal.
        """
        y, z = self.sym("a", self.n.out, k), self.sym("z", None, k)
        err = sp.Add(y, -z, evaluate=False)
        c = {"mse": sp.Integer(1), "sse": sp.Integer(2), "mean-squared": sp.Rational(2, self.layers[-1])}[self.loss]
        if sp.simplify(sp.diff(self.loss_expr(), y) - c * (y - z)) != 0:
            raise AssertionError(f"dL/dy of {self.loss} is not {c}(y - z)")
        return c, err

    @property
    def cross_entropy(self) -> bool:
        return self.loss == "cross-entropy"

    # ---------------------------------------------------------- deltas
    def _output_derivation(self) -> list[Equation]:
        """The chain rule for output node 0 and its weight 0, every derivative taken by sympy."""
        out, n = self.n.out, self.n
        y, s, _z = self.sym("a", out, 0), self.sym("s", out, 0), self.sym("z", None, 0)  # z registered with the others
        w, b = self.sym("w", out, 0, 0), self.sym("b", out, 0)
        bm_ = self.name(b)
        Lx = self.loss_expr()
        dLdy = sp.diff(Lx, y)
        dyds = sp.diff(self.f_def(out, s), s)
        s_short = self.sum_expr(out, 0, short=True)
        dsdw = sp.diff(s_short, w)
        dsdb = sp.diff(s_short, b)
        ym, sm, wm, bm = n.a(out, 0), n.s(out, 0), n.w(out, 0, 0), bm_
        dm = n.d(out, 0)

        def op(var: Node, expr: Any) -> PartialOf:
            return PartialOf(var, self.m(expr))

        def eq(name: str, top: Node, var: Node, *lines: tuple[str, Node]) -> Equation:
            out: list[Line] = []
            for k, m in lines:  # sympy's derivative may already be the document's form (tanh, linear)
                if not out or not _same(out[-1].math, m):
                    out.append(Line(k, m))
            return Equation(name, Partial(top, var), out)

        df = self.df_out(out, 0)
        delta = product(dLdy, df)
        delta_lines = [
            Line("derivation", Partial(L, sm)),
            Line("derivation", Factors((Partial(L, ym), Partial(ym, sm)))),
            Line("symbolic", Factors((Paren(self.m(dLdy)), self.f_prime(out, sm)))),
            Line("symbolic", self.m(delta)),
        ]
        if self.cross_entropy:
            # sympy multiplies out and cancels: y(1 - y) is exactly the denominator of dL/dy
            simple = sp.factor(sp.simplify(delta))
            if sp.simplify(simple - (y - _z)) != 0:
                raise AssertionError("cross-entropy's output error signal did not simplify to y - z")
            delta_lines.append(Line("symbolic", self.m(sp.Add(y, -_z, evaluate=False))))
        bias_eqs = [eq("ds/db", sm, bm, ("derivation", op(bm, s_short)), ("result", self.m(dsdb)))] if self.update_biases else []
        return [
            eq("dL/dy", L, ym, ("derivation", op(ym, Lx)), ("result", self.m(dLdy))),
            eq("dy/ds", ym, sm, ("derivation", op(sm, self.f_def(out, s))), ("derivation", self.m(dyds)),
               ("result", self.m(df))),
            eq("ds/dw", sm, wm, ("derivation", op(wm, s_short)), ("result", self.m(dsdw))),
            *bias_eqs,
            Equation("delta", dm, delta_lines),
            *self._gradients(sm, wm, bm, self.sym("d", out, 0), dsdw, dsdb, out),
        ]

    def softmax_delta(self, k: int) -> Any:
        """A softmax output's error signal under cross-entropy, y_k (z_0 + z_1 + ...) - z_k, as the engine computes it."""
        zs = [self.sym("z", None, j) for j in range(self.layers[-1])]
        total = zs[0] if len(zs) == 1 else sp.Add(*zs, evaluate=False)
        y = self.sym("a", self.n.out, k)
        return sp.Add(sp.Mul(y, total, evaluate=False), -self.sym("z", None, k), evaluate=False)

    def _softmax_derivation(self) -> list[Equation]:
        """The chain rule for output node 0 of a softmax layer: through every output, since each depends on s_0.

        sympy differentiates the loss by each output and each output by s_0
        (the softmax written out over the layer's sums); each result is held
        to the form it is shown in, y_0 (1 - y_0) and -y_j y_0, and their sum
        over the outputs to y_0 sum_j z_j - z_0.
        """
        out, n = self.n.out, self.n
        nodes = self.layers[-1]
        ss = [self.sym("s", out, j) for j in range(nodes)]
        ys = [self.sym("a", out, j) for j in range(nodes)]
        w, b = self.sym("w", out, 0, 0), self.sym("b", out, 0)
        sm, wm, bm, dm = n.s(out, 0), n.w(out, 0, 0), self.name(b), n.d(out, 0)
        Lx = self.loss_expr()
        soft = [sp.exp(s) / sp.Add(*(sp.exp(t) for t in ss)) for s in ss]  # the softmax, written out

        def op(var: Node, expr: Any) -> PartialOf:
            return PartialOf(var, self.m(expr))

        shown = [0, 1] if nodes > 1 else [0]
        eqs = []
        jac = []
        for j in range(nodes):
            d = sp.diff(soft[j], ss[0])
            shape = ys[0] * (1 - ys[0]) if j == 0 else -ys[j] * ys[0]
            if sp.simplify(d - shape.subs({y: f for y, f in zip(ys, soft)})) != 0:
                raise AssertionError(f"softmax's derivative dy_{j}/ds_0 is not {shape}")
            jac.append(sp.Mul(ys[0], sp.Add(1, -ys[0], evaluate=False), evaluate=False) if j == 0 else
                       sp.Mul(-1, ys[j], ys[0], evaluate=False))
            if j in shown:
                eqs.append(Equation(f"dy/ds[{j}]", Partial(n.a(out, j), sm), [
                    Line("derivation", op(sm, self.softmax_of(j).subs(self.sym("esum", out), self.exp_sum()))),
                    Line("derivation", self.m(d)), Line("result", self.m(jac[-1]))]))
        dLdy = [sp.diff(Lx, y) for y in ys]
        eqs.insert(0, Equation("dL/dy", Partial(L, n.a(out, 0)), [
            Line("derivation", op(n.a(out, 0), Lx)), Line("result", self.m(dLdy[0]))]))
        total = sp.Add(*(sp.Mul(g, dj, evaluate=False) for g, dj in zip(dLdy, jac)), evaluate=False)
        simple = self.softmax_delta(0)
        if sp.simplify(sp.expand(total) - sp.expand(simple)) != 0:
            raise AssertionError("the softmax's output error signal did not come to y_0 sum z - z_0")
        chain: list[Node] = [Factors((Partial(L, n.a(out, j)), Partial(n.a(out, j), sm)), "close") for j in shown]
        if nodes > 2:
            chain.append(Dots())
        s_short = self.sum_expr(out, 0, short=True)
        dsdw, dsdb = sp.diff(s_short, w), sp.diff(s_short, b)
        eqs.append(Equation("ds/dw", Partial(sm, wm), [Line("derivation", op(wm, s_short)), Line("result", self.m(dsdw))]))
        if self.update_biases:
            eqs.append(Equation("ds/db", Partial(sm, bm), [Line("derivation", op(bm, s_short)), Line("result", self.m(dsdb))]))
        eqs.append(Equation("delta", dm, [
            Line("derivation", Partial(L, sm)),
            Line("derivation", infix("+", *chain) if len(chain) > 1 else chain[0]),
            Line("symbolic", infix("+", *(Factors((Paren(self.m(g)), self.m(dj) if j == 0 else Paren(self.m(dj))), "close")
                                          for j, (g, dj) in enumerate(zip(dLdy, jac))))),
            Line("symbolic", self.m(simple)),
        ]))
        return eqs + self._gradients(sm, wm, bm, self.sym("d", out, 0), dsdw, dsdb, out)

    def _gradients(self, sm: Node, wm: Node, bm: Node, d: sp.Symbol, dsdw: Any, dsdb: Any, l: int) -> list[Equation]:
        """Each gradient as dL/dp, then the chain rule, then in symbols (delta times what p multiplies).

        A shared bias feeds every node of layer ``l``, so its chain rule runs
        over all their sums; a bias that is absent or frozen takes no step
        and has no gradient here.
        """
        grad_w = Equation("grad w", Call(Nabla(L), (wm,)), [
            Line("derivation", Partial(L, wm)),
            Line("derivation", Factors((Partial(L, sm), Partial(sm, wm)))),
            Line("symbolic", self.m(sp.Mul(d, dsdw, evaluate=False))),
        ])
        if not self.update_biases:
            return [grad_w]
        if self.bias != "shared":
            return [grad_w, Equation("grad b", Call(Nabla(L), (bm,)), [
                Line("derivation", Partial(L, bm)),
                Line("derivation", Factors((Partial(L, sm), Partial(sm, bm)))),
                Line("symbolic", self.m(sp.Mul(d, dsdb))),
            ])]
        nodes = self.layers[l + 1]
        chain: list[Node] = [Factors((Partial(L, self.n.s(l, j)), Partial(self.n.s(l, j), bm)), "close")
                             for j in range(min(nodes, 2))]
        if nodes > 2:
            chain.append(Dots())
        return [grad_w, Equation("grad b", Call(Nabla(L), (bm,)), [
            Line("derivation", Partial(L, bm)),
            Line("derivation", infix("+", *chain)),
            Line("symbolic", self.m(self.delta_sum(l))),
        ])]

    def delta_sum(self, l: int) -> Any:
        """The sum of layer ``l``'s error signals (a shared bias's gradient), elided in the middle for a wide layer."""
        terms = [self.sym("d", l, j) for j in range(self.layers[l + 1])]
        if len(terms) > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)

    def _output_deltas(self) -> list[_Spec]:
        out = self.n.out
        specs = []
        for k in self.shown(out):
            y, z, s = self.sym("a", out, k), self.sym("z", None, k), self.sym("s", out, k)
            if self.softmax:  # y_k sum_j z_j - z_k (see the derivation): y - z for targets that sum to 1
                e = self.softmax_delta(k)
                specs.append(_Spec(f"delta[{k}]", self.name(self.sym("d", out, k)),
                                   [("symbolic", self.m(e)), ("substituted", self.form(e))], ("d", out, k)))
                continue
            if self.cross_entropy:
                # dL/dy = -z/y + (1 - z)/(1 - y) times the sigmoid's y(1 - y): y - z (see the derivation)
                err = sp.Add(y, -z, evaluate=False)
                specs.append(_Spec(f"delta[{k}]", self.name(self.sym("d", out, k)),
                                   [("symbolic", self.m(err)), ("substituted", self.form(err))], ("d", out, k)))
                continue
            c, err = self.error_factor(k)
            e = product(c, self.df_out(out, k), err)
            coefficient = () if c == 1 else (self.m(c),)
            gen = Factors((*coefficient, self.f_prime(out, self.name(s)), Paren(self.m(err))))
            specs.append(_Spec(f"delta[{k}]", self.name(self.sym("d", out, k)),
                               [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e)),
                                ("evaluated", Parts(e, self))],
                               ("d", out, k)))
        return specs

    def _hidden_derivation(self, l: int) -> list[Equation]:
        """dL/da_h, da/ds, ds/dw, ds/db for node 0 of hidden layer ``l``, by sympy."""
        n = self.n
        a, s = self.sym("a", l, 0), self.sym("s", l, 0)
        w, b = self.sym("w", l, 0, 0), self.sym("b", l, 0)
        nxt = self.layers[l + 2]
        am, sm, wm, bm, dm = n.a(l, 0), n.s(l, 0), n.w(l, 0, 0), self.name(b), n.d(l, 0)

        def op(var: Node, expr: Any) -> PartialOf:
            return PartialOf(var, self.m(expr))

        eqs = []
        # ds_next[k]/da: sympy differentiates each next-layer sum (shown for node 0 of the next layer)
        s_next = self.sum_expr(l + 1, 0, short=True)
        if not s_next.has(a):  # the elided sum must still contain a_[0]
            s_next = self.sum_expr(l + 1, 0)
        dnext = sp.diff(s_next, a)
        snm = n.s(l + 1, 0)
        eqs.append(Equation("ds/da", Partial(snm, am), [Line("derivation", op(am, s_next)), Line("result", self.m(dnext))]))
        terms = [sp.Mul(self.sym("d", l + 1, k), sp.diff(self.sum_expr(l + 1, k), a), evaluate=False) for k in range(nxt)]
        if nxt > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        dLda = terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
        chain: list[Node] = [Factors((Partial(L, n.s(l + 1, k)), Partial(n.s(l + 1, k), am)), "close")
                             for k in range(min(nxt, 2))]
        if nxt > 2:
            chain.append(Dots())
        eqs.append(Equation("dL/da", Partial(L, am), [
            Line("derivation", infix("+", *chain)), Line("result", self.m(dLda))]))
        dads = sp.diff(self.f_def(l, s), s)
        da_lines = [Line("derivation", op(sm, self.f_def(l, s))), Line("derivation", self.m(dads))]
        if not _same(self.m(self.df_out(l, 0)), da_lines[-1].math):
            da_lines.append(Line("result", self.m(self.df_out(l, 0))))
        eqs.append(Equation("da/ds", Partial(am, sm), da_lines))
        s_short = self.sum_expr(l, 0, short=True)
        eqs.append(Equation("ds/dw", Partial(sm, wm), [Line("derivation", op(wm, s_short)), Line("result", self.m(sp.diff(s_short, w)))]))
        if self.update_biases:
            eqs.append(Equation("ds/db", Partial(sm, bm), [Line("derivation", op(bm, s_short)),
                                                           Line("result", self.m(sp.diff(s_short, b)))]))
        # each gradient as the output layer's: dL/dp, then the chain rule, then in symbols
        eqs.append(Equation("delta", dm, [
            Line("derivation", Partial(L, sm)),
            Line("derivation", Factors((Partial(L, am), Partial(am, sm)))),
            Line("symbolic", Factors((self.f_prime(l, sm), Partial(L, am)))),
        ]))
        eqs += self._gradients(sm, wm, bm, self.sym("d", l, 0), sp.diff(s_short, w), sp.diff(s_short, b), l)
        return eqs

    def _hidden_deltas(self, l: int) -> list[_Spec]:
        nxt = self.layers[l + 2]
        specs = []
        for j in self.shown(l):
            _a, s, d = self.sym("a", l, j), self.sym("s", l, j), self.sym("d", l, j)
            w = "wn" if self.updated_weights else "w"  # the next layer's weights before or after its update
            back = [sp.Mul(self.sym(w, l + 1, k, j), self.sym("d", l + 1, k), evaluate=False) for k in range(nxt)]
            fp = self.f_prime(l, self.name(s))
            df = self.df_out(l, j)
            if nxt == 1:  # the document's form: f'(s) · w δ in one line
                e = product(df, back[0])
                specs.append(_Spec(f"delta[{j}]", self.name(d),
                                   [("symbolic", Factors((fp, self.m(back[0])))), ("symbolic", self.m(e, dot=True)),
                                    ("substituted", self.form(e))],
                                   ("d", l, j)))
                continue
            # Several nodes feed back: first their sum dL/da, then delta.
            g = self.sym("dLda", l, j)
            sum_e = sp.Add(*back, evaluate=False)
            specs.append(_Spec(f"dL/da[{j}]", self.name(g),
                               [("symbolic", self.m(sum_e)), ("substituted", self.form(sum_e)),
                                ("evaluated", Parts(sum_e, self))], ("dLda", l, j)))
            e = product(df, g)
            specs.append(_Spec(f"delta[{j}]", self.name(d),
                               [("symbolic", Factors((fp, self.name(g)))), ("symbolic", self.m(e, dot=True)),
                                ("substituted", self.form(e))],
                               ("d", l, j)))
        return specs

    # ---------------------------------------------------------- updates
    # The update rule, stated once: p_new = p - eta * grad L(p) = p - eta * delta * input
    # (a bias has no input).  Numbers come from core.update, the engine's rule.
    def rule(self, p: Any, d: Any, inp: Any | None = None) -> Any:
        """The new value of parameter ``p`` as sympy writes it: p - eta * delta (* input)."""
        step = sp.Mul(self.sym("eta"), d, *([inp] if inp is not None else []), evaluate=False)
        return sp.Add(p, -step, evaluate=False)

    @staticmethod
    def rule_lines(p: Name, d: Node | None = None, inp: Node | None = None) -> tuple[Name, Node, Node | None]:
        """The rule for ``p`` written out: p_new, p - eta grad L(p) and, given ``d``, p - eta delta (input)."""
        new = dataclasses.replace(p, sup=Text("new"))
        grad = infix("-", p, Factors((ETA, Call(Nabla(L), (p,))), "close"))
        if d is None:
            return new, grad, None
        return new, grad, infix("-", p, Factors((ETA, d, *([inp] if inp is not None else [])), "thin"))

    def _updates(self, l: int) -> list[_Spec]:
        n = self.n
        specs, biases = [], []
        for j in self.shown(l):
            d = self.sym("d", l, j)
            for i in range(self.layers[l]):
                if self.momentum:
                    grad = sp.Mul(d, self.inp(l, i), evaluate=False)
                    specs += self._with_velocity(f"[{j}][{i}]", "w", (l, j, i), grad)
                    continue
                e = self.rule(self.sym("w", l, j, i), d, self.inp(l, i))
                lhs, grad, _ = self.rule_lines(n.w(l, j, i))
                specs.append(_Spec(f"w[{j}][{i}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)),
                                                     ("substituted", self.form(e))], ("wn", l, j, i)))
            if self.bias == "per-node":
                biases += self._bias_update(l, j, d)
        if self.bias == "shared":
            biases += self._bias_update(l, 0, self.sym("dsum", l))
        return specs + biases  # the document lists every weight, then the biases

    def _with_velocity(self, at: str, p: str, key: tuple, grad: Any) -> list[_Spec]:
        """Momentum's two steps for parameter ``p`` (w or b) at ``key``: v_new = mu v + grad, then p_new = p - eta v_new."""
        v, vn = ("v", "vn") if p == "w" else ("vb", "vbn")
        vel = sp.Add(sp.Mul(self.sym("mu"), self.sym(v, *key), evaluate=False), grad, evaluate=False)
        param = self.sym(p, *key)
        step = sp.Add(param, -sp.Mul(self.sym("eta"), self.sym(vn, *key), evaluate=False), evaluate=False)
        general = infix("+", Factors((MU, self.name(self.sym(v, *key))), "close"), Call(Nabla(L), (self.name(param),)))
        return [_Spec(f"v{'' if p == 'w' else 'b'}{at}", self.name(self.sym(vn, *key)),
                      [("symbolic", general), ("symbolic", self.m(vel)), ("substituted", self.form(vel))], (vn, *key)),
                _Spec(f"{p}{at}", self.rule_lines(self.name(param))[0],
                      [("symbolic", self.m(step)), ("substituted", self.form(step))], (f"{p}n", *key))]

    def _bias_update(self, l: int, j: int, d: sp.Symbol) -> list[_Spec]:
        """A bias's new value: p - eta * its gradient (``d``: its node's delta, or the layer's sum for a shared
        bias); a frozen bias keeps its value."""
        b = self.sym("b", l, j)
        lhs, grad, _ = self.rule_lines(self.name(b))
        if not self.update_biases:
            return [_Spec(f"b[{j}]", lhs, [("symbolic", self.name(b))], ("bn", l, j))]
        if self.momentum:
            return self._with_velocity(f"[{j}]", "b", (l, j), d)
        e = self.rule(b, d)
        return [_Spec(f"b[{j}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)), ("substituted", self.form(e))],
                      ("bn", l, j))]

    def _delta_sums(self, l: int) -> list[_Spec]:
        """A shared bias's gradient, the sum of its layer's error signals, worked out before its update."""
        if self.bias != "shared" or not self.update_biases:
            return []
        e = self.delta_sum(l)
        lines: list[tuple[str, Any]] = [("symbolic", self.m(e)), ("substituted", self.form(e))]
        return [_Spec("sum delta", self.name(self.sym("dsum", l)), lines, ("dsum", l))]

    def _general_update(self, l: int) -> list[Equation]:
        inp = Name("x" if l == 0 else "a", ("i",))
        d = self.n.layer("delta", l)
        eqs = []
        b = self.n.layer("b", l)
        if self.momentum:  # each weight and bias theta has its own velocity v, and steps by it
            theta, v = Name("theta"), Name("v")
            v_new = dataclasses.replace(v, sup=Text("new"))
            eqs.append(Equation("v", v_new, [Line("symbolic", infix("+", Factors((MU, v), "close"),
                                                                       Call(Nabla(L), (theta,))))]))
            eqs.append(Equation("theta", self.rule_lines(theta)[0],
                                [Line("symbolic", infix("-", theta, Factors((ETA, v_new), "close")))]))
            if self.bias != "none" and not self.update_biases:
                eqs.append(Equation("b", self.rule_lines(b)[0], [Line("symbolic", b)]))
            return eqs
        lhs, grad, delta = self.rule_lines(self.n.layer("w", l), d, inp)
        eqs.append(Equation("w", lhs, [Line("symbolic", grad), Line("symbolic", delta)]))
        if self.bias == "none":
            return eqs
        if not self.update_biases:  # frozen: the bias keeps its value
            eqs.append(Equation("b", self.rule_lines(b)[0], [Line("symbolic", b)]))
            return eqs
        if self.bias == "shared":  # one bias for the layer: its gradient is the sum of the layer's error signals
            lhs, grad, _ = self.rule_lines(b)
            eqs.append(Equation("b", lhs, [Line("symbolic", grad),
                                           Line("symbolic", infix("-", b, Factors((ETA, self.n.delta_sum(l)), "thin")))]))
            return eqs
        lhs, grad, delta = self.rule_lines(b, d, None)
        eqs.append(Equation("b", lhs, [Line("symbolic", grad), Line("symbolic", delta)]))
        return eqs

    # ---------------------------------------------------------- per step
    def value(self, ref: tuple, trace: Any, k: int) -> float:
        kind, l, *idx = ref
        if kind == "x":
            return float(trace.x[k][idx[0]])
        if kind == "z":
            return float(trace.z[k][idx[0]])
        if kind == "eta":
            return float(trace.learning_rate)
        if kind == "L":
            return float(trace.loss[k])
        if kind == "dLda":
            w = trace.w_new(l + 1, slice(k, k + 1))[0] if self.updated_weights else trace.w[l + 1][k]
            return float(w[:, idx[0]] @ trace.delta[l + 1][k])
        if kind == "mu":
            return float(trace.variant.momentum)
        if kind in ("v", "vb"):
            return float((trace.v_w if kind == "v" else trace.v_b)[l][k][tuple(idx)])
        if kind in ("vn", "vbn"):  # the velocity after the step, by the engine's rule
            sl = slice(k, k + 1)
            v, g = (trace.v_w[l][k], trace.grad_w(l, sl)[0]) if kind == "vn" else (trace.v_b[l][k], trace.grad_b(l, sl)[0])
            return float(trace.rule.velocity(v, g)[tuple(idx)])
        if kind == "esum":
            return float(np.exp(trace.s[l][k]).sum())
        if kind == "dsum":
            return float(trace.delta[l][k].sum(axis=-1))  # as core.update.bias_gradient sums it
        if kind in ("wn", "bn") and not trace.variant.is_default:
            # the variant's rule (core.update), by the trace
            new = trace.w_new(l, slice(k, k + 1)) if kind == "wn" else trace.b_new(l, slice(k, k + 1))
            return float(new[0][tuple(idx)] if kind == "wn" else new[0][idx[0]])
        if kind in ("wn", "bn"):
            # the engine's rule on this one parameter, so the value equals trace.w_new bit for bit
            j, i = idx[0], (idx[1] if kind == "wn" else 0)
            d = trace.delta[l][k][j:j + 1]
            if kind == "bn":
                return float(update.descend(trace.b[l][k][j], d[0], trace.learning_rate))
            g = update.gradient(d, trace.layer_input(l)[k][i:i + 1])[0, 0]
            return float(update.descend(trace.w[l][k][j, i], g, trace.learning_rate))
        arr = {"w": trace.w, "b": trace.b, "s": trace.s, "a": trace.a, "d": trace.delta}[kind][l][k]
        return float(arr[tuple(idx)])

    def equations(self, key: str, trace: Any, k: int, digits: int) -> list[Equation]:
        out = []
        for spec in self.specs.get(key, []):
            lines = []
            for kind, piece in spec.lines:
                if isinstance(piece, (Form, Parts, _Applied)):
                    piece = piece.fill([self.value(r, trace, k) for r in piece.refs], digits)
                lines.append(Line(kind, piece))
            v = self.value(spec.value, trace, k) if spec.value else None
            if v is not None:
                lines.append(Line("result", Num(fmt(v, digits))))
            out.append(Equation(spec.name, spec.lhs, lines, v))
        return out


class _Applied:
    """f(number) for activations sympy keeps as a function (tanh, relu, linear)."""

    def __init__(self, model: Model, l: int, s: sp.Symbol):
        self.model, self.l = model, l
        self.refs = [model.refs[s]]

    def fill(self, values: Sequence[float], digits: int) -> Node:
        return self.model.f_apply(self.l, Num(fmt(values[0], digits)))


@functools.lru_cache(maxsize=32)
def model(layers: tuple[int, ...], activations: tuple[str, ...], full: bool = False,
          loss: str = "mse", bias: str = "per-node", update_biases: bool = True, updated_weights: bool = False,
          momentum: bool = False) -> Model:
    """The cached :class:`Model` of a structure (pass tuples)."""
    return Model(layers, activations, full, loss, bias, update_biases, updated_weights, momentum)


