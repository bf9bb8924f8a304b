"""The benchmark's references: the document's per-row SGD, untraced, each written as fast as its tool goes.

Every function trains a sigmoid network with one hidden layer (2-3-1,
64-32-10 and 784-128-10 are all of that shape) in place, one row at a time,
for ``epochs`` passes, by the document's math: forward, loss 1/2 (y - z)^2,
output delta a(1 - a)(y - z), hidden delta a(1 - a) W2^T delta2 with the
*old* output weights, then every weight and bias updated together,
w -= eta * delta * input.  None shares code with tracer; bench.py checks
each one's final weights against the engine's before it times any of them,
so a reference that is fast because it is wrong cannot flatter the table.

Setup (converting weights, building tensors, compiling) happens in the
``prepare_*`` functions and is not timed; each returns a callable that runs
the training and a callable that returns the final weights as numpy arrays
[(W1, b1), (W2, b2)].
"""

from __future__ import annotations

import math
from operator import mul

import numpy as np


def prepare_plain(params, X, Z, lr, epochs):
    """A tight plain-Python loop on lists: locals only, no attribute lookup inside the loop."""
    (w1, b1), (w2, b2) = params
    state = [w1.tolist(), b1.tolist(), w2.tolist(), b2.tolist()]
    rows = list(zip(X.tolist(), Z.tolist()))

    def run():
        W1, B1, W2, B2 = state
        exp, zip_, sum_, map_, mul_, sub_ = math.exp, zip, sum, map, mul, float.__sub__
        for _ in range(epochs):
            for x, z in rows:
                # sum's start value is the bias: one addition fewer per node
                a1 = [1.0 / (1.0 + exp(-sum_(map_(mul_, w, x), b))) for w, b in zip_(W1, B1)]
                a2 = [1.0 / (1.0 + exp(-sum_(map_(mul_, w, a1), b))) for w, b in zip_(W2, B2)]
                # eta * delta, the learning rate folded in once: the output layer's, then the
                # hidden layer's from the old output weights (W2's columns, before the update)
                g2 = [lr * a * (1.0 - a) * (a - t) for a, t in zip_(a2, z)]
                g1 = [a * (1.0 - a) * sum_(map_(mul_, col, g2)) for a, col in zip_(a1, zip_(*W2))]
                W2 = [[w - g * a for w, a in zip_(row, a1)] for row, g in zip_(W2, g2)]
                B2 = list(map_(sub_, B2, g2))
                W1 = [[w - g * i for w, i in zip_(row, x)] for row, g in zip_(W1, g1)]
                B1 = list(map_(sub_, B1, g1))
        state[:] = W1, B1, W2, B2

    def result():
        W1, B1, W2, B2 = state
        return [(np.array(W1), np.array(B1)), (np.array(W2), np.array(B2))]

    return run, result


def prepare_unrolled(params, X, Z, lr, epochs):
    """The document's 2-3-1 written out weight by weight: scalar locals, no lists at all."""
    (w1, b1), (w2, b2) = params
    if w1.shape != (3, 2) or w2.shape != (1, 3):
        raise ValueError("the unrolled loop is written for the document's 2-3-1 network")
    state = [*w1.ravel().tolist(), *b1.tolist(), *w2.ravel().tolist(), *b2.tolist()]
    rows = [(x0, x1, z0) for (x0, x1), (z0,) in zip(X.tolist(), Z.tolist())]

    def run():
        (u00, u01, u10, u11, u20, u21, c0, c1, c2, v0, v1, v2, d) = state
        exp = math.exp
        for _ in range(epochs):
            for x0, x1, z0 in rows:
                h0 = 1.0 / (1.0 + exp(-(u00 * x0 + u01 * x1 + c0)))
                h1 = 1.0 / (1.0 + exp(-(u10 * x0 + u11 * x1 + c1)))
                h2 = 1.0 / (1.0 + exp(-(u20 * x0 + u21 * x1 + c2)))
                y = 1.0 / (1.0 + exp(-(v0 * h0 + v1 * h1 + v2 * h2 + d)))
                e = y * (1.0 - y) * (y - z0)
                e0 = h0 * (1.0 - h0) * v0 * e
                e1 = h1 * (1.0 - h1) * v1 * e
                e2 = h2 * (1.0 - h2) * v2 * e
                g = lr * e
                v0 -= g * h0
                v1 -= g * h1
                v2 -= g * h2
                d -= g
                g0, g1, g2 = lr * e0, lr * e1, lr * e2
                u00 -= g0 * x0
                u01 -= g0 * x1
                u10 -= g1 * x0
                u11 -= g1 * x1
                u20 -= g2 * x0
                u21 -= g2 * x1
                c0 -= g0
                c1 -= g1
                c2 -= g2
        state[:] = (u00, u01, u10, u11, u20, u21, c0, c1, c2, v0, v1, v2, d)

    def result():
        s = state
        return [(np.array(s[0:6]).reshape(3, 2), np.array(s[6:9])), (np.array([s[9:12]]), np.array(s[12:13]))]

    return run, result


def prepare_numpy(params, X, Z, lr, epochs):
    """numpy, one row at a time, every intermediate written into a preallocated buffer (``out=``).

    Each bias rides as its layer's last weight column against a constant 1
    appended to the layer's input, so one dot gives the sums and one rank-1
    update moves weights and biases together; eta is folded into the deltas.
    """
    (w1, b1), (w2, b2) = params
    h, o = len(b1), len(b2)
    A1, A2 = np.hstack([w1, b1[:, None]]), np.hstack([w2, b2[:, None]])
    X1 = np.hstack([np.asarray(X, dtype=np.float64), np.ones((len(X), 1))])
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    a1 = np.ones(h + 1)  # the hidden activations, then the constant 1 for the output biases
    hidden = a1[:h]
    W2 = A2[:, :h]  # a view: the output weights without their bias column
    s1, d1, t1 = np.empty(h), np.empty(h), np.empty(h)
    s2, a2, d2, t2 = (np.empty(o) for _ in range(4))
    G1, G2 = np.empty_like(A1), np.empty_like(A2)
    d1c, d2c, a1r = d1[:, None], d2[:, None], a1[None, :]  # views made once, for the outer products
    one, eta = np.array(1.0), np.array(lr)
    dot, add, sub, mul_, exp, neg, rec = np.dot, np.add, np.subtract, np.multiply, np.exp, np.negative, np.reciprocal

    def run():
        for _ in range(epochs):
            for x, z in zip(X1, Z):
                dot(A1, x, out=s1)
                neg(s1, out=hidden)  # sigmoid: 1 / (1 + e^-s)
                exp(hidden, out=hidden)
                add(hidden, one, out=hidden)
                rec(hidden, out=hidden)
                dot(A2, a1, out=s2)
                neg(s2, out=a2)
                exp(a2, out=a2)
                add(a2, one, out=a2)
                rec(a2, out=a2)
                sub(one, a2, out=d2)  # eta a2 (1 - a2)(a2 - z)
                mul_(d2, a2, out=d2)
                sub(a2, z, out=t2)
                mul_(d2, t2, out=d2)
                mul_(d2, eta, out=d2)
                dot(d2, W2, out=t1)  # W2^T (eta d2), with the old W2
                sub(one, hidden, out=d1)
                mul_(d1, hidden, out=d1)
                mul_(d1, t1, out=d1)
                mul_(d2c, a1r, out=G2)
                sub(A2, G2, out=A2)
                mul_(d1c, x[None, :], out=G1)
                sub(A1, G1, out=A1)

    def result():
        return [(A1[:, :-1].copy(), A1[:, -1].copy()), (A2[:, :-1].copy(), A2[:, -1].copy())]

    return run, result


def prepare_torch_manual(params, X, Z, lr, epochs):
    """PyTorch float64 on one thread, backprop written by hand: addmv for the sums, addr_ for the rank-1 updates."""
    import torch

    torch.set_num_threads(1)
    (w1, b1), (w2, b2) = params
    W1, B1, W2, B2 = (torch.tensor(a, dtype=torch.float64) for a in (w1, b1, w2, b2))
    Xt, Zt = torch.tensor(X, dtype=torch.float64), torch.tensor(Z, dtype=torch.float64)
    rows = list(zip(Xt.unbind(0), Zt.unbind(0)))
    h, o = len(B1), len(B2)
    s1, a1, d1, t1 = (torch.empty(h, dtype=torch.float64) for _ in range(4))
    s2, a2, d2, t2 = (torch.empty(o, dtype=torch.float64) for _ in range(4))
    addmv, sigmoid, mv = torch.addmv, torch.sigmoid, torch.mv
    W2T = W2.t()  # a view: it sees every in-place update of W2

    def run():
        with torch.no_grad():
            for _ in range(epochs):
                for x, z in rows:
                    addmv(B1, W1, x, out=s1)
                    sigmoid(s1, out=a1)
                    addmv(B2, W2, a1, out=s2)
                    sigmoid(s2, out=a2)
                    torch.sub(a2, z, out=t2)  # a2 (1 - a2)(a2 - z)
                    torch.mul(a2, a2, out=d2)  # a2 - a2^2 = a2 (1 - a2)
                    torch.sub(a2, d2, out=d2).mul_(t2)
                    mv(W2T, d2, out=t1)  # W2^T d2, before W2 changes
                    torch.mul(a1, a1, out=d1)
                    torch.sub(a1, d1, out=d1).mul_(t1)
                    W2.addr_(d2, a1, alpha=-lr)
                    B2.add_(d2, alpha=-lr)
                    W1.addr_(d1, x, alpha=-lr)
                    B1.add_(d1, alpha=-lr)

    def result():
        return [(W1.numpy().copy(), B1.numpy().copy()), (W2.numpy().copy(), B2.numpy().copy())]

    return run, result


def prepare_torch_module(params, X, Z, lr, epochs):
    """What people reach for in PyTorch: nn.Linear + nn.Sigmoid, autograd and optim.SGD, float64, one thread."""
    import torch

    torch.set_num_threads(1)
    layers = []
    for w, b in params:
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    rows = list(zip(torch.tensor(X, dtype=torch.float64).unbind(0), torch.tensor(Z, dtype=torch.float64).unbind(0)))

    def run():
        for _ in range(epochs):
            for x, z in rows:
                opt.zero_grad()
                loss = 0.5 * ((model(x) - z) ** 2).sum()
                loss.backward()
                opt.step()

    def result():
        lins = [m for m in model if isinstance(m, torch.nn.Linear)]
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in lins]

    return run, result


_NUMBA_KERNEL = None


def _numba_kernel():
    """Compile (once per process) the loop below; numba is optional, so it is imported here."""
    global _NUMBA_KERNEL
    if _NUMBA_KERNEL is None:
        import numba

        @numba.njit(cache=False, fastmath=False)
        def kernel(W1, B1, W2, B2, X, Z, lr, epochs, s1, a1, d1, s2, a2, d2):
            h, m = W1.shape
            o = W2.shape[0]
            for _ in range(epochs):
                for r in range(X.shape[0]):
                    for j in range(h):
                        acc = B1[j]
                        for i in range(m):
                            acc += W1[j, i] * X[r, i]
                        s1[j] = acc
                        a1[j] = 1.0 / (1.0 + math.exp(-acc))
                    for k in range(o):
                        acc = B2[k]
                        for j in range(h):
                            acc += W2[k, j] * a1[j]
                        s2[k] = acc
                        a = 1.0 / (1.0 + math.exp(-acc))
                        a2[k] = a
                        d2[k] = a * (1.0 - a) * (a - Z[r, k])
                    for j in range(h):
                        acc = 0.0
                        for k in range(o):
                            acc += W2[k, j] * d2[k]  # old W2: it changes only below
                        d1[j] = a1[j] * (1.0 - a1[j]) * acc
                    for k in range(o):
                        g = lr * d2[k]
                        for j in range(h):
                            W2[k, j] -= g * a1[j]
                        B2[k] -= g
                    for j in range(h):
                        g = lr * d1[j]
                        for i in range(m):
                            W1[j, i] -= g * X[r, i]
                        B1[j] -= g

        _NUMBA_KERNEL = kernel
    return _NUMBA_KERNEL


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def prepare_numba(params, X, Z, lr, epochs):
    """The stack's limit: a compiled loop (numba) writing every intermediate into preallocated arrays."""
    kernel = _numba_kernel()
    (w1, b1), (w2, b2) = params
    W1, B1, W2, B2 = w1.copy(), b1.copy(), w2.copy(), b2.copy()
    X, Z = np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(Z, dtype=np.float64)
    h, o = len(B1), len(B2)
    bufs = [np.empty(h), np.empty(h), np.empty(h), np.empty(o), np.empty(o), np.empty(o)]
    kernel(W1.copy(), B1.copy(), W2.copy(), B2.copy(), X[:1], Z[:1], lr, 1, *bufs)  # compile, untimed

    def run():
        kernel(W1, B1, W2, B2, X, Z, float(lr), epochs, *bufs)

    def result():
        return [(W1.copy(), B1.copy()), (W2.copy(), B2.copy())]

    return run, result
