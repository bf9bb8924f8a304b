"""The per-structure model: sympy builds a network structure's equations once; each step fills in numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Sequence

import sympy as sp

from tracer.core import activations as acts
from tracer.core import update
from tracer.explain.notation import Names, function
from tracer.core.numbers import fmt
from tracer.explain.pieces import Equation, Line, Math
from tracer.explain.printing import (
    FEW,
    Form,
    Parts,
    latex_of,
    line_of,
    parenthesised,
    product,
    static_line,
    text_of,
)

__all__ = ["Model", "model"]


# --------------------------------------------------------------------------
# the per-structure model


@dataclass
class _Spec:
    """An equation of the structure: its static lines, its slotted forms, where its value comes from."""

    name: str
    lhs: Math | None
    lines: list[tuple[str, Any]]  # (kind, Math | Form)
    value: tuple | None  # a ref (kind, layer, index...) or None


def _pderiv(top: tuple[str, str], var: tuple[str, str]) -> tuple[str, str]:
    """∂top/∂var in LaTeX and text."""
    return rf"\frac{{\partial {top[0]}}}{{\partial {var[0]}}}", f"∂{top[1]}/∂{var[1]}"


class Model:
    """The sympy work for one network structure: every equation of every shown node.

    Built once per (layers, activations, full) and cached by :func:`model`.
    """

    def __init__(self, layers: Sequence[int], activations: Sequence[str], full: bool = False):
        self.layers = list(layers)
        self.acts = list(activations)
        self.full = full
        self.n = Names(self.layers)
        self.refs: dict[sp.Symbol, tuple] = {}
        self.tex: dict[sp.Symbol, str] = {}
        self.txt: dict[sp.Symbol, str] = {}
        self._syms: dict[tuple, sp.Symbol] = {}
        self.cdots = sp.Symbol("cdots")
        self.tex[self.cdots], self.txt[self.cdots] = r"\cdots", "⋯"
        self.specs: dict[str, list[_Spec]] = {}
        self.general: dict[str, list[Equation]] = {}
        self.derivation: dict[str, list[Equation]] = {}
        self._build()

    # ------------------------------------------------------------ symbols
    def sym(self, kind: str, l: int | None = None, *idx: int) -> sp.Symbol:
        """The symbol of a recorded quantity, with its names and where its value lives."""
        key = (kind, l, *idx)
        if key in self._syms:
            return self._syms[key]
        n = self.n
        names = {
            "x": lambda: n.x(idx[0]),
            "z": lambda: n.z(idx[0]),
            "eta": lambda: (r"\eta", "η"),
            "w": lambda: n.w(l, *idx),
            "b": lambda: n.b(l, idx[0]),
            "s": lambda: n.s(l, idx[0]),
            "a": lambda: n.a(l, idx[0]),
            "d": lambda: n.d(l, idx[0]),
            "dLda": lambda: _pderiv(("L", "L"), n.a(l, idx[0])),
        }[kind]()
        s = sp.Symbol("_".join(map(str, (kind, l, *idx))))
        self._syms[key] = s
        self.refs[s] = key
        self.tex[s], self.txt[s] = names
        return s

    def inp(self, l: int, i: int) -> sp.Symbol:
        return self.sym("x", None, i) if l == 0 else self.sym("a", l - 1, i)

    def shown(self, l: int) -> list[int]:
        """The nodes of weight layer ``l`` shown in full."""
        n = self.layers[l + 1]
        return list(range(n)) if (self.full or n <= FEW) else [0]

    def big(self, l: int) -> bool:
        return len(self.shown(l)) < self.layers[l + 1]

    # ------------------------------------------------------------ printing
    def m(self, expr: Any, dot: bool = False) -> Math:
        """An expression in the document's names (symbolic form)."""
        return Math(latex_of(expr, self.tex, dot), text_of(expr, self.txt))

    def form(self, expr: Any) -> Form:
        return Form(expr, self)

    def names(self, sym: sp.Symbol) -> Math:
        return Math(self.tex[sym], self.txt[sym])

    # ------------------------------------------------------------ pieces
    def sum_expr(self, l: int, j: int, short: bool = False) -> Any:
        """s = in_0 w_0 + in_1 w_1 + ... + b, in the document's order; ``short`` elides the middle."""
        n_in = self.layers[l]
        idx = list(range(n_in))
        terms = [sp.Mul(self.inp(l, i), self.sym("w", l, j, i), evaluate=False) for i in idx]
        if short and n_in > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        return sp.Add(*terms, self.sym("b", l, j), evaluate=False)

    def f_def(self, l: int, s: sp.Symbol) -> Any:
        """f(s) as sympy writes it (the sigmoid's formula; tanh, relu as functions)."""
        return acts.get(self.acts[l]).form(sp, s)

    def f_apply(self, l: int, arg: Math) -> Math:
        name = self.acts[l]
        if name == "linear":
            return arg
        tex, txt = function(name)
        return Math(rf"{tex}({arg.latex})", f"{txt}({arg.text})")

    def f_prime(self, l: int, arg: Math) -> Math:
        name = self.acts[l]
        tex, txt = function(name)
        return Math(rf"{tex}'({arg.latex})", f"{txt}'({arg.text})")

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
            self.specs[f"{pre}_update.{l}"] = self._updates(l)
            self.general[f"{pre}_sum.{l}"] = self._general_sum(l)
            self.general[f"{pre}_activation.{l}"] = self._general_activation(l)
            self.general[f"{pre}_update.{l}"] = self._general_update(l)
        out = L - 1
        self.specs["loss"] = self._loss()
        self.specs[f"output_delta.{out}"] = self._output_deltas()
        self.derivation[f"output_delta.{out}"] = self._output_derivation()
        for l in range(out):
            self.specs[f"hidden_delta.{l}"] = self._hidden_deltas(l)
            self.derivation[f"hidden_delta.{l}"] = self._hidden_derivation(l)

    def _sums(self, l: int) -> list[_Spec]:
        specs = []
        for j in self.shown(l):
            e = self.sum_expr(l, j)
            specs.append(_Spec(
                f"s[{j}]", self.names(self.sym("s", l, j)),
                [("symbolic", self.m(e)), ("substituted", self.form(e)), ("evaluated", Parts(e, self))], ("s", l, j)))
        return specs

    def _general_sum(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        inp = ("x", "x") if l == 0 else ("a", "a")
        s_lhs = Math(f"s_{{{t}}}", f"s{u}")
        return [Equation("s", s_lhs, [
            static_line("symbolic", rf"{inp[0]}_0 w_0 + {inp[0]}_1 w_1 + \cdots + {inp[0]}_n w_n + b_{{{t}}}",
                    f"{inp[1]}₀·w₀ + {inp[1]}₁·w₁ + ⋯ + {inp[1]}ₙ·wₙ + b{u}"),
            static_line("symbolic", rf"\sum_{{i=0}}^{{n}} {inp[0]}_i w_i + b_{{{t}}}", f"Σᵢ {inp[1]}ᵢ·wᵢ + b{u}"),
        ])]

    def _activations(self, l: int) -> list[_Spec]:
        specs = []
        for j in self.shown(l):
            s = self.sym("s", l, j)
            lines: list[tuple[str, Any]] = [("symbolic", self.f_apply(l, self.names(s)))]
            d = self.f_def(l, s)
            if d.has(sp.exp):  # the sigmoid: show its formula, then fill it in
                lines += [("symbolic", self.m(d)), ("substituted", self.form(d))]
            else:
                lines.append(("substituted", _Applied(self, l, s)))
            specs.append(_Spec(f"a[{j}]", self.names(self.sym("a", l, j)), lines, ("a", l, j)))
        return specs

    def _general_activation(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        a = ("y", "y") if l == self.n.out else ("a", "a")
        s = sp.Symbol("s")
        name = self.acts[l]
        sm = Math(f"s_{{{t}}}", f"s{u}")
        eqs = [Equation("a", Math(f"{a[0]}_{{{t}}}", f"{a[1]}{u}"),
                        [line_of("symbolic", Math(f"f_{{{t}}}(s_{{{t}}})", f"f{u}(s{u})")),
                         line_of("symbolic", self.f_apply(l, sm))])]
        if name in ("sigmoid", "tanh"):
            e = sp.exp
            d = (1 / (1 + e(-s))) if name == "sigmoid" else sp.Mul(
                sp.Add(e(s), -e(-s), evaluate=False), sp.Pow(sp.Add(e(s), e(-s), evaluate=False), -1, evaluate=False),
                evaluate=False)
            names = {s: f"s_{{{t}}}"}
            eqs.append(Equation("f", self.f_apply(l, sm), [line_of("symbolic", Math(latex_of(d, names, False), text_of(d, {s: f"s{u}"})))]))
        elif name == "relu":  # its definition too, as sympy writes it in the derivation (Max)
            eqs.append(Equation("f", self.f_apply(l, sm), [line_of("symbolic", Math(rf"\max(0, s_{{{t}}})", f"max(0, s{u})"))]))
        return eqs

    def _loss(self) -> list[_Spec]:
        e = self.loss_expr()
        return [_Spec("L", Math("L", "L"), [("symbolic", self.m(e)), ("substituted", self.form(e))], ("L", None))]

    def loss_expr(self) -> Any:
        out = self.n.out
        sq = [sp.Pow(sp.Add(self.sym("a", out, k), -self.sym("z", None, k), evaluate=False), 2, evaluate=False)
              for k in range(self.layers[-1])]
        inner = sq[0] if len(sq) == 1 else sp.Add(*sq, evaluate=False)
        return sp.Mul(sp.Rational(1, 2), inner, evaluate=False)

    # ---------------------------------------------------------- deltas
    def _output_derivation(self) -> list[Equation]:
        """The chain rule for output node 0 and its weight 0, every derivative taken by sympy."""
        out, n = self.n.out, self.n
        y, s, _z = self.sym("a", out, 0), self.sym("s", out, 0), self.sym("z", None, 0)  # z registered with the others
        w, b = self.sym("w", out, 0, 0), self.sym("b", out, 0)
        Lx = self.loss_expr()
        dLdy = sp.diff(Lx, y)
        dyds = sp.diff(self.f_def(out, s), s)
        s_short = self.sum_expr(out, 0, short=True)
        dsdw = sp.diff(s_short, w)
        dsdb = sp.diff(s_short, b)
        L_ = ("L", "L")
        ym, sm, wm, bm = n.a(out, 0), n.s(out, 0), n.w(out, 0, 0), n.b(out, 0)
        dm = n.d(out, 0)

        def op(var, expr) -> Math:
            inner = self.m(expr)
            return Math(rf"\frac{{\partial}}{{\partial {var[0]}}} \left({inner.latex}\right)", f"∂/∂{var[1]} ({inner.text})")

        def eq(name, top, var, *lines) -> Equation:
            out: list[Line] = []
            for k, m in lines:  # sympy's derivative may already be the document's form (tanh, linear)
                if not out or out[-1].latex != m.latex:
                    out.append(line_of(k, m))
            return Equation(name, Math(*_pderiv(top, var)), out)

        df = self.df_out(out, 0)
        delta = product(dLdy, df)
        return [
            eq("dL/dy", L_, ym, ("derivation", op(ym, Lx)), ("result", self.m(dLdy))),
            eq("dy/ds", ym, sm, ("derivation", op(sm, self.f_def(out, s))), ("derivation", self.m(dyds)),
               ("result", self.m(df))),
            eq("ds/dw", sm, wm, ("derivation", op(wm, s_short)), ("result", self.m(dsdw))),
            eq("ds/db", sm, bm, ("derivation", op(bm, s_short)), ("result", self.m(dsdb))),
            Equation("delta", Math(*dm), [
                line_of("derivation", Math(*_pderiv(L_, sm))),
                line_of("derivation", Math(_pderiv(L_, ym)[0] + r" \cdot " + _pderiv(ym, sm)[0],
                                         _pderiv(L_, ym)[1] + " · " + _pderiv(ym, sm)[1])),
                line_of("symbolic", Math(parenthesised(self.m(dLdy)).latex + r" \cdot " + self.f_prime(out, Math(*sm)).latex,
                                       parenthesised(self.m(dLdy)).text + " · " + self.f_prime(out, Math(*sm)).text)),
                line_of("symbolic", self.m(delta)),
            ]),
            Equation("grad w", Math(rf"\nabla L({wm[0]})", f"∇L({wm[1]})"), [
                line_of("derivation", Math(*_pderiv(L_, wm))),
                line_of("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, wm)[0],
                                         _pderiv(L_, sm)[1] + " · " + _pderiv(sm, wm)[1])),
                line_of("symbolic", self.m(sp.Mul(self.sym("d", out, 0), dsdw, evaluate=False))),
            ]),
            Equation("grad b", Math(rf"\nabla L({bm[0]})", f"∇L({bm[1]})"), [
                line_of("derivation", Math(*_pderiv(L_, bm))),
                line_of("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, bm)[0],
                                         _pderiv(L_, sm)[1] + " · " + _pderiv(sm, bm)[1])),
                line_of("symbolic", self.m(sp.Mul(self.sym("d", out, 0), dsdb))),
            ]),
        ]

    def _output_deltas(self) -> list[_Spec]:
        out = self.n.out
        specs = []
        for k in self.shown(out):
            y, z, s = self.sym("a", out, k), self.sym("z", None, k), self.sym("s", out, k)
            err = sp.Add(y, -z, evaluate=False)
            e = product(self.df_out(out, k), err)
            gen = Math(self.f_prime(out, self.names(s)).latex + r" \cdot " + parenthesised(self.m(err)).latex,
                       self.f_prime(out, self.names(s)).text + " · " + parenthesised(self.m(err)).text)
            specs.append(_Spec(f"delta[{k}]", self.names(self.sym("d", out, k)),
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
        am, sm, wm, bm, dm = n.a(l, 0), n.s(l, 0), n.w(l, 0, 0), n.b(l, 0), n.d(l, 0)
        L_ = ("L", "L")

        def op(var, expr) -> Math:
            inner = self.m(expr)
            return Math(rf"\frac{{\partial}}{{\partial {var[0]}}} \left({inner.latex}\right)", f"∂/∂{var[1]} ({inner.text})")

        eqs = []
        # ds_next[k]/da: sympy differentiates each next-layer sum (shown for node 0 of the next layer)
        s_next = self.sum_expr(l + 1, 0, short=True)
        if not s_next.has(a):  # the elided sum must still contain a_[0]
            s_next = self.sum_expr(l + 1, 0)
        dnext = sp.diff(s_next, a)
        snm = n.s(l + 1, 0)
        eqs.append(Equation("ds/da", Math(*_pderiv(snm, am)), [line_of("derivation", op(am, s_next)), line_of("result", self.m(dnext))]))
        terms = [sp.Mul(self.sym("d", l + 1, k), sp.diff(self.sum_expr(l + 1, k), a), evaluate=False) for k in range(nxt)]
        if nxt > 4:
            terms = [terms[0], terms[1], self.cdots, terms[-1]]
        dLda = terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
        chain = " + ".join(_pderiv(L_, n.s(l + 1, k))[0] + " " + _pderiv(n.s(l + 1, k), am)[0] for k in range(min(nxt, 2)))
        chain_t = " + ".join(_pderiv(L_, n.s(l + 1, k))[1] + "·" + _pderiv(n.s(l + 1, k), am)[1] for k in range(min(nxt, 2)))
        if nxt > 2:
            chain, chain_t = chain + r" + \cdots", chain_t + " + ⋯"
        eqs.append(Equation("dL/da", Math(*_pderiv(L_, am)), [
            line_of("derivation", Math(chain, chain_t)), line_of("result", self.m(dLda))]))
        dads = sp.diff(self.f_def(l, s), s)
        da_lines = [line_of("derivation", op(sm, self.f_def(l, s))), line_of("derivation", self.m(dads))]
        if self.m(self.df_out(l, 0)).latex != da_lines[-1].latex:
            da_lines.append(line_of("result", self.m(self.df_out(l, 0))))
        eqs.append(Equation("da/ds", Math(*_pderiv(am, sm)), da_lines))
        s_short = self.sum_expr(l, 0, short=True)
        eqs.append(Equation("ds/dw", Math(*_pderiv(sm, wm)), [line_of("derivation", op(wm, s_short)), line_of("result", self.m(sp.diff(s_short, w)))]))
        eqs.append(Equation("ds/db", Math(*_pderiv(sm, bm)), [line_of("derivation", op(bm, s_short)), line_of("result", self.m(sp.diff(s_short, b)))]))
        # each gradient as the output layer's: dL/dp, then the chain rule, then in symbols
        eqs.append(Equation("delta", Math(*dm), [
            line_of("derivation", Math(*_pderiv(L_, sm))),
            line_of("derivation", Math(_pderiv(L_, am)[0] + r" \cdot " + _pderiv(am, sm)[0], _pderiv(L_, am)[1] + " · " + _pderiv(am, sm)[1])),
            line_of("symbolic", Math(self.f_prime(l, Math(*sm)).latex + r" \cdot " + _pderiv(L_, am)[0],
                                   self.f_prime(l, Math(*sm)).text + " · " + _pderiv(L_, am)[1])),
        ]))
        eqs.append(Equation("grad w", Math(rf"\nabla L({wm[0]})", f"∇L({wm[1]})"), [
            line_of("derivation", Math(*_pderiv(L_, wm))),
            line_of("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, wm)[0], _pderiv(L_, sm)[1] + " · " + _pderiv(sm, wm)[1])),
            line_of("symbolic", self.m(sp.Mul(self.sym("d", l, 0), sp.diff(s_short, w), evaluate=False)))]))
        eqs.append(Equation("grad b", Math(rf"\nabla L({bm[0]})", f"∇L({bm[1]})"), [
            line_of("derivation", Math(*_pderiv(L_, bm))),
            line_of("derivation", Math(_pderiv(L_, sm)[0] + r" \cdot " + _pderiv(sm, bm)[0], _pderiv(L_, sm)[1] + " · " + _pderiv(sm, bm)[1])),
            line_of("symbolic", self.m(sp.Mul(self.sym("d", l, 0), sp.diff(s_short, b))))]))
        return eqs

    def _hidden_deltas(self, l: int) -> list[_Spec]:
        nxt = self.layers[l + 2]
        specs = []
        for j in self.shown(l):
            _a, s, d = self.sym("a", l, j), self.sym("s", l, j), self.sym("d", l, j)
            back = [sp.Mul(self.sym("w", l + 1, k, j), self.sym("d", l + 1, k), evaluate=False) for k in range(nxt)]
            fp = self.f_prime(l, self.names(s))
            df = self.df_out(l, j)
            if nxt == 1:  # the document's form: f'(s) · w δ in one line
                e = product(df, back[0])
                gen = Math(fp.latex + r" \cdot " + self.m(back[0]).latex, fp.text + " · " + self.m(back[0]).text)
                specs.append(_Spec(f"delta[{j}]", self.names(d),
                                   [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e))],
                                   ("d", l, j)))
                continue
            # Several nodes feed back: first their sum dL/da, then delta.
            g = self.sym("dLda", l, j)
            sum_e = sp.Add(*back, evaluate=False)
            specs.append(_Spec(f"dL/da[{j}]", self.names(g),
                               [("symbolic", self.m(sum_e)), ("substituted", self.form(sum_e)),
                                ("evaluated", Parts(sum_e, self))], ("dLda", l, j)))
            e = product(df, g)
            gen = Math(fp.latex + r" \cdot " + self.tex[g], fp.text + " · " + self.txt[g])
            specs.append(_Spec(f"delta[{j}]", self.names(d),
                               [("symbolic", gen), ("symbolic", self.m(e, dot=True)), ("substituted", self.form(e))],
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
    def rule_lines(p: tuple[str, str], d: tuple[str, str] | None = None,
                   inp: tuple[str, str] | None = None) -> tuple[Math, Math, Math | None]:
        """The rule for ``p`` written out: p_new, p - eta grad L(p) and, given ``d``, p - eta delta (input)."""
        new = Math(rf"{p[0]}^{{\text{{new}}}}", p[1] + "ⁿᵉʷ")
        grad = Math(rf"{p[0]} - \eta \nabla L({p[0]})", f"{p[1]} - η·∇L({p[1]})")
        if d is None:
            return new, grad, None
        tex = rf"{p[0]} - \eta \, {d[0]}" + (rf" \, {inp[0]}" if inp else "")
        return new, grad, Math(tex, f"{p[1]} - η·{d[1]}" + (f"·{inp[1]}" if inp else ""))

    def _updates(self, l: int) -> list[_Spec]:
        n = self.n
        specs, biases = [], []
        for j in self.shown(l):
            d = self.sym("d", l, j)
            for i in range(self.layers[l]):
                e = self.rule(self.sym("w", l, j, i), d, self.inp(l, i))
                lhs, grad, _ = self.rule_lines(n.w(l, j, i))
                specs.append(_Spec(f"w[{j}][{i}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)),
                                                     ("substituted", self.form(e))], ("wn", l, j, i)))
            e = self.rule(self.sym("b", l, j), d)
            lhs, grad, _ = self.rule_lines(n.b(l, j))
            biases.append(_Spec(f"b[{j}]", lhs, [("symbolic", grad), ("symbolic", self.m(e)), ("substituted", self.form(e))],
                                ("bn", l, j)))
        return specs + biases  # the document lists every weight, then the biases

    def _general_update(self, l: int) -> list[Equation]:
        t, u = self.n.tag(l)
        inp = ("x_{i}", "xᵢ") if l == 0 else ("a_{i}", "aᵢ")
        d = (rf"\delta_{{{t}}}", f"δ{u}")
        eqs = []
        for name, p, p_inp in (("w", (f"w_{{{t}}}", f"w{u}"), inp), ("b", (f"b_{{{t}}}", f"b{u}"), None)):
            lhs, grad, delta = self.rule_lines(p, d, p_inp)
            eqs.append(Equation(name, lhs, [static_line("symbolic", grad.latex, grad.text),
                                            static_line("symbolic", delta.latex, delta.text)]))
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
            return float(trace.w[l + 1][k][:, idx[0]] @ trace.delta[l + 1][k])
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
                lines.append(line_of(kind, piece))
            v = self.value(spec.value, trace, k) if spec.value else None
            if v is not None:
                lines.append(line_of("result", Math(fmt(v, digits), fmt(v, digits))))
            out.append(Equation(spec.name, spec.lhs, lines, v))
        return out


class _Applied:
    """f(number) for activations sympy keeps as a function (tanh, relu, linear)."""

    def __init__(self, model: Model, l: int, s: sp.Symbol):
        self.model, self.l = model, l
        self.refs = [model.refs[s]]

    def fill(self, values: Sequence[float], digits: int) -> Math:
        v = fmt(values[0], digits)
        return self.model.f_apply(self.l, Math(v, v))


@functools.lru_cache(maxsize=32)
def model(layers: tuple[int, ...], activations: tuple[str, ...], full: bool = False) -> Model:
    """The cached :class:`Model` of a structure (pass tuples)."""
    return Model(layers, activations, full)


