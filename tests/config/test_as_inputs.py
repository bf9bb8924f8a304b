"""The Python API takes what a user has: a path (str or Path), a mapping, a loaded config or trace.

Coercion happens in two places, ``tracer.config.as_config`` and
``tracer.config.trace_io.as_trace`` (with ``as_trace_or_config`` for the
functions that take either), and bad input raises mlptrace's own InputError
with the one-line message the command line prints.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from conftest import EXAMPLES
from tracer import config
from tracer.config import trace_io
from tracer.config.run import record
from tracer.errors import InputError

SEED = EXAMPLES / "seed" / "sigmoid.toml"


def test_as_config_takes_a_path_a_mapping_a_config_or_none():
    from_path = config.as_config(SEED)
    mapping = tomllib.loads(SEED.read_text())
    mapping["training"]["dataset"] = str(EXAMPLES / "seed" / "dataset.csv")
    mapping["normalize"]["minmax"] = str(EXAMPLES / "seed" / "minmax-output-0-100.json")
    mapping["init"]["file"] = str(EXAMPLES / "seed" / "init-weights-biases.json")
    del mapping["report"]
    for cfg in (config.as_config(str(SEED)), config.as_config(mapping), config.as_config(from_path),
                config.as_config(None), config.load(mapping)):
        assert cfg.layers == [2, 3, 1]
        assert np.array_equal(cfg.raw, from_path.raw)
        assert all(np.array_equal(w, w0) for (w, _), (w0, _) in zip(cfg.initial_params(), from_path.initial_params()))
    assert config.as_config(from_path) is from_path


@pytest.mark.parametrize("bad", [{}, {"network": []}])
def test_a_bad_mapping_is_an_input_error(bad):
    with pytest.raises(InputError) as info:
        config.load(bad)
    assert "network" in str(info.value)


@pytest.mark.parametrize("bad", [3, 2.5, b"net.toml", ["net.toml"]])
def test_something_that_is_no_config_is_an_input_error(bad):
    with pytest.raises(InputError, match="expected a config"):
        config.as_config(bad)


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traces")
    cfg = config.load(SEED).replace(epochs=3)
    trace, _ = record(cfg, "all")
    json_path = folder / "t.json"
    json_path.write_text("".join(trace.json_chunks()))
    npz_path = folder / "t.npz"
    record(cfg, "all", stream_to=str(npz_path))
    return trace, json_path, npz_path


def test_as_trace_takes_a_trace_or_the_path_of_either_format(traces):
    trace, json_path, npz_path = traces
    assert trace_io.as_trace(trace) is trace
    for source in (json_path, str(json_path), npz_path, str(npz_path)):
        loaded = trace_io.as_trace(source)
        assert np.array_equal(loaded.kept, trace.kept)
        assert np.array_equal(loaded.w[0], trace.w[0]) and np.array_equal(loaded.loss, trace.loss)


def test_iter_chunks_of_a_json_trace_is_the_trace_as_one_chunk(traces):
    trace, json_path, _ = traces
    (chunk,) = trace_io.iter_chunks(json_path)
    assert np.array_equal(chunk.kept, trace.kept) and np.array_equal(chunk.delta[1], trace.delta[1])


def test_a_file_that_is_no_trace_is_an_input_error(tmp_path):
    (tmp_path / "c.json").write_text('{"network": {}}')
    (tmp_path / "junk.npz").write_bytes(b"PK not a zip")
    cases = {
        tmp_path / "missing.json": "no such file",
        tmp_path: "is a directory",
        SEED: "not an mlptrace trace",  # TOML is not JSON
        tmp_path / "c.json": "not an mlptrace trace",
        tmp_path / "junk.npz": "not an mlptrace trace",
    }
    for path, words in cases.items():
        for read in (trace_io.load, lambda p: list(trace_io.iter_chunks(p)), trace_io.as_trace):
            with pytest.raises(InputError) as info:
                read(path)
            message = str(info.value)
            assert message.startswith(str(path)) and words in message and "\n" not in message, message
    with pytest.raises(InputError, match="expected a trace"):
        trace_io.as_trace(42)


def test_the_gradient_check_takes_a_config_path_or_a_trace_path(traces):
    from tracer.explain.gradcheck import gradient_check

    trace, json_path, npz_path = traces
    expected = gradient_check(trace)
    for source in (str(SEED), SEED, json_path, str(npz_path)):
        res = gradient_check(source)
        assert res.ok
        # the same first step, so the same engine gradients, whichever form it came in
        assert [r.engine for r in res.rows] == [r.engine for r in expected.rows]
    with pytest.raises(InputError, match="no such file"):
        gradient_check("no-such-net.toml")


def test_drawings_and_show_take_a_trace_path(traces):
    from tracer.render import drawings
    from tracer.render.notebook import show

    trace, json_path, _ = traces
    assert drawings.network_svg(json_path) == drawings.network_svg(trace)
    assert [s.title for s in show(json_path).sections] == [s.title for s in show(trace).sections]
