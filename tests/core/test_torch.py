"""PyTorch as a second, independent reference for the training variants (issue 13).

Each test trains the same network from the same weights twice: by the
engine, through a config as ``mlptrace train`` runs it, and by PyTorch in
float64 -- its autograd for the gradients, torch.optim.SGD for the update
(momentum as PyTorch defines it: v <- mu*v + g, w <- w - lr*v) and its own
loss functions, each scaled to the engine's definition: the loss of a batch
is the mean over its rows of each row's loss (summed over the outputs for
cross-entropy, 1/n of the sum for mean-squared).  The final weights and
biases must agree to 1e-10.

Skipped where torch is not installed; required in CI (.ci/run installs it).
"""

from __future__ import annotations

import numpy as np
import pytest

from tracer.config import from_mapping
from tracer.config.run import record

from conftest import require_module


def problem(layers, n_rows, seed, one_hot=False):
    rng = np.random.default_rng(seed)
    params = [(rng.uniform(-1, 1, size=(n, m)), rng.uniform(-1, 1, size=n)) for m, n in zip(layers[:-1], layers[1:])]
    X = rng.uniform(-2, 2, size=(n_rows, layers[0]))
    if one_hot:
        Z = np.eye(layers[-1])[rng.integers(0, layers[-1], size=n_rows)]
    else:
        Z = rng.uniform(0, 1, size=(n_rows, layers[-1]))
    return params, X, Z


def engine(layers, acts, params, X, Z, lr, epochs, **training):
    cfg = from_mapping({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": acts},
        "training": {"learning_rate": lr, "epochs": epochs, "data": np.hstack([X, Z]).tolist(), **training},
        "normalize": {"method": "none"},
        "init": {"method": "inline", "hiddenWeights": [w.tolist() for w, _ in params[:-1]],
                 "hiddenBias": [b.tolist() for _, b in params[:-1]], "outputWeights": params[-1][0].tolist(),
                 "outputBias": params[-1][1].tolist()},
    })
    return record(cfg, "epochs")[1]


def torch_train(torch, acts, params, X, Z, lr, epochs, batch, momentum, batch_loss):
    """Plain PyTorch: leaf tensors, autograd, torch.optim.SGD; ``batch_loss(sums, outputs, targets)``."""
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w, _ in params]
    Bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for _, b in params]
    opt = torch.optim.SGD([*Ws, *Bs], lr=lr, momentum=momentum)
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "softmax": lambda s: torch.softmax(s, -1)}
    Xt, Zt = torch.tensor(X, dtype=torch.float64), torch.tensor(Z, dtype=torch.float64)
    size = len(X) if batch == "all" else batch
    for _ in range(epochs):
        for start in range(0, len(X), size):
            a, z = Xt[start:start + size], Zt[start:start + size]
            for W, b, act in zip(Ws, Bs, acts):
                s = a @ W.T + b
                a = f[act](s)
            opt.zero_grad()
            batch_loss(s, a, z).backward()
            opt.step()
    return [(W.detach().numpy(), b.detach().numpy()) for W, b in zip(Ws, Bs)]


def agree(net, theirs):
    for l, (w, b) in enumerate(theirs):
        np.testing.assert_allclose(net.W[l], w, rtol=0, atol=1e-10)
        np.testing.assert_allclose(net.b[l], b, rtol=0, atol=1e-10)


def moved(net, params):
    """How far training took the weights: a test of agreement must start from a run that did something."""
    return max(float(np.abs(w - w0).max()) for w, (w0, _) in zip(net.W, params))


def test_softmax_cross_entropy_batches_of_4_momentum_0_9():
    torch = require_module("torch")
    F = torch.nn.functional
    layers, acts = [4, 5, 3], ["tanh", "softmax"]
    params, X, Z = problem(layers, 10, seed=1, one_hot=True)  # batches of 4, 4 and 2
    net = engine(layers, acts, params, X, Z, 0.05, 30, loss="cross-entropy", batch_size=4, momentum=0.9)
    # cross_entropy on the pre-softmax sums, probability targets, mean over the batch's rows
    theirs = torch_train(torch, acts, params, X, Z, 0.05, 30, 4, 0.9,
                         lambda s, y, z: F.cross_entropy(s, z, reduction="mean"))
    agree(net, theirs)
    assert moved(net, params) > 0.1


def test_sigmoid_cross_entropy_full_batch():
    torch = require_module("torch")
    F = torch.nn.functional
    layers, acts = [3, 4, 2], ["relu", "sigmoid"]
    params, X, Z = problem(layers, 7, seed=2)
    net = engine(layers, acts, params, X, Z, 0.5, 40, loss="cross-entropy", batch_size="all")
    # binary cross-entropy summed over the outputs, then the mean over the rows
    theirs = torch_train(torch, acts, params, X, Z, 0.5, 40, "all", 0.0,
                         lambda s, y, z: F.binary_cross_entropy(y, z, reduction="sum") / len(z))
    agree(net, theirs)
    assert moved(net, params) > 0.1


def test_mean_squared_batches_of_3():
    torch = require_module("torch")
    F = torch.nn.functional
    layers, acts = [2, 3, 3, 2], ["sigmoid", "tanh", "sigmoid"]
    params, X, Z = problem(layers, 8, seed=3)  # batches of 3, 3 and 2
    net = engine(layers, acts, params, X, Z, 0.8, 50, loss="mean-squared", batch_size=3)
    # mse_loss's mean over rows and outputs is the mean over rows of (1/n) sum (y - z)^2
    theirs = torch_train(torch, acts, params, X, Z, 0.8, 50, 3, 0.0,
                         lambda s, y, z: F.mse_loss(y, z, reduction="mean"))
    agree(net, theirs)
    assert moved(net, params) > 0.1


@pytest.mark.parametrize("loss,scale", [("mse", 0.5), ("sse", 1.0)])
def test_the_sums_of_squares_per_row_with_momentum(loss, scale):
    torch = require_module("torch")
    F = torch.nn.functional
    layers, acts = [2, 3, 1], ["sigmoid", "sigmoid"]
    params, X, Z = problem(layers, 4, seed=4)
    net = engine(layers, acts, params, X, Z, 0.3, 25, loss=loss, momentum=0.5)
    theirs = torch_train(torch, acts, params, X, Z, 0.3, 25, 1, 0.5,
                         lambda s, y, z: scale * F.mse_loss(y, z, reduction="sum"))
    agree(net, theirs)
