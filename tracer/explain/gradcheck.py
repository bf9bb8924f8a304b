"""mlptrace check: the engine's gradients against finite differences and sympy.

For every weight and bias, at the first training step (or the first K), the
engine's gradient (``trace.grad_w(l)``, ``trace.delta[l]``: what backprop
computed with the activations' f' written in terms of their outputs) is
compared with two references that share none of that code:

- a central finite difference of the loss, recomputed with the engine's
  forward pass (``MLP.forward``) with one parameter moved; the fourth-order
  stencil (-L(p+2h) + 8L(p+h) - 8L(p-h) + L(p-2h)) / 12h with
  h = 1e-3 max(1, |p|) is accurate to about 1e-12 here, where the two-point
  one stops near 1e-9.  When a relu's sum changes sign inside the stencil
  (a kink) the loss is not smooth there: the difference is retaken with
  smaller steps for display, and that parameter is held to sympy alone;
- sympy: the full loss L(w, b) = 1/2 sum (y - z)^2 built as one expression
  of every parameter symbol, differentiated by ``sympy.diff`` with respect
  to each parameter and evaluated at the step's numbers (lambdified once
  per network structure).  The full expression of a deep, wide network has
  a size that grows with the product of its layer widths, so above
  ``FULL_BUDGET`` the derivatives are taken layer by layer instead: sympy
  differentiates the loss with respect to the outputs and each activation
  f(s) with respect to its sum (so f' comes from sympy, not from the
  engine's a(1-a)), and the chain rule joins them.

Two numbers agree when |a - b| / max(|a|, |b|, floor) <= RTOL (1e-6), so a
gradient near zero is compared absolutely.  Against the finite difference
floor = FLOOR * max(1, loss), as a difference of losses carries rounding
noise of about 1e-12 times the loss; against sympy, whose values carry only
float64 rounding, floor = SYMPY_FLOOR * max(1, loss).  A row's relative
error is the larger of the two comparisons.

API (for the report's appendix)::

    res = gradient_check(cfg_or_trace, steps=1)
    res.ok, res.worst, res.rows          # GradRow: step, layer, name, symbol, engine, fd, sympy, error, ok
    res.per_layer()                      # LayerSummary per (step, layer): count, worst row
    res.symbolic                         # "full" | "layered" | "none"
    res.summary()                        # one sentence
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from tracer.core.numbers import gradient
from tracer.config.schema import Config
from tracer.config.trace_io import as_trace_or_config
from tracer.core.engine import MLP
from tracer.core.trace import Trace
from tracer.errors import InputError
from tracer.explain.nodes import Name

__all__ = ["RTOL", "FLOOR", "SYMPY_FLOOR", "GradRow", "LayerSummary", "CheckResult", "gradient_check"]

RTOL = 1e-6
FLOOR = 1e-5  # times max(1, loss): below this a finite difference is compared absolutely
SYMPY_FLOOR = 1e-10  # the same for sympy's values
FULL_BUDGET = 150_000  # parameters x size of the full loss expression; about 5 s of sympy
SUMMARY_OVER = 40  # rows per step above which the command prints one line per layer
# The command's --steps: each step takes four finite differences of every
# parameter and evaluates sympy's derivatives, about 20 ms a step for the
# document's 2-3-1 network, so 100 steps finish in a few seconds (10,000 took
# minutes).  config.CHECK_GRADIENTS bounds steps times parameters as well.
MAX_STEPS = 100


@dataclass
class GradRow:
    """One parameter at one step: the engine's gradient and the two references."""

    step: int
    layer: int
    name: str  # plain text, the document's notation: wₕ[1][0]
    symbol: Name  # the same name as structure, for a printer
    engine: float
    fd: float
    sympy: float
    error: float  # the larger relative error of engine vs fd and engine vs sympy
    ok: bool
    floor: float  # the finite difference's floor at this step: FLOOR * max(1, loss)
    kink: bool = False  # near a relu kink: compared with sympy only


@dataclass
class LayerSummary:
    step: int
    layer: int
    name: str  # "the hidden layer", "hidden layer 2", "the output layer"
    count: int
    worst: GradRow


@dataclass
class CheckResult:
    rows: list[GradRow]
    layer_names: list[str]
    steps: int
    symbolic: str  # full | layered | none
    rtol: float = RTOL
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[GradRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def worst(self) -> GradRow:
        return max(self.rows, key=_badness)

    def per_layer(self) -> list[LayerSummary]:
        out = []
        for k in sorted({r.step for r in self.rows}):
            for l, name in enumerate(self.layer_names):
                rows = [r for r in self.rows if r.step == k and r.layer == l]
                out.append(LayerSummary(k, l, name, len(rows), max(rows, key=_badness)))
        return out

    def summary(self) -> str:
        w = self.worst
        at = f"{w.name}" + (f" at step {w.step}" if self.steps > 1 else "")
        n = len(self.rows)
        if self.ok:
            return (f"all {n} gradients agree within {self.rtol:g} (relative); "
                    f"the largest relative error is {w.error:.1e} ({at})")
        bad = len(self.failures)
        return (f"{bad} of {n} gradients disagree beyond {self.rtol:g} (relative); worst {at}: "
                f"engine {gradient(w.engine)}, finite difference {gradient(w.fd)}, sympy {gradient(w.sympy)}")


def _badness(r: GradRow) -> float:
    """Sort key: a row whose numbers are not finite is the worst; one compared with nothing the least bad."""
    if math.isnan(r.error):
        return -1.0 if r.ok else math.inf
    return r.error


# ---------------------------------------------------------------------------
# the references


def _loss(net: MLP, x: np.ndarray, z: np.ndarray, relu: list[int]) -> tuple[float, tuple]:
    """The loss by the engine's forward pass, and the sign pattern of every relu layer's sums."""
    sums, outs = net.forward(x)
    err = outs[-1] - z
    return 0.5 * float(err @ err), tuple((sums[l] > 0).tobytes() for l in relu)


def _finite_differences(params: list[tuple[np.ndarray, np.ndarray]], acts: Sequence[str],
                        x: np.ndarray, z: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dL/dp for every parameter, in the engine's layout (W0, b0, W1, b1, ...), and where a kink got in the way.

    The second list marks the parameters whose stencil crossed a relu kink
    (some relu's sum changed sign): the loss is not smooth there, so the
    difference is retaken with smaller steps for display (NaN if even 1e-9
    crosses), but it is too noisy to hold the engine to 1e-6.
    """
    n = len(params)
    full = MLP(params, acts)
    _, outs = full.forward(x)
    grads, near = [], []
    for l in range(n):
        # Moving a parameter of layer l leaves the layers before it alone, so
        # the engine's forward pass runs from layer l, on what layer l received.
        sub = MLP(params[l:], acts[l:])
        inp = x if l == 0 else outs[l - 1]
        relu = [i for i, a in enumerate(acts[l:]) if a == "relu"]
        _, base = _loss(sub, inp, z, relu)
        for arr in (sub.W[0], sub.b[0]):
            g, kinked = np.full(arr.shape, math.nan), np.zeros(arr.shape, dtype=bool)
            flat = arr.reshape(-1)  # a view: writing it moves the parameter
            for k in range(flat.size):
                p = flat[k]
                h = 1e-3 * max(1.0, abs(p))
                while h >= 1e-9:
                    vals, crossed = [], False
                    for c in (2.0, 1.0, -1.0, -2.0):
                        flat[k] = p + c * h
                        v, pattern = _loss(sub, inp, z, relu)
                        vals.append(v)
                        crossed |= pattern != base
                    flat[k] = p  # restore exactly
                    if not crossed:
                        g.flat[k] = (-vals[0] + 8.0 * vals[1] - 8.0 * vals[2] + vals[3]) / (12.0 * h)
                        break
                    kinked.flat[k] = True
                    h *= 0.1
            grads.append(g)
            near.append(kinked)
    return grads, near


def _expression_size(layers: Sequence[int]) -> int:
    """Leaves of the full loss written out as a tree: each node repeats its whole input's expression."""
    prev = 1
    for fan_in in layers[:-1]:
        prev = fan_in * (prev + 2) + 2
    return layers[-1] * prev


def _relu_convention(expr: Any) -> Any:
    """sympy's relu'(0) is Heaviside(0) = 1/2; take it as 0, the engine's (and most libraries') convention."""
    import sympy as sp

    return expr.replace(sp.Heaviside, lambda s, *_: sp.Heaviside(s, 0))


_FULL_CACHE: dict[tuple, Any] = {}


def _full_sympy(layers: Sequence[int], acts: Sequence[str]) -> Any:
    """One function of (x, z, every parameter) returning sympy's dL/dp for every p, in the engine's order."""
    key = (tuple(layers), tuple(acts))
    if key in _FULL_CACHE:
        return _FULL_CACHE[key]
    import sympy as sp

    from tracer.core import activations
    from tracer.explain.algebra import lambdify_numpy

    xs = sp.symbols(f"x0:{layers[0]}", real=True)
    zs = sp.symbols(f"z0:{layers[-1]}", real=True)
    params: list[Any] = []
    a: list[Any] = list(xs)
    for l, (m, n) in enumerate(zip(layers[:-1], layers[1:])):
        W = [[sp.Symbol(f"w{l}_{j}_{i}", real=True) for i in range(m)] for j in range(n)]
        b = [sp.Symbol(f"b{l}_{j}", real=True) for j in range(n)]
        params += [W[j][i] for j in range(n) for i in range(m)] + b
        form = activations.get(acts[l]).form
        a = [form(sp, sp.Add(*(W[j][i] * a[i] for i in range(m))) + b[j]) for j in range(n)]
    loss = sp.Rational(1, 2) * sp.Add(*((y - t) ** 2 for y, t in zip(a, zs)))
    grads = [_relu_convention(sp.diff(loss, p)) for p in params]
    fn = lambdify_numpy([*xs, *zs, *params], grads, cse=True)
    _FULL_CACHE[key] = fn
    return fn


_LOCAL_CACHE: dict[str, Any] = {}


def _local_sympy(name: str) -> tuple[Any, Any]:
    """f(s) and sympy's f'(s), as numeric functions of the sum."""
    if name not in _LOCAL_CACHE:
        import sympy as sp

        from tracer.core import activations
        from tracer.explain.algebra import lambdify_numpy

        s = sp.Symbol("s", real=True)
        f = activations.get(name).form(sp, s)
        df = _relu_convention(sp.diff(f, s))
        _LOCAL_CACHE[name] = (lambdify_numpy([s], f), lambdify_numpy([s], df))
    return _LOCAL_CACHE[name]


def _layered_sympy(params: list[tuple[np.ndarray, np.ndarray]], acts: Sequence[str],
                   x: np.ndarray, z: np.ndarray) -> list[np.ndarray]:
    """dL/dp by the chain rule over sympy's derivatives of the loss and of each f(s)."""
    import sympy as sp

    from tracer.explain.algebra import lambdify_numpy

    y_, z_ = sp.symbols("y z", real=True)
    dloss = lambdify_numpy([y_, z_], sp.diff(sp.Rational(1, 2) * (y_ - z_) ** 2, y_))
    local = [_local_sympy(a) for a in acts]
    inputs, sums = [], []
    a = np.asarray(x, dtype=np.float64)
    for (W, b), (f, _) in zip(params, local):
        inputs.append(a)
        s = W @ a + b
        sums.append(s)
        a = np.broadcast_to(np.asarray(f(s), dtype=np.float64), s.shape)
    g = [None] * len(params)
    up = dloss(a, z)
    for l in range(len(params) - 1, -1, -1):
        dfds = np.broadcast_to(np.asarray(local[l][1](sums[l]), dtype=np.float64), sums[l].shape)
        g[l] = dfds * up
        up = params[l][0].T @ g[l]  # through the old weights of layer l, to the layer before
    out = []
    for l in range(len(params)):
        out += [np.outer(g[l], inputs[l]), g[l]]
    return out


# ---------------------------------------------------------------------------
# the check


def _relative(a: float, b: float, floor: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.nan
    return abs(a - b) / max(abs(a), abs(b), floor)


def gradient_check(source: Config | Trace, steps: int = 1, symbolic: str = "auto") -> CheckResult:
    """Compare the engine's gradients with finite differences and sympy at the first ``steps`` steps.

    ``source`` is a config (trained here for just those steps) or a trace
    (its first ``steps`` kept steps).  ``symbolic``: auto | full | layered | none.
    """
    if symbolic not in ("auto", "full", "layered", "none"):
        raise ValueError(f"symbolic must be auto, full, layered or none, not {symbolic!r}")
    source = as_trace_or_config(source)  # a path of either, too
    if isinstance(source, Trace):
        trace = source
    else:
        from tracer.config.run import record

        epochs = -(-steps // len(source.raw))  # enough epochs to reach the step
        trace, _ = record(source.replace(epochs=epochs), f"first:{steps}")
    if trace.n_steps == 0:
        raise InputError("trace", "steps", "the trace kept no steps to check")
    steps = min(steps, trace.n_steps)
    layers, acts = list(trace.layers), list(trace.activations)
    n_params = sum(m * n + n for m, n in zip(layers[:-1], layers[1:]))
    if symbolic == "auto":
        symbolic = "full" if n_params * _expression_size(layers) <= FULL_BUDGET else "layered"
    full = _full_sympy(layers, acts) if symbolic == "full" else None

    from tracer.explain.notation import Names, label

    names = Names(layers)
    grad_w = [trace.grad_w(l) for l in range(len(layers) - 1)]
    rows: list[GradRow] = []
    notes: list[str] = []
    unevaluable: list[str] = []
    for k in range(steps):
        params = [(trace.w[l][k].copy(), trace.b[l][k].copy()) for l in range(len(layers) - 1)]
        x, z = trace.x[k], trace.z[k]
        scale = max(1.0, float(trace.loss[k]))
        floor, sym_floor = FLOOR * scale, SYMPY_FLOOR * scale
        fd, near = _finite_differences(params, acts, x, z)
        if full is not None:
            flat = [v for W, b in params for v in (*W.ravel(), *b)]
            with np.errstate(all="ignore"):
                values = np.asarray(full(*x, *z, *flat), dtype=np.float64)
            sym, pos = [], 0
            for W, b in params:
                sym += [values[pos:pos + W.size].reshape(W.shape), values[pos + W.size:pos + W.size + b.size]]
                pos += W.size + b.size
        elif symbolic == "layered":
            with np.errstate(all="ignore"):
                sym = _layered_sympy(params, acts, x, z)
        else:
            sym = [np.full(p.shape, np.nan) for W, b in params for p in (W, b)]
        for l in range(len(layers) - 1):
            eng = [grad_w[l][k], trace.delta[l][k]]
            for part in (0, 1):
                for idx in np.ndindex(eng[part].shape):
                    e = float(eng[part][idx])
                    f_ = float(fd[2 * l + part][idx])
                    s_ = float(sym[2 * l + part][idx])
                    symbol = names.w(l, *idx) if part == 0 else names.b(l, *idx)
                    txt = label(symbol)
                    kink = bool(near[2 * l + part][idx])
                    errs = [] if kink else [_relative(e, f_, floor)]
                    if symbolic != "none" and (math.isfinite(s_) or not math.isfinite(e)):
                        errs.append(_relative(e, s_, sym_floor))
                    elif symbolic != "none":
                        # e^-s / (1 + e^-s)^2 is inf/inf in float64 once a sigmoid's sum is below -709
                        unevaluable.append(txt)
                    if not errs:  # near a kink with no symbolic reference: nothing to hold it to
                        rows.append(GradRow(k, l, txt, symbol, e, f_, s_, math.nan, True, floor, kink=True))
                        continue
                    err = math.nan if any(math.isnan(v) for v in errs) else max(errs)
                    rows.append(GradRow(k, l, txt, symbol, e, f_, s_, err, err <= RTOL, floor, kink))
    kinks = [r for r in rows if r.kink]
    if kinks:
        notes.append(
            f"{len(kinks)} finite difference{'s' if len(kinks) > 1 else ''} crossed a relu kink (a sum changing "
            f"sign within the step) and {'were' if len(kinks) > 1 else 'was'} compared with sympy only: "
            + ", ".join(r.name + (f" (step {r.step})" if steps > 1 else "") for r in kinks[:8])
            + (" ..." if len(kinks) > 8 else ""))
    if unevaluable:
        notes.append(f"sympy's derivative of {len(unevaluable)} parameter(s) overflows float64 (a saturated "
                     f"activation), so they were compared with the finite difference only: "
                     + ", ".join(unevaluable[:8]) + (" ..." if len(unevaluable) > 8 else ""))
    return CheckResult(rows, [names.layer_name(l) for l in range(len(layers) - 1)], steps, symbolic, RTOL, notes)
