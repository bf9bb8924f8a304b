"""An independent implementation of the document's per-row SGD, in plain Python.

Written from the document's equations with lists and the math module, sharing
no code with tracer, so that tests can compare the engine against it.
"""

from __future__ import annotations

import math


def act(name, s):
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))
    if name == "tanh":
        return math.tanh(s)
    if name == "relu":
        return s if s > 0 else 0.0
    if name == "linear":
        return s
    raise ValueError(name)


def dact(name, s, a):
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return 1.0 if s > 0 else 0.0
    return 1.0


def normalise_column(values, lo, hi, method):
    out = []
    for v in values:
        if method == "none":
            out.append(v)
            continue
        u = 0.5 if hi == lo else (v - lo) / (hi - lo)
        out.append(u if method == "zero-to-one" else 2 * u - 1)
    return out


def step(W, B, acts, x, z, lr):
    """One SGD step; returns the record of it (and updates W, B in place)."""
    L = len(W)
    s_all, a_all = [], []
    inp = x
    for l in range(L):
        s = [sum(wi * xi for wi, xi in zip(W[l][j], inp)) + B[l][j] for j in range(len(W[l]))]
        a = [act(acts[l], v) for v in s]
        s_all.append(s)
        a_all.append(a)
        inp = a
    y = a_all[-1]
    loss = 0.5 * sum((yi - zi) ** 2 for yi, zi in zip(y, z))
    d = [None] * L
    d[-1] = [dact(acts[-1], s, a) * (a - zi) for s, a, zi in zip(s_all[-1], a_all[-1], z)]
    for l in range(L - 2, -1, -1):
        d[l] = [
            dact(acts[l], s_all[l][j], a_all[l][j]) * sum(W[l + 1][k][j] * d[l + 1][k] for k in range(len(W[l + 1])))
            for j in range(len(W[l]))
        ]
    rec_layers = []
    for l in range(L):
        inp = x if l == 0 else a_all[l - 1]
        gw = [[d[l][j] * inp[i] for i in range(len(inp))] for j in range(len(W[l]))]
        wn = [[W[l][j][i] - lr * gw[j][i] for i in range(len(inp))] for j in range(len(W[l]))]
        bn = [B[l][j] - lr * d[l][j] for j in range(len(W[l]))]
        rec_layers.append({"w": [r[:] for r in W[l]], "b": B[l][:], "s": s_all[l], "a": a_all[l],
                           "delta": d[l], "grad_w": gw, "grad_b": d[l][:], "w_new": wn, "b_new": bn})
    for l in range(L):
        W[l] = rec_layers[l]["w_new"]
        B[l] = rec_layers[l]["b_new"]
    return {"x": list(x), "z": list(z), "layers": rec_layers, "y": y, "loss": loss}


def train(W, B, acts, rows_x, rows_z, lr, epochs):
    """All steps and per-epoch mean losses."""
    steps, epoch_loss = [], []
    for e in range(epochs):
        total = 0.0
        for r, (x, z) in enumerate(zip(rows_x, rows_z)):
            rec = step(W, B, acts, x, z, lr)
            rec["epoch"], rec["row"] = e, r
            steps.append(rec)
            total += rec["loss"]
        epoch_loss.append(total / len(rows_x))
    return steps, epoch_loss
