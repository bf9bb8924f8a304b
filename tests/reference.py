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


# ---------------------------------------------------------------------------
# The variants other worked examples use (issue 13), written from their math:
# biases per node, shared by a layer or absent; frozen biases; four losses;
# softmax outputs; hidden error signals through the old or the updated
# weights; mini-batches (the mean of their rows' gradients); momentum
# (PyTorch's rule: v <- mu*v + g, w <- w - eta*v, v starting at 0).


def softmax(s):
    top = max(s)
    e = [math.exp(v - top) for v in s]
    total = sum(e)
    return [v / total for v in e]


def forward(W, B, acts, x, bias="per-node"):
    """Sums and activations of every layer; ``acts[-1]`` may be "softmax"."""
    s_all, a_all, inp = [], [], x
    for l in range(len(W)):
        s = [sum(wi * xi for wi, xi in zip(W[l][j], inp)) + (0.0 if bias == "none" else B[l][j])
             for j in range(len(W[l]))]
        a = softmax(s) if acts[l] == "softmax" else [act(acts[l], v) for v in s]
        s_all.append(s)
        a_all.append(a)
        inp = a
    return s_all, a_all


def loss_of(y, z, loss, out_act):
    n = len(y)
    if loss == "mse":
        return 0.5 * sum((a - b) ** 2 for a, b in zip(y, z))
    if loss == "sse":
        return sum((a - b) ** 2 for a, b in zip(y, z))
    if loss == "mean-squared":
        return sum((a - b) ** 2 for a, b in zip(y, z)) / n
    if loss == "cross-entropy":
        if out_act == "softmax":
            return -sum(b * math.log(a) for a, b in zip(y, z))
        return -sum(b * math.log(a) + (1 - b) * math.log(1 - a) for a, b in zip(y, z))
    raise ValueError(loss)


def dloss_dy(y, z, loss, out_act):
    """dL/dy for each output, straight from the loss (no simplification with the activation)."""
    n = len(y)
    if loss == "mse":
        return [a - b for a, b in zip(y, z)]
    if loss == "sse":
        return [2 * (a - b) for a, b in zip(y, z)]
    if loss == "mean-squared":
        return [2 * (a - b) / n for a, b in zip(y, z)]
    if out_act == "softmax":
        return [-b / a for a, b in zip(y, z)]
    return [-b / a + (1 - b) / (1 - a) for a, b in zip(y, z)]


def output_deltas(s, y, z, loss, out_act):
    """dL/ds of the output layer: the chain rule through the activation's Jacobian."""
    g = dloss_dy(y, z, loss, out_act)
    if out_act == "softmax":  # dy_j/ds_k = y_j (1[j = k] - y_k)
        return [sum(g[j] * y[j] * ((1.0 if j == k else 0.0) - y[k]) for j in range(len(y))) for k in range(len(y))]
    return [gj * dact(out_act, sj, yj) for gj, sj, yj in zip(g, s, y)]


def hidden_deltas(l, W_next, d_next, s, a, acts):
    return [dact(acts[l], s[j], a[j]) * sum(W_next[k][j] * d_next[k] for k in range(len(W_next)))
            for j in range(len(s))]


def variant_train(W, B, acts, rows_x, rows_z, lr, epochs, *, loss="mse", bias="per-node", update_biases=True,
                  hidden="old-weights", batch_size=1, momentum=0.0):
    """Train in place; return (each row's loss before its update, per step; each epoch's mean loss).

    ``batch_size`` is a number or "all"; a batch is consecutive rows, the last
    possibly smaller, and its gradient the mean of its rows' gradients.
    """
    L = len(W)
    vW = [[[0.0] * len(r) for r in W[l]] for l in range(L)]
    vB = [[0.0] * len(B[l]) for l in range(L)]
    size = len(rows_x) if batch_size == "all" else batch_size
    row_losses, epoch_loss = [], []

    def move(l, gw, gb):
        for j in range(len(W[l])):
            for i in range(len(W[l][j])):
                vW[l][j][i] = momentum * vW[l][j][i] + gw[j][i]
                W[l][j][i] -= lr * vW[l][j][i]
        if update_biases and bias != "none":
            if bias == "shared":  # one bias per layer: its gradient is the sum of the layer's error signals
                g = sum(gb)
                vB[l][0] = momentum * vB[l][0] + g
                shared = B[l][0] - lr * vB[l][0]
                B[l] = [shared] * len(B[l])
            else:
                for j in range(len(B[l])):
                    vB[l][j] = momentum * vB[l][j] + gb[j]
                    B[l][j] -= lr * vB[l][j]

    for _ in range(epochs):
        losses = []
        for start in range(0, len(rows_x), size):
            batch = list(zip(rows_x[start:start + size], rows_z[start:start + size]))
            sum_gw = [[[0.0] * len(r) for r in W[l]] for l in range(L)]
            sum_gb = [[0.0] * len(B[l]) for l in range(L)]
            for x, z in batch:
                s_all, a_all = forward(W, B, acts, x, bias)
                losses.append(loss_of(a_all[-1], z, loss, acts[-1]))
                d = [None] * L
                d[-1] = output_deltas(s_all[-1], a_all[-1], z, loss, acts[-1])
                if hidden == "updated-weights":  # output layer first; each hidden signal through the new weights
                    for l in range(L - 1, -1, -1):
                        if l < L - 1:
                            d[l] = hidden_deltas(l, W[l + 1], d[l + 1], s_all[l], a_all[l], acts)
                        inp = x if l == 0 else a_all[l - 1]
                        move(l, [[d[l][j] * v for v in inp] for j in range(len(W[l]))], d[l])
                    continue
                for l in range(L - 2, -1, -1):
                    d[l] = hidden_deltas(l, W[l + 1], d[l + 1], s_all[l], a_all[l], acts)
                for l in range(L):
                    inp = x if l == 0 else a_all[l - 1]
                    for j in range(len(W[l])):
                        for i in range(len(inp)):
                            sum_gw[l][j][i] += d[l][j] * inp[i]
                        sum_gb[l][j] += d[l][j]
            if hidden != "updated-weights":
                n = len(batch)
                for l in range(L):
                    move(l, [[g / n for g in r] for r in sum_gw[l]], [g / n for g in sum_gb[l]])
        row_losses.extend(losses)
        epoch_loss.append(sum(losses) / len(losses))
    return row_losses, epoch_loss
