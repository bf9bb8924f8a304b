"""The derivative of a tree, as a tree: the gradient column of a gradient-descent table."""

from __future__ import annotations

import math

from tracer.verify.arith.tree import Bin, Call, EvalError, Neg, Num, Pow, Var, fold


def diff(node, var: str):
    """The derivative of a tree with respect to ``var``, as a tree."""

    def combine(n, kids):  # kids: (derivative, whether it holds var) of each child
        if isinstance(n, Num):
            return Num(0.0), False
        if isinstance(n, Var):
            return Num(1.0 if n.name == var else 0.0), n.name == var
        if isinstance(n, Neg):
            (dx, has), = kids
            return Neg(dx), has
        if isinstance(n, Bin):
            (da, ha), (db, hb) = kids
            if n.op in "+-":
                return Bin(n.op, da, db), ha or hb
            if n.op == "*":
                return Bin("+", Bin("*", da, n.b), Bin("*", n.a, db)), ha or hb
            return Bin("/", Bin("-", Bin("*", da, n.b), Bin("*", n.a, db)), Pow(n.b, Num(2.0))), ha or hb
        if isinstance(n, Pow):
            (da, ha), (db, hb) = kids
            if hb:
                if n.a == Num(math.e):
                    return Bin("*", n, db), True
                raise EvalError("a variable in an exponent is not supported")
            return Bin("*", Bin("*", n.b, Pow(n.a, Bin("-", n.b, Num(1.0)))), da), ha
        if isinstance(n, Call):
            (inner, has), = kids
            if n.fn in ("sigmoid", "tanh") and n.primes == 0:
                outer = Call(n.fn, n.x, 1)
            elif n.fn == "exp":
                outer = n
            elif n.fn == "ln":
                outer = Bin("/", Num(1.0), n.x)
            elif n.fn == "sqrt":
                outer = Bin("/", Num(0.5), n)
            else:
                raise EvalError(f"cannot differentiate {n.fn}")
            return Bin("*", outer, inner), has
        raise EvalError("cannot differentiate this")

    return fold(node, combine)[0]
