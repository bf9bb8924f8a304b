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

The loss is the one the run trains on (``training.loss``: the squared
losses, or cross-entropy on sigmoid or softmax outputs), and the
parameters are the ones it moves: a shared bias is one parameter per layer
(its gradient the sum of the layer's error signals), biases that are absent
(``bias = "none"``) or frozen (``update_biases = false``) are no
parameters at all.  A step of a batch is checked against the gradient of
the batch's mean loss.  Momentum changes the step, not the gradient, so a
run with momentum is checked the same way; hidden error signals through
the *updated* weights are not the gradient of any loss, and are refused.

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
from tracer.core import losses
from tracer.core.engine import MLP
from tracer.core.variant import Variant
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
    """The loss by the engine's forward pass (the mean over a batch's rows), and the sign pattern of every relu layer's sums."""
    sums, outs = net.forward(x)
    err = outs[-1] - z
    if net.loss == "mse" and err.ndim == 1:  # one row of the document's loss, as the engine sums it
        value = 0.5 * float(err @ err)
    else:
        value = float(np.mean(losses.value(net.loss, net.act[-1].name, sums[-1], z, err)))
    return value, tuple((sums[l] > 0).tobytes() for l in relu)


def _bias_params(b: np.ndarray, variant: Variant) -> list[np.ndarray]:
    """Where each bias parameter of a layer sits among its nodes' biases.

    Per node: one parameter each; shared: one for the whole layer, moving
    every node's bias at once; none or frozen: no parameter.
    """
    if variant.bias == "none" or not variant.update_biases:
        return []
    if variant.bias == "shared":
        return [np.arange(b.size)]
    return [np.array([j]) for j in range(b.size)]


def _bias_values(b: np.ndarray, variant: Variant) -> list[float]:
    """A layer's bias values as sympy's function takes them: one per node, one per layer (shared), none."""
    if variant.bias == "none":
        return []
    return [float(b[0])] if variant.bias == "shared" else [float(v) for v in b]


def _finite_differences(params: list[tuple[np.ndarray, np.ndarray]], acts: Sequence[str],
                        x: np.ndarray, z: np.ndarray, variant: Variant) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dL/dp for every parameter, in the engine's layout (W0, b0, W1, b1, ...), and where a kink got in the way.

    A layer's bias entry has one value per bias parameter (see
    :func:`_bias_params`).  The second list marks the parameters whose
    stencil crossed a relu kink (some relu's sum changed sign): the loss is
    not smooth there, so the difference is retaken with smaller steps for
    display (NaN if even 1e-9 crosses), but it is too noisy to hold the
    engine to 1e-6.
    """
    n = len(params)
    full = MLP(params, acts, variant.loss)
    _, outs = full.forward(x)
    grads, near = [], []
    for l in range(n):
        # Moving a parameter of layer l leaves the layers before it alone, so
        # the engine's forward pass runs from layer l, on what layer l received.
        sub = MLP(params[l:], acts[l:], variant.loss)
        inp = x if l == 0 else outs[l - 1]
        relu = [i for i, a in enumerate(acts[l:]) if a == "relu"]
        _, base = _loss(sub, inp, z, relu)
        weights = sub.W[0].reshape(-1)  # views: writing them moves the parameters
        for flat, where in ((weights, [np.array([k]) for k in range(weights.size)]),
                            (sub.b[0], _bias_params(sub.b[0], variant))):
            g, kinked = np.full(len(where), math.nan), np.zeros(len(where), dtype=bool)
            for k, at in enumerate(where):
                p = float(flat[at[0]])
                h = 1e-3 * max(1.0, abs(p))
                while h >= 1e-9:
                    vals, crossed = [], False
                    for c in (2.0, 1.0, -1.0, -2.0):
                        flat[at] = p + c * h
                        v, pattern = _loss(sub, inp, z, relu)
                        vals.append(v)
                        crossed |= pattern != base
                    flat[at] = p  # restore exactly
                    if not crossed:
                        g[k] = (-vals[0] + 8.0 * vals[1] - 8.0 * vals[2] + vals[3]) / (12.0 * h)
                        break
                    kinked[k] = True
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


def _output_layer(sp: Any, name: str, sums: list[Any]) -> list[Any]:
    """The output layer's activations of its sums, as sympy expressions (softmax: e^s_k / sum_j e^s_j)."""
    from tracer.core import activations

    if name == "softmax":
        total = sp.Add(*(sp.exp(s) for s in sums))
        return [sp.exp(s) / total for s in sums]
    form = activations.get(name).form
    return [form(sp, s) for s in sums]


def _loss_of(sp: Any, loss: str, out_act: str, ys: list[Any], zs: list[Any]) -> Any:
    """The loss of one row, written from its definition (tracer.core.losses states the same in numpy)."""
    sq = sp.Add(*((y - t) ** 2 for y, t in zip(ys, zs)))
    if loss == "mse":
        return sp.Rational(1, 2) * sq
    if loss == "sse":
        return sq
    if loss == "mean-squared":
        return sq / len(ys)
    if out_act == "softmax":
        return -sp.Add(*(t * sp.log(y) for y, t in zip(ys, zs)))
    return -sp.Add(*(t * sp.log(y) + (1 - t) * sp.log(1 - y) for y, t in zip(ys, zs)))


_FULL_CACHE: dict[tuple, Any] = {}


def _full_sympy(layers: Sequence[int], acts: Sequence[str], variant: Variant) -> Any:
    """One function of (x, z, every weight, every bias value) returning sympy's dL/dp for every parameter p.

    The bias values are one per node (per-node), one per layer (shared) or
    none; frozen biases are arguments but no parameters.  The derivatives
    come in the engine's order: W0's, b0's parameters, W1's, ...
    """
    key = (tuple(layers), tuple(acts), variant.loss, variant.bias, variant.update_biases)
    if key in _FULL_CACHE:
        return _FULL_CACHE[key]
    import sympy as sp

    from tracer.core import activations
    from tracer.explain.algebra import lambdify_numpy

    xs = sp.symbols(f"x0:{layers[0]}", real=True)
    zs = sp.symbols(f"z0:{layers[-1]}", real=True)
    weights: list[Any] = []
    bias_values: list[Any] = []
    params: list[Any] = []
    a: list[Any] = list(xs)
    for l, (m, n) in enumerate(zip(layers[:-1], layers[1:])):
        W = [[sp.Symbol(f"w{l}_{j}_{i}", real=True) for i in range(m)] for j in range(n)]
        if variant.bias == "shared":
            b = [sp.Symbol(f"b{l}", real=True)] * n
            biases = b[:1]
        elif variant.bias == "none":
            b, biases = [sp.Integer(0)] * n, []
        else:
            b = [sp.Symbol(f"b{l}_{j}", real=True) for j in range(n)]
            biases = b
        flat = [W[j][i] for j in range(n) for i in range(m)]
        weights += flat
        bias_values += biases
        params += flat + (biases if variant.update_biases else [])
        sums = [sp.Add(*(W[j][i] * a[i] for i in range(m))) + b[j] for j in range(n)]
        if l == len(layers) - 2:
            a = _output_layer(sp, acts[l], sums)
        else:
            form = activations.get(acts[l]).form
            a = [form(sp, s) for s in sums]
    loss = _loss_of(sp, variant.loss, acts[-1], a, list(zs))
    grads = [_relu_convention(sp.diff(loss, p)) for p in params]
    fn = lambdify_numpy([*xs, *zs, *weights, *bias_values], grads, cse=True)
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


_OUTPUT_CACHE: dict[tuple, Any] = {}


def _loss_sympy(loss: str, out_act: str, n: int) -> Any:
    """sympy's dL/dy_k of every output (of the n outputs and targets), or for softmax dL/ds_k (its outputs share every sum)."""
    key = (loss, out_act, n)
    if key not in _OUTPUT_CACHE:
        import sympy as sp

        from tracer.explain.algebra import lambdify_numpy

        vs = sp.symbols(f"v0:{n}", real=True)  # the outputs y, or for softmax the sums s
        zs = sp.symbols(f"z0:{n}", real=True)
        ys = _output_layer(sp, "softmax", list(vs)) if out_act == "softmax" else list(vs)
        L = _loss_of(sp, loss, out_act, ys, list(zs))
        _OUTPUT_CACHE[key] = lambdify_numpy([*vs, *zs], [sp.diff(L, v) for v in vs])
    return _OUTPUT_CACHE[key]


def _layered_sympy(params: list[tuple[np.ndarray, np.ndarray]], acts: Sequence[str],
                   x: np.ndarray, z: np.ndarray, variant: Variant) -> list[np.ndarray]:
    """dL/dp of one row by the chain rule over sympy's derivatives of the loss and of each f(s).

    A softmax output layer is differentiated with the loss, by its sums (its
    outputs share them).  Laid out as :func:`_finite_differences` lays them out.
    """
    from tracer.core import activations

    out = len(params) - 1
    softmax = acts[-1] == "softmax"
    local = [None if (l == out and softmax) else _local_sympy(a) for l, a in enumerate(acts)]
    dloss = _loss_sympy(variant.loss, acts[-1], len(params[-1][1]))
    inputs, sums = [], []
    a = np.asarray(x, dtype=np.float64)
    for l, (W, b) in enumerate(params):
        inputs.append(a)
        s = W @ a + b
        sums.append(s)
        f = activations.get("softmax").f if local[l] is None else local[l][0]
        a = np.broadcast_to(np.asarray(f(s), dtype=np.float64), s.shape)
    g = [None] * len(params)
    up = np.asarray(dloss(*(sums[out] if softmax else a), *z), dtype=np.float64).reshape(a.shape)
    for l in range(out, -1, -1):
        if l == out and softmax:
            g[l] = up  # dL/ds already
        else:
            dfds = np.broadcast_to(np.asarray(local[l][1](sums[l]), dtype=np.float64), sums[l].shape)
            g[l] = dfds * up
        up = params[l][0].T @ g[l]  # through the old weights of layer l, to the layer before
    res = []
    for l in range(len(params)):
        res += [np.outer(g[l], inputs[l]).ravel(), np.array([g[l][at].sum() for at in _bias_params(g[l], variant)])]
    return res


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

        per_epoch = source.variant.steps_per_epoch(len(source.raw))
        epochs = -(-steps // per_epoch)  # enough epochs to reach the step
        trace, _ = record(source.replace(epochs=epochs), f"first:{steps}")
    variant = trace.variant
    if variant.hidden_deltas != "old-weights":
        raise InputError("trace", "training.hidden_deltas", "hidden error signals through the updated weights are "
                         "not the gradient of the loss, so check has nothing to compare them with")
    if trace.n_steps == 0:
        raise InputError("trace", "steps", "the trace kept no steps to check")
    steps = min(steps, trace.n_steps)
    layers, acts = list(trace.layers), list(trace.activations)
    n_weights = sum(m * n for m, n in zip(layers[:-1], layers[1:]))
    n_params = n_weights + sum(len(_bias_params(np.empty(n), variant)) for n in layers[1:])
    if symbolic == "auto":
        symbolic = "full" if n_params * _expression_size(layers) <= FULL_BUDGET else "layered"
    full = _full_sympy(layers, acts, variant) if symbolic == "full" else None

    from tracer.explain.notation import Names, label

    names = Names(layers)
    grad_w = [trace.grad_w(l) for l in range(len(layers) - 1)]
    grad_b = [trace.grad_b(l) for l in range(len(layers) - 1)]
    bias_names = [[names.layer("b", l)] if variant.bias == "shared" else [names.b(l, j) for j in range(n)]
                  for l, n in enumerate(layers[1:])]
    rows: list[GradRow] = []
    notes: list[str] = []
    unevaluable: list[str] = []
    for k in range(steps):
        params = [(trace.w[l][k].copy(), trace.b[l][k].copy()) for l in range(len(layers) - 1)]
        r = trace.rows_in(k)
        # a batch's rows (the gradient of a batch is that of its mean loss), or the one row
        x, z = (trace.x[k][:r], trace.z[k][:r]) if trace.rows_per_step > 1 else (trace.x[k], trace.z[k])
        batch = list(zip(x, z)) if trace.rows_per_step > 1 else [(x, z)]
        scale = max(1.0, float(np.mean(trace.loss[k][:r] if trace.rows_per_step > 1 else trace.loss[k])))
        floor, sym_floor = FLOOR * scale, SYMPY_FLOOR * scale
        fd, near = _finite_differences(params, acts, x, z, variant)
        if full is not None:
            bias_values = [v for _, b in params for v in _bias_values(b, variant)]
            flat = [v for W, _ in params for v in W.ravel()] + bias_values
            with np.errstate(all="ignore"):
                values = np.mean([np.asarray(full(*xr, *zr, *flat), dtype=np.float64) for xr, zr in batch], axis=0)
            sym, pos = [], 0
            for W, b in params:
                nb = len(_bias_params(b, variant))
                sym += [values[pos:pos + W.size], values[pos + W.size:pos + W.size + nb]]
                pos += W.size + nb
        elif symbolic == "layered":
            with np.errstate(all="ignore"):
                per_row = [_layered_sympy(params, acts, xr, zr, variant) for xr, zr in batch]
            sym = [np.mean([row[p] for row in per_row], axis=0) for p in range(len(per_row[0]))]
        else:
            sym = [np.full(len(f_), np.nan) for f_ in fd]
        for l in range(len(layers) - 1):
            where = _bias_params(params[l][1], variant)
            eng = [grad_w[l][k].ravel(), np.array([grad_b[l][k][at[0]] for at in where])]
            symbols = [[names.w(l, *idx) for idx in np.ndindex(params[l][0].shape)], bias_names[l][:len(where)]]
            for part in (0, 1):
                for idx, symbol in enumerate(symbols[part]):
                    e = float(eng[part][idx])
                    f_ = float(fd[2 * l + part][idx])
                    s_ = float(sym[2 * l + part][idx])
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
