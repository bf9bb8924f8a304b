"""mlptrace's benchmarks: one table of workloads against references measured in the same run.

    python tests/benchmarks/bench.py            # every workload
    python tests/benchmarks/bench.py W1 W5      # some of them

Each workload runs in a fresh subprocess (so its peak memory, ru_maxrss, is
its own) and times the best of several repeats.  Ratios compare mlptrace
with a reference measured in the same run on the same machine.  PyTorch is
used when installed; the table says so when it is not.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def config_from(data):
    from tracer.config import from_mapping

    return from_mapping(data, "<benchmark>", ROOT)


def random_config(layers, rows, epochs, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0, 1, size=(rows, layers[0] + layers[-1])).tolist()
    return config_from({
        "network": {"inputs": layers[0], "hidden": layers[1:-1], "outputs": layers[-1], "activation": "sigmoid"},
        "training": {"learning_rate": 0.1, "epochs": epochs, "data": data},
        "normalize": {"method": "none"},
        "init": {"method": "random", "seed": seed},
    })


# --------------------------------------------------------------------------
# references, written here from the document's math, recording nothing

def plain_python(W, B, x, z, lr, steps):
    """The document's per-row SGD in plain Python lists (the W1 reference)."""
    sig = lambda s: 1.0 / (1.0 + math.exp(-s))  # noqa: E731
    for _ in range(steps):
        acts = [x]
        for w, b in zip(W, B):
            acts.append([sig(sum(wi * ai for wi, ai in zip(row, acts[-1])) + bj) for row, bj in zip(w, b)])
        y = acts[-1]
        d = [yi * (1 - yi) * (yi - zi) for yi, zi in zip(y, z)]
        deltas = [d]
        for l in range(len(W) - 1, 0, -1):
            a = acts[l]
            d = [a[j] * (1 - a[j]) * sum(W[l][k][j] * d[k] for k in range(len(d))) for j in range(len(a))]
            deltas.insert(0, d)
        for l in range(len(W)):
            inp = acts[l]
            W[l] = [[wi - lr * dj * ii for wi, ii in zip(row, inp)] for row, dj in zip(W[l], deltas[l])]
            B[l] = [bj - lr * dj for bj, dj in zip(B[l], deltas[l])]


def numpy_loop(params, X, Z, lr, epochs):
    """A straightforward numpy per-row loop of the same math, untraced (the W2 reference)."""
    W = [w.copy() for w, _ in params]
    B = [b.copy() for _, b in params]
    sig = lambda s: 1.0 / (1.0 + np.exp(-s))  # noqa: E731
    for _ in range(epochs):
        for x, z in zip(X, Z):
            acts = [x]
            for w, b in zip(W, B):
                acts.append(sig(w @ acts[-1] + b))
            d = acts[-1] * (1 - acts[-1]) * (acts[-1] - z)
            ds = [d]
            for l in range(len(W) - 1, 0, -1):
                d = acts[l] * (1 - acts[l]) * (W[l].T @ d)
                ds.insert(0, d)
            for l in range(len(W)):
                W[l] -= lr * np.outer(ds[l], acts[l])
                B[l] -= lr * ds[l]


def torch_loop(params, X, Z, lr, epochs):
    """What people reach for: nn.Linear layers, autograd, torch.optim.SGD, float64, one row at a time."""
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
    Xt, Zt = torch.from_numpy(X), torch.from_numpy(Z)

    def run():
        for _ in range(epochs):
            for i in range(len(Xt)):
                opt.zero_grad()
                loss = 0.5 * ((model(Xt[i]) - Zt[i]) ** 2).sum()
                loss.backward()
                opt.step()

    return run


# --------------------------------------------------------------------------
# workloads: each returns a dict of figures


def w1():
    from tracer.config import schema as config
    from tracer.config.run import record

    cfg = config.load(None)  # the document's 2-3-1 example, 1000 iterations
    X, Z = cfg.training_data()
    (w0, b0), (w1_, b1) = cfg.initial_params()

    def ref():
        plain_python([w0.tolist(), w1_.tolist()], [b0.tolist(), b1.tolist()], X[0].tolist(), Z[0].tolist(), 0.1, 1000)

    t = best(lambda: record(cfg, "all"), 7)
    r = best(ref, 7)
    return {"workload": "W1 document example, 1000 steps, all recorded", "mlptrace": t, "reference": r,
            "ref_name": "plain-Python loop", "target": "ratio <= 2.5", "ok": t / r <= 2.5}


def w2():
    from tracer.config.run import record

    cfg = random_config([64, 32, 10], 1000, 1)
    X, Z = cfg.training_data()
    params = cfg.initial_params()
    t = best(lambda: record(cfg, "all"), 5)
    r = best(lambda: numpy_loop(params, X, Z, 0.1, 1), 5)
    out = {"workload": "W2 64-32-10, 1000 rows, 1 epoch, all recorded", "mlptrace": t, "reference": r,
           "ref_name": "numpy loop", "target": "ratio <= 1.3", "ok": t / r <= 1.3}
    try:
        run = torch_loop(params, X, Z, 0.1, 1)
    except ImportError:
        out["torch"] = None
    else:
        tt = best(run, 3)
        out["torch"] = tt
        out["target"] += "; >= 2x faster than PyTorch"
        out["ok"] = out["ok"] and tt / t >= 2.0
    # memory of the full trace against the distinct float64 numbers it holds
    trace, _ = record(cfg, "all")
    held = sum(a.nbytes for a in (trace.x, trace.z, trace.loss)) + sum(
        a.nbytes for name in ("w", "b", "s", "a", "delta") for a in getattr(trace, name))
    k = trace.n_steps
    weights = sum(w.size + b.size for w, b in params)
    nodes = sum(cfg.layers[1:])
    distinct = k * (weights + 3 * nodes + cfg.layers[0] + cfg.layers[-1] + 1) * 8
    out["trace_bytes"], out["distinct_bytes"] = held, distinct
    out["target"] += "; trace <= 1.2x its numbers"
    out["ok"] = out["ok"] and held <= 1.2 * distinct
    return out


def w3():
    from tracer.config import schema as config
    from tracer.config.run import record

    cfg = config.load(None).replace(epochs=1_000_000)
    t = time.perf_counter()
    record(cfg, "epochs")
    t = time.perf_counter() - t
    rate = 1_000_000 / t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"workload": "W3 document network, 1,000,000 steps, epochs policy", "mlptrace": t, "reference": None,
            "steps_per_s": rate, "target": ">= 50,000 steps/s, peak <= 150 MB", "ok": rate >= 50_000 and peak <= 150}


def _cmd_time(argv, repeat=5):
    env = dict(os.environ)
    return best(lambda: subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT), repeat)


def _report_available():
    return (ROOT / "tracer" / "render.py").exists()


def w4():
    if not _report_available():
        return {"workload": "W4 mlptrace report of the document example", "skipped": "tracer.render is not there yet"}
    t = _cmd_time([sys.executable, "-m", "tracer", "report", "--format", "md", "-o", os.devnull])
    r = _cmd_time([sys.executable, "-c", "import sympy, jinja2"])
    return {"workload": "W4 mlptrace report of the document example, end to end", "mlptrace": t, "reference": r,
            "ref_name": "python -c 'import sympy, jinja2'", "target": "ratio <= 2.0", "ok": t / r <= 2.0}


def w5():
    from tracer.config import schema as config
    from tracer.config.run import record

    cfg = config.load(ROOT / "examples" / "classification" / "train.toml")  # 2-15-15-1, 5 rows, 1000 epochs
    t = best(lambda: record(cfg, "all"), 3)
    per = t / 5000 * 1e6
    return {"workload": "W5 2-15-15-1, 5 rows, 1000 epochs, all recorded", "mlptrace": t, "reference": None,
            "us_per_step": per, "target": "< 100 us per step (Go: 136 us)", "ok": per < 100}


def w6():
    if not _report_available():
        return {"workload": "W6 mlptrace report of a 64-32-10 network", "skipped": "tracer.render is not there yet"}
    import tempfile

    rng = np.random.default_rng(6)
    with tempfile.TemporaryDirectory() as d:
        rows = rng.uniform(0, 1, size=(100, 74)).round(4)
        header = ",".join([f"i{i}" for i in range(64)] + [f"z{i}" for i in range(10)])
        Path(d, "data.csv").write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
        Path(d, "c.toml").write_text(
            '[network]\ninputs = 64\nhidden = [32]\noutputs = 10\nactivation = "sigmoid"\n'
            '[training]\nepochs = 10\ndataset = "data.csv"\n[init]\nmethod = "random"\nseed = 6\n')
        t = _cmd_time([sys.executable, "-m", "tracer", "report", str(Path(d, "c.toml")), "--format", "md", "-o", os.devnull], 3)
    t4 = _cmd_time([sys.executable, "-m", "tracer", "report", "--format", "md", "-o", os.devnull], 3)
    return {"workload": "W6 mlptrace report of a 64-32-10 network (100 rows, 10 epochs)", "mlptrace": t, "reference": t4,
            "ref_name": "W4's report", "target": "ratio <= 3.0", "ok": t / t4 <= 3.0}


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}


def main(argv):
    if argv[:1] == ["--one"]:
        out = WORKLOADS[argv[1]]()
        # the workload's own process, or the commands it ran (W4, W6), whichever peaked higher
        out["peak_mb"] = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        print(json.dumps(out))
        return 0
    names = argv or list(WORKLOADS)
    rows = []
    for name in names:
        r = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            rows.append({"workload": name, "skipped": "failed"})
            continue
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"{'workload':<62} {'mlptrace':>10} {'reference':>10} {'ratio':>7} {'peak MB':>8}  target / result")
    all_ok = True
    for row in rows:
        if "skipped" in row:
            print(f"{row['workload']:<62} skipped: {row['skipped']}")
            continue
        t, r = row["mlptrace"], row.get("reference")
        ratio = f"{t / r:7.2f}" if r else "      -"
        extra = []
        if r:
            extra.append(f"vs {row['ref_name']}")
        if "torch" in row:
            extra.append("PyTorch not installed" if row["torch"] is None else
                         f"PyTorch {row['torch'] * 1e3:.1f} ms ({row['torch'] / t:.1f}x slower)")
        if "trace_bytes" in row:
            extra.append(f"trace {row['trace_bytes'] / 2**20:.1f} MiB = {row['trace_bytes'] / row['distinct_bytes']:.2f}x its numbers")
        if "steps_per_s" in row:
            extra.append(f"{row['steps_per_s']:,.0f} steps/s")
        if "us_per_step" in row:
            extra.append(f"{row['us_per_step']:.1f} us/step")
        all_ok &= row["ok"]
        print(f"{row['workload']:<62} {t * 1e3:8.1f}ms {(r or 0) * 1e3:8.1f}ms {ratio} {row['peak_mb']:8.1f}  "
              f"{row['target']}: {'met' if row['ok'] else 'MISSED'}; {'; '.join(extra)}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
