"""Property tests (hypothesis): random networks and data."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tracer.config import files
from tracer.core.dataset import denormalise, normalise
from tracer.core.engine import MLP

from conftest import engine_step

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
layers_st = st.lists(st.integers(1, 6), min_size=2, max_size=5)


@st.composite
def networks(draw, elements=finite):
    layers = draw(layers_st)
    params = []
    for m, n in zip(layers[:-1], layers[1:]):
        w = draw(arrays(np.float64, (n, m), elements=elements))
        b = draw(arrays(np.float64, (n,), elements=elements))
        params.append((w, b))
    return layers, params


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(networks())
def test_save_then_load_restores_every_float(tmp_path, net):
    layers, params = net
    p = tmp_path / "w.json"
    files.write_weights(p, params)
    back = files.read_weights(p, layers)
    for (w, b), (W, B) in zip(back, params):
        assert w.tobytes() == W.tobytes() and b.tobytes() == B.tobytes()


@st.composite
def columns(draw):
    n = draw(st.integers(1, 4))
    rows = draw(st.integers(1, 8))
    raw = draw(arrays(np.float64, (rows, n), elements=st.floats(-1e6, 1e6, allow_nan=False)))
    return raw


@settings(max_examples=200)
@given(columns(), st.sampled_from(["zero-to-one", "minus-one-to-one", "none"]))
def test_normalise_then_denormalise_is_the_identity(raw, method):
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    back = denormalise(normalise(raw, lo, hi, method), lo, hi, method)
    scale = np.maximum(np.abs(raw).max(), 1.0)
    assert np.all(np.abs(back - raw) <= 1e-12 * scale)
    if method != "none":
        norm = normalise(raw, lo, hi, method)
        low = 0.0 if method == "zero-to-one" else -1.0
        assert np.all((norm >= low - 1e-15) & (norm <= 1.0 + 1e-15))


def loss(net, x, z):
    y = net.predict(x[None, :])[0]
    return 0.5 * float(((y - z) ** 2).sum())


@settings(max_examples=40, deadline=None)
@given(networks(elements=st.floats(-1, 1)), st.data(), st.lists(st.sampled_from(["sigmoid", "tanh", "linear"]), min_size=5, max_size=5))
def test_gradients_equal_finite_differences(net, data, acts):
    layers, params = net
    acts = acts[: len(layers) - 1]
    x = data.draw(arrays(np.float64, (layers[0],), elements=st.floats(-1, 1)))
    z = data.draw(arrays(np.float64, (layers[-1],), elements=st.floats(-1, 1)))
    trace = engine_step(params, acts, x, z)  # the training loop's own numbers
    d = [trace.delta[l][0] for l in range(len(params))]
    outs = [trace.a[l][0] for l in range(len(params))]
    h = 1e-6
    l = data.draw(st.integers(0, len(layers) - 2))
    j = data.draw(st.integers(0, layers[l + 1] - 1))
    i = data.draw(st.integers(0, layers[l] - 1))
    inp = x if l == 0 else outs[l - 1]
    for target, analytic in ((("W", (j, i)), d[l][j] * inp[i]), (("b", (j,)), d[l][j])):
        name, idx = target
        plus, minus = MLP(params, acts), MLP(params, acts)
        getattr(plus, name)[l][idx] += h
        getattr(minus, name)[l][idx] -= h
        fd = (loss(plus, x, z) - loss(minus, x, z)) / (2 * h)
        assert abs(analytic - fd) <= 1e-6 * max(1.0, abs(fd))
