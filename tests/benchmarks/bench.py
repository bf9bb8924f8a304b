"""mlptrace's benchmark: issue 16's rows R1-R8, each a pair of workloads timed in alternation.

    python tests/benchmarks/bench.py                  # every row, the full run (minutes: R7 dominates)
    python tests/benchmarks/bench.py R1 R6            # some rows (or: --rows R1,R6)
    python tests/benchmarks/bench.py --quick          # a smoke run: one pair per row, under a minute
    python tests/benchmarks/bench.py --pairs 15 R2    # more pairs than the default

How a row is measured.  Its work A and what it is compared against, B, run
in alternation, A B A B ..., so that load on the machine moves both sides of
a pair together; each pair gives one ratio A/B, and the table prints the
median of those ratios with their min-max and the number of pairs, against
the row's target from issue 16 (PASS when the median is at most the
target).  Lines marked "for the record" are further references timed in the
same rounds (A B C D A B C D ...), their ratio being A over them; they have
no target.  Times are wall-clock (time.perf_counter); a side that runs
faster than a few tenths of a second is repeated within its turn and its
time divided, so a sample is never a timer's rounding.  Each side runs once
before timing, untimed: the warm-up, which measures its peak memory.

Peak memory is per side, from that warm-up: for in-process work,
tracemalloc's peak (Python and numpy allocations, counted when allocated,
so a buffer of np.zeros counts whole even where its pages are never
touched; PyTorch's allocator is not seen by tracemalloc, so its sides say
n/a (torch)); for commands run as subprocesses, the command's own ru_maxrss
(os.wait4), the run started from a small launcher (Linux copies a parent's
peak into its child's ru_maxrss at exec, so the benchmark's own would show
otherwise; the launcher's few MiB are the floor).

References are checked before they are timed: every reference's final
weights must equal the engine's within 1e-12, a traced run must end with the
same weights as the untraced one and its .npz must hold every step, and the
seed x50 must give verify five times the seed x10's checks.  A row whose
check fails is printed as failed and is not timed.

Rows (issue 16's table):
  R1  the document's 2-3-1, every step recorded to .npz  vs  a tight plain-Python loop, untraced
  R2  64-32-10, 1,000 rows, train --trace FILE.npz       vs  the same run, nothing recorded
  R3  784-128-10, train --trace FILE.npz                 vs  the same run, nothing recorded
  R4  784-128-10, nothing recorded                       vs  PyTorch float64, hand-written backprop, one thread
  R5  report of 784-128-10                               vs  report of the embedded example
  R6  verify of the seed x50                             vs  verify of the seed x10
  R7  report --full of 128-64-10                         vs  report of the embedded example
  R8  report of the embedded example                     vs  python -c "import sympy, jinja2"

--quick runs one pair per row on smaller workloads (R2 100 rows, R3-R5 10
rows, R7 32-16-10, R6 the seed x10 against x2), each row's text naming its
sizes: it proves the script and the commands work, its ratios mean little.
R1-R4 run in this process through the library's own record() (what
`mlptrace train` calls, with and without --trace FILE.npz); R5-R8 run the
command line as subprocesses.  PyTorch and numba are optional: rows and lines
that need them say "skipped: ... not installed".

Exit status: 0 every timed row met its target, 1 some row missed, 2 a row
could not run or a reference failed its check.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import references as refs  # noqa: E402

# the document mlptrace is built from: shipped with the examples, or where the project keeps it
SEED_DOC = next((p for p in (ROOT / "examples" / "seed" / "seed.txt", Path("/work/shared/seed/000_d1bbbb5a7e4faeaf.txt"))
                 if p.exists()), ROOT / "examples" / "seed" / "seed.txt")
TOLERANCE = 1e-12


class CheckFailed(Exception):
    """A reference or a workload did not compute what it should: its row is not timed."""


@dataclass
class Side:
    """One workload of a row: ``run()`` does it once (a command's ``run(launch=True)`` returns its ru_maxrss)."""

    label: str
    run: Callable[..., int | None]
    subprocess: bool = False
    steps: int = 0  # training steps per run, for a per-step time
    traced_memory: bool = True  # False where tracemalloc cannot see the allocations (PyTorch)
    skipped: str = ""


@dataclass
class Row:
    key: str
    work: str
    a: Side
    b: Side
    target: float
    record: list[Side] = field(default_factory=list)
    check: Callable[[], None] = lambda: None  # before anything runs (references from the initial weights)
    after_warmup: Callable[[], None] = lambda: None  # once every side has run once (a command's output)
    skipped: str = ""
    failed: str = ""
    # filled by measure()
    times: dict[str, list[float]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    peak: dict[str, float | None] = field(default_factory=dict)


def skipped_side(label: str, why: str) -> Side:
    return Side(label, lambda: None, skipped=why)


# --------------------------------------------------------------------------
# workloads: configs and data written into a temporary folder, so that the
# in-process rows and the command line read exactly the same files


def write_config(folder: Path, name: str, layers: list[int], rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    n_in, n_out = layers[0], layers[-1]
    data = rng.uniform(0, 1, size=(rows, n_in + n_out)).round(4)
    header = ",".join([f"i{i}" for i in range(n_in)] + [f"z{i}" for i in range(n_out)])
    (folder / f"{name}.csv").write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in data) + "\n")
    path = folder / f"{name}.toml"
    path.write_text(
        f'[network]\ninputs = {n_in}\nhidden = {layers[1:-1]}\noutputs = {n_out}\nactivation = "sigmoid"\n'
        f'[training]\nlearning_rate = 0.1\nepochs = 1\ndataset = "{name}.csv"\n'
        f'[normalize]\nmethod = "none"\n[init]\nmethod = "random"\nseed = {seed}\n')
    return path


def max_difference(got, want) -> float:
    return max(max(float(np.max(np.abs(gw - ww))), float(np.max(np.abs(gb - wb))))
               for (gw, gb), (ww, wb) in zip(got, want))


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


class Training:
    """One config trained in process, traced to .npz or not, and the references that train the same rows."""

    def __init__(self, config_path: Path | None, folder: Path, name: str):
        from tracer.config import schema

        self.cfg = schema.load(config_path)
        self.X, self.Z = self.cfg.training_data()
        self.params = self.cfg.initial_params()
        self.steps = self.cfg.epochs * len(self.X)
        self.npz = folder / f"{name}.npz"
        self._engine = None

    def traced(self) -> None:
        from tracer.config.run import record

        record(self.cfg, "all", stream_to=str(self.npz))  # what `train --trace FILE.npz` runs

    def untraced(self) -> None:
        from tracer.config.run import record

        record(self.cfg, "epochs")  # what `train` runs without --trace

    def engine_weights(self):
        if self._engine is None:
            from tracer.config.run import record

            self._engine = record(self.cfg, "epochs")[1].params
        return self._engine

    def check_traced(self) -> None:
        """The traced run ends where the untraced one does, bit for bit, and its file holds every step."""
        from tracer.config import trace_io
        from tracer.config.run import record

        _, net = record(self.cfg, "all", stream_to=str(self.npz))
        if max_difference(net.params, self.engine_weights()) != 0.0:
            raise CheckFailed("the traced run's final weights differ from the untraced run's")
        kept = trace_io.load(self.npz).n_steps
        if kept != self.steps:
            raise CheckFailed(f"{self.npz.name} holds {kept} steps, not {self.steps}")

    def reference(self, label: str, prepare, needs: str = "") -> tuple[Side, Callable[[], None]]:
        """A reference side and its check (its final weights against the engine's), or a skipped side."""
        if needs == "torch" and not torch_available():
            return skipped_side(label, "torch not installed"), lambda: None
        if needs == "numba" and not refs.numba_available():
            return skipped_side(label, "numba not installed (optional)"), lambda: None
        epochs = self.cfg.epochs
        run, result = prepare(self.params, self.X, self.Z, self.cfg.learning_rate, epochs)

        def check() -> None:
            run()  # once from the initial weights, untimed; the timed runs continue from here
            diff = max_difference(result(), self.engine_weights())
            if not diff <= TOLERANCE:
                raise CheckFailed(f"{label}: final weights differ from the engine's by {diff:.3g} (> {TOLERANCE:g})")

        return Side(label, run, steps=self.steps, traced_memory=needs != "torch"), check


def checks(*fns: Callable[[], None]) -> Callable[[], None]:
    def run_all() -> None:
        for fn in fns:
            fn()
    return run_all


def training_row(key, work, training: Training, a: Side, b_pair, target, record_pairs) -> Row:
    b, b_check = b_pair
    record = [side for side, _ in record_pairs]
    all_checks = [b_check, *(c for _, c in record_pairs)]
    skipped = f"{b.label}: {b.skipped}" if b.skipped else ""
    return Row(key, work, a, b, target, record, checks(*all_checks), skipped=skipped)


# --------------------------------------------------------------------------
# commands run as subprocesses


# The peak memory of a command is measured through this launcher, in one extra
# untimed run: Linux carries the parent's peak into a child's ru_maxrss at
# exec, so a command started straight from the benchmark (which holds numpy,
# PyTorch and numba) would report the benchmark's peak.  Started from this
# small process instead, the floor is the launcher's own few MiB.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


# the commands run the same tracer as the in-process rows: this checkout's, not whatever is installed
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def command(label: str, argv: list[str], cwd: Path, ok_codes=(0,)) -> Side:
    full = [sys.executable, "-m", "tracer", *argv] if argv[0] != "-c" else [sys.executable, *argv]

    def run(launch: bool = False) -> int | None:
        child = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *full] if launch else full, cwd=cwd, env=CHILD_ENV,
                               stdout=subprocess.PIPE if launch else subprocess.DEVNULL, stderr=subprocess.PIPE)
        if child.returncode not in ok_codes:
            last = child.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
            raise CheckFailed(f"`{' '.join(argv)}` exited {child.returncode}: {last[0]}")
        return int(child.stdout) if launch else None  # ru_maxrss, KiB on Linux

    return Side(label, run, subprocess=True)


def report_argv(config: Path | None, out: Path, *extra: str) -> list[str]:
    return ["report", *([str(config)] if config else []), *extra, "--format", "md", "-o", str(out)]


def check_written(*paths: Path) -> Callable[[], None]:
    def check() -> None:
        for p in paths:
            if not p.exists() or p.stat().st_size == 0:
                raise CheckFailed(f"{p.name} was not written")
    return check


def verify_checks(doc: Path, cwd: Path) -> int:
    import json

    r = subprocess.run([sys.executable, "-m", "tracer", "verify", str(doc), "--json", "-"],
                       cwd=cwd, env=CHILD_ENV, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise CheckFailed(f"verify {doc.name} exited {r.returncode}: {r.stderr.strip()[-200:]}")
    return len(json.loads(r.stdout))


# --------------------------------------------------------------------------
# the rows


@dataclass(frozen=True)
class Sizes:
    """The workloads' sizes: issue 16's, or a smoke run's smaller ones (--quick), named in every row's text."""

    mid_rows: int = 1000  # R2's 64-32-10
    big_rows: int = 100  # R3, R4 and R5's 784-128-10
    full_layers: tuple[int, ...] = (128, 64, 10)  # R7's report --full
    seed_copies: tuple[int, int] = (10, 50)  # R6's verify: B's copies of the seed, A's


FULL = Sizes()
QUICK = Sizes(mid_rows=100, big_rows=10, full_layers=(32, 16, 10), seed_copies=(2, 10))


def dashed(layers) -> str:
    return "-".join(map(str, layers))


def build_rows(keys: list[str], folder: Path, sizes: Sizes = FULL) -> list[Row]:
    made: dict[str, Training] = {}

    def training(name: str, layers: list[int] | None = None, rows: int = 0) -> Training:
        if name not in made:
            path = None if layers is None else write_config(folder, name, layers, rows, seed=16)
            made[name] = Training(path, folder, name)
        return made[name]

    mid, big = [64, 32, 10], [784, 128, 10]
    out: list[Row] = []
    for key in keys:
        if key == "R1":
            t = training("document")
            a = Side("mlptrace, every step to .npz", t.traced, steps=t.steps)
            out.append(training_row(
                "R1", f"the document's 2-3-1, {t.steps:,} steps, every step recorded to .npz", t, a,
                t.reference("tight plain-Python loop, untraced", refs.prepare_plain), 2.0,
                [t.reference("plain Python unrolled for 2-3-1", refs.prepare_unrolled),
                 t.reference("numpy loop with out= buffers", refs.prepare_numpy),
                 t.reference("numba loop (the stack's limit)", refs.prepare_numba, "numba"),
                 (Side("mlptrace, nothing recorded", t.untraced, steps=t.steps), lambda: None)]))
            out[-1].check = checks(out[-1].check, t.check_traced)
        elif key in ("R2", "R3"):
            layers, rows = (mid, sizes.mid_rows) if key == "R2" else (big, sizes.big_rows)
            t = training(dashed(layers), layers, rows)
            row = Row(key, f"{dashed(layers)}, {rows:,} rows, one epoch, `train --trace FILE.npz`",
                      Side("mlptrace, every step to .npz", t.traced, steps=t.steps),
                      Side("the same run, nothing recorded", t.untraced, steps=t.steps), 1.1,
                      check=t.check_traced)
            if key == "R2":
                pairs = [t.reference("numpy loop with out= buffers", refs.prepare_numpy),
                         t.reference("PyTorch, hand-written backprop", refs.prepare_torch_manual, "torch"),
                         t.reference("PyTorch nn.Module + optim.SGD", refs.prepare_torch_module, "torch"),
                         t.reference("numba loop (the stack's limit)", refs.prepare_numba, "numba")]
                row.record = [s for s, _ in pairs]
                row.check = checks(t.check_traced, *(c for _, c in pairs))
            out.append(row)
        elif key == "R4":
            t = training(dashed(big), big, sizes.big_rows)
            a = Side("mlptrace, nothing recorded", t.untraced, steps=t.steps)
            out.append(training_row(
                "R4", f"784-128-10, {sizes.big_rows:,} rows, one epoch, nothing recorded", t, a,
                t.reference("PyTorch float64, hand-written backprop, 1 thread", refs.prepare_torch_manual, "torch"),
                1.5,
                [t.reference("PyTorch nn.Module + optim.SGD", refs.prepare_torch_module, "torch"),
                 t.reference("numpy loop with out= buffers", refs.prepare_numpy),
                 t.reference("numba loop (the stack's limit)", refs.prepare_numba, "numba")]))
        elif key in ("R5", "R7", "R8"):
            embedded = command("report of the embedded example", report_argv(None, folder / "embedded.md"), folder)
            if key == "R5":
                config = write_config(folder, "report-big", big, sizes.big_rows, seed=16)
                a = command("`report` of 784-128-10", report_argv(config, folder / "big.md"), folder)
                row = Row(key, f"`mlptrace report` of 784-128-10 ({sizes.big_rows:,} rows, one epoch)", a, embedded,
                          2.0, after_warmup=check_written(folder / "big.md", folder / "embedded.md"))
            elif key == "R7":
                layers = list(sizes.full_layers)
                config = write_config(folder, "report-full", layers, 100, seed=16)
                a = command(f"`report --full` of {dashed(layers)}", report_argv(config, folder / "full.md", "--full"),
                            folder)
                row = Row(key, f"`mlptrace report --full` of {dashed(layers)} (100 rows, one epoch)", a, embedded,
                          3.0, after_warmup=check_written(folder / "full.md", folder / "embedded.md"))
            else:
                b = command('python -c "import sympy, jinja2"', ["-c", "import sympy, jinja2"], folder)
                row = Row(key, "`mlptrace report` of the embedded example", embedded, b, 1.5,
                          after_warmup=check_written(folder / "embedded.md"))
            out.append(row)
        elif key == "R6":
            seed = SEED_DOC.read_text()
            few, many = sizes.seed_copies
            docs = {}
            for n in (few, many):
                docs[n] = folder / f"seed-x{n}.md"
                docs[n].write_text("\n".join([seed] * n))

            def check_scaling() -> None:
                # a verify that stopped early on the longer document would flatter the ratio
                counts = [verify_checks(d, folder) for d in (SEED_DOC, docs[few], docs[many])]
                if not (counts[0] > 0 and counts[1:] == [few * counts[0], many * counts[0]]):
                    raise CheckFailed(f"verify found {counts} checks in the seed x1, x{few}, x{many}")

            verify = [command(f"verify of the seed x{n}", ["verify", str(docs[n])], folder, (0, 1)) for n in (many, few)]
            # the target is issue 16's for x50 against x10 (linear would be 5): the same factor 5 in a quick run
            out.append(Row(key, f"`mlptrace verify` of the seed x{many}", *verify, 6.0, check=check_scaling))
        else:
            raise SystemExit(f"bench.py: unknown row {key!r}; the rows are {', '.join(ROWS)}")
    return out


ROWS = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]


# --------------------------------------------------------------------------
# measuring


def timed(side: Side, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        side.run()
    return (time.perf_counter() - start) / inner


def peak_run(side: Side) -> tuple[float, float | None]:
    """The untimed warm-up: one run measuring peak memory (MiB), and how long it took."""
    start = time.perf_counter()
    if side.subprocess:
        peak = side.run(launch=True) / 1024  # ru_maxrss: KiB on Linux
    elif side.traced_memory:
        tracemalloc.start()
        try:
            side.run()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    else:
        side.run()
        peak = None
    return time.perf_counter() - start, peak


def measure(row: Row, pairs: int, min_sample: float) -> None:
    sides = [row.a, row.b, *(s for s in row.record if not s.skipped)]
    try:
        row.check()
        inner = {}
        for s in sides:
            took, row.peak[s.label] = peak_run(s)
            if not s.subprocess and took < 3 * min_sample:
                took = timed(s, 1)  # tracemalloc slowed the warm-up: size the repeats from a clean run
            inner[s.label] = 1 if s.subprocess else max(1, math.ceil(min_sample / max(took, 1e-9)))
        row.after_warmup()
        row.times = {s.label: [] for s in sides}
        for _ in range(pairs):  # A B C ... A B C ...: each round's ratios share the machine's load
            for s in sides:
                row.times[s.label].append(timed(s, inner[s.label]))
    except CheckFailed as exc:
        row.failed = str(exc)
        return
    except Exception as exc:  # the tree under measurement is broken: say so on the row, run the others
        row.failed = f"{type(exc).__name__}: {exc}"
        return
    a = row.times[row.a.label]
    row.ratios = {s.label: [ta / tb for ta, tb in zip(a, row.times[s.label])] for s in sides[1:]}


# --------------------------------------------------------------------------
# the table


def seconds(t: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale or unit == "µs":
            return f"{t / scale:.3g} {unit}"
    raise AssertionError


def time_cell(row: Row, side: Side) -> str:
    t = statistics.median(row.times[side.label])
    cell = seconds(t)
    if side.steps:
        cell += f" ({seconds(t / side.steps)}/step)"
    return cell


def ratio_cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f}, n={len(values)})"


def peak_cell(row: Row, side: Side) -> str:
    p = row.peak.get(side.label)
    if p is None:
        return "n/a (torch)"
    size = f"{p:.1f} MiB" if p >= 1 else f"{p * 1024:.0f} KiB"
    return f"{size} ({'ru_maxrss' if side.subprocess else 'tracemalloc'})"


def table(rows: list[Row]) -> tuple[list[str], int]:
    lines = ["| row | work (A) | against (B) | A | B | A/B: median (min–max) | target | result | peak A; B |",
             "|---|---|---|---:|---:|---:|---:|---|---|"]
    status = 0
    for row in rows:
        head = f"| {row.key} | {row.work} | {row.b.label} |"
        if row.skipped:
            lines.append(f"{head} | | skipped: {row.skipped} | ≤ {row.target:g} | skipped | |")
            continue
        if row.failed:
            lines.append(f"{head} | | failed: {row.failed} | ≤ {row.target:g} | FAILED | |")
            status = 2
            continue
        ratios = row.ratios[row.b.label]
        ok = statistics.median(ratios) <= row.target
        status = max(status, 0 if ok else 1)
        lines.append(f"{head} {time_cell(row, row.a)} | {time_cell(row, row.b)} | {ratio_cell(ratios)} | "
                     f"≤ {row.target:g} | {'PASS' if ok else 'MISS'} | {peak_cell(row, row.a)}; {peak_cell(row, row.b)} |")
        for side in row.record:
            if side.skipped:
                lines.append(f"| {row.key} | for the record | {side.label} | | | skipped: {side.skipped} | | | |")
                continue
            lines.append(f"| {row.key} | for the record: A against it | {side.label} | | {time_cell(row, side)} | "
                         f"{ratio_cell(row.ratios[side.label])} | | | {peak_cell(row, side)} |")
    return lines, status


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}); load average {load}; Python {sys.version.split()[0]}, numpy {np.__version__}"


def tree() -> str:
    """Which tracer is measured: the checkout's folder, its commit, and whether it has uncommitted changes."""
    import tracer

    where = Path(tracer.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "tracer", "templates"], cwd=where,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{where} (not a git checkout)"
    return f"{where} at {head.stdout.strip()}{' with uncommitted changes to tracer/ or templates/' if dirty else ''}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="ROW", help=f"rows to run ({', '.join(ROWS)}; default all)")
    parser.add_argument("--rows", default="", help="rows to run, comma-separated (same as naming them)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: one pair per row, smaller workloads")
    parser.add_argument("--pairs", type=int, default=0, help="A/B pairs per row (default 9; 1 with --quick)")
    args = parser.parse_args(argv)
    keys = [k.strip().upper() for k in [*args.names, *args.rows.split(",")] if k.strip()] or ROWS
    pairs = args.pairs or (1 if args.quick else 9)
    min_sample = 0.02 if args.quick else 0.3
    print(f"machine: {machine()}")
    print(f"measuring: {tree()}")
    print(f"mode: {'quick (a smoke run: smaller workloads, the ratios mean little)' if args.quick else 'full'}, "
          f"{pairs} pair(s) per row")
    with tempfile.TemporaryDirectory(prefix="mlptrace-bench-") as tmp:
        rows = build_rows(keys, Path(tmp), QUICK if args.quick else FULL)
        for row in rows:
            if not row.skipped:
                start = time.perf_counter()
                # subprocess rows are slower per sample; the default keeps them to 5 pairs
                measure(row, pairs if (args.pairs or args.quick or not row.a.subprocess) else 5, min_sample)
                print(f"  {row.key} measured in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    lines, status = table(rows)
    print("\n".join(lines))
    if any("n/a (torch)" in line for line in lines):
        print("n/a (torch): PyTorch allocates outside tracemalloc, so its peak is not measured")
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
