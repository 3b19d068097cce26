"""Benchmark: from a store to an engine, and evaluation latency on realistic transcripts.

What a deployment does, timed phase by phase on a synthetic graph (:mod:`benchmarks.synthetic`):

1. *prepare*, in a child process so that its memory does not count against the server's:
   generate the graph and import it into a fresh SQLite store file (one transaction);
2. *serve*, in this process: ``store.export()`` (the snapshot), ``Engine(snapshot)`` (the
   indexes) with the cyclic garbage collector paused and the heap then settled, as the
   service builds (:mod:`pathways.loading`), then ``evaluate`` on transcripts of 10 and of 40 holdings, after a warm-up;
   latency percentiles per size, and the process's peak RSS, which is what a server needs.

``python -m benchmarks.bench_evaluate --shape cuny --scale 1.0`` prints the figures and the
machine. ``--store none`` skips the store and builds the engine from the generated document.
The targets (CUNY scale 1.0, this project's 2-core reference machine) are in :data:`TARGETS`.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathways.engine import Engine, evaluate
from pathways.heap import gc_paused, settle_heap
from pathways.model import Document, EvaluationRequest
from pathways.store import open_store

from .machine import describe, machine_line, peak_rss_mib
from .synthetic import Shape, generate, transcripts

__all__ = ["TARGETS", "Figure", "main", "percentile", "report", "run", "table"]

TARGETS: dict[str, tuple[float, str]] = {
    "engine build (export + index + settle)": (60.0, "s"),
    "peak RSS (serving process)": (4096.0, "MiB"),
    "evaluate p50, 40 holdings": (5.0, "ms"),
    "evaluate p99, 40 holdings": (20.0, "ms"),
}
"""Upper bounds at CUNY scale 1.0 on the reference machine; at other scales they are only indicative."""

Figure = dict[str, Any]
"""One measured figure: ``benchmark``, ``shape``, ``scale``, ``metric``, ``value``, ``unit``, ``target``."""


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method: a value that was measured.

    >>> percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50), percentile(list(range(1, 101)), 99)
    (3.0, 99)
    """
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _prepare(db: str, shape: Shape, scale: float, seed: int) -> dict[str, float]:
    """Generate the graph and import it into the SQLite file ``db`` (run in the child process)."""
    t0 = time.perf_counter()
    doc = generate(scale, seed=seed, shape=shape)
    t1 = time.perf_counter()
    store = open_store(f"sqlite:///{db}")
    try:
        store.import_document(doc, actor="benchmark")
    finally:
        store.close()
    t2 = time.perf_counter()
    return {"generate_s": t1 - t0, "import_s": t2 - t1, "rules": len(doc.rules), "nodes": len(doc.nodes), "rss_mib": peak_rss_mib()}


def _prepare_in_child(db: str, shape: Shape, scale: float, seed: int) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.bench_evaluate", "--prepare", db, "--shape", shape, "--scale", str(scale), "--seed", str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@dataclass
class _Latency:
    """Measured milliseconds, grants over the completed measured evaluations; evaluations
    attempted and abandoned count the warm-up too."""

    samples: list[float] = field(default_factory=list)
    granted: int = 0
    attempted: int = 0
    timeouts: int = 0


class _Overrun(Exception):
    """An evaluation ran past the per-evaluation timeout."""


class _Alarm:
    """A one-shot ``SIGALRM`` that interrupts only while armed: a late signal is ignored."""

    def __init__(self) -> None:
        self.armed = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.armed:
            self.armed = False
            raise _Overrun


def _latencies(engine: Engine, requests: list[EvaluationRequest], warmup: int, *, timeout_s: float, budget_s: float) -> _Latency:
    """Milliseconds per evaluation after ``warmup`` unmeasured ones.

    An evaluation still running after ``timeout_s`` is abandoned and counted at ``timeout_s``
    (so percentiles stay honest lower bounds); measuring stops once ``budget_s`` is spent.
    The timeout uses ``SIGALRM``, so it is only armed in the main thread of a Unix process.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    alarm = _Alarm()
    previous = signal.signal(signal.SIGALRM, alarm) if usable else None
    out = _Latency()
    started = time.perf_counter()
    try:
        for n, req in enumerate(requests):
            if time.perf_counter() - started > budget_s:
                break
            t = time.perf_counter()
            result = None
            try:
                if usable:
                    alarm.armed = True
                    signal.setitimer(signal.ITIMER_REAL, timeout_s)
                result = evaluate(engine, req)
                alarm.armed = False
            except _Overrun:
                result = None
            alarm.armed = False
            if usable:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = (time.perf_counter() - t) * 1000
            out.attempted += 1
            out.timeouts += result is None
            if n < warmup:
                continue
            if result is None:
                out.samples.append(timeout_s * 1000)
            else:
                out.samples.append(elapsed)
                out.granted += len(result.granted)
    finally:
        if usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return out


def run(
    *,
    shape: Shape = "cuny",
    scale: float = 1.0,
    seed: int = 0,
    evaluations: int = 300,
    store: str = "sqlite",
    timeout_s: float = 10.0,
    budget_s: float = 300.0,
) -> list[Figure]:
    """Measure every phase; return the figures (see :data:`Figure`).

    ``evaluations`` transcripts of each size are measured, unless ``budget_s`` seconds per
    size run out first; an evaluation longer than ``timeout_s`` is abandoned and counted.
    """
    figures: list[Figure] = []

    def fig(metric: str, value: float, unit: str) -> None:
        target = TARGETS.get(metric, (None, unit))[0] if shape == "cuny" else None
        figures.append({"benchmark": "evaluate", "shape": shape, "scale": scale, "metric": metric, "value": value, "unit": unit,
                        "target": target})  # fmt: skip

    if store == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
            db = str(Path(tmp) / "bench.db")
            prepared = _prepare_in_child(db, shape, scale, seed)
            t0 = time.perf_counter()
            s = open_store(f"sqlite:///{db}")
            try:
                doc: Document = s.export()
            finally:
                s.close()
            export_s = time.perf_counter() - t0
            db_mib = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
    else:
        t0 = time.perf_counter()
        doc = generate(scale, seed=seed, shape=shape)
        prepared = {"generate_s": time.perf_counter() - t0, "rules": len(doc.rules), "nodes": len(doc.nodes)}
        export_s = 0.0
    t1 = time.perf_counter()
    with gc_paused():  # as the service and the CLI build (pathways.loading.load_engine)
        engine = Engine(doc)
    build_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    settle_heap()
    settle_s = time.perf_counter() - t2
    fig("rules", prepared["rules"], "")
    fig("nodes", prepared["nodes"], "")
    fig("generate", prepared["generate_s"], "s")
    if store == "sqlite":
        fig("import into SQLite", prepared["import_s"], "s")
        fig("SQLite file size", db_mib, "MiB")
        fig("peak RSS (generate + import process)", prepared["rss_mib"], "MiB")
        fig("export (snapshot)", export_s, "s")
    fig("engine index", build_s, "s")
    fig("heap settle (collect + freeze)", settle_s, "s")
    fig("engine build (export + index + settle)", export_s + build_s + settle_s, "s")
    for size in (10, 40):
        requests = transcripts(doc, size, evaluations + evaluations // 10, seed=seed)
        lat = _latencies(engine, requests, evaluations // 10, timeout_s=timeout_s, budget_s=budget_s)
        if lat.samples:
            fig(f"evaluate p50, {size} holdings", percentile(lat.samples, 50), "ms")
            fig(f"evaluate p99, {size} holdings", percentile(lat.samples, 99), "ms")
            fig(f"evaluate max, {size} holdings", max(lat.samples), "ms")
            fig(f"evaluate mean, {size} holdings", statistics.fmean(lat.samples), "ms")
        fig(f"evaluations measured, {size} holdings", len(lat.samples), "")
        fig(f"evaluations over {timeout_s:g} s (abandoned, warm-up included), {size} holdings", lat.timeouts, "")
        fig(f"evaluations attempted (warm-up included), {size} holdings", lat.attempted, "")
        completed = [x for x in lat.samples if x < timeout_s * 1000]
        if completed:
            fig(f"grants per evaluation, {size} holdings", lat.granted / len(completed), "")
    fig("peak RSS (serving process)", peak_rss_mib(), "MiB")
    return figures


def format_value(value: float, unit: str) -> str:
    """A figure for a table: counts with thousands separators, times and sizes to 3 significant digits."""
    if not unit:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"


def report(figures: list[Figure], *, as_json: bool) -> None:
    """Print the figures with the machine they ran on: a table, or JSON with ``--json``."""
    if as_json:
        print(json.dumps({"machine": describe(), "figures": figures}, indent=2))
    else:
        print(table(figures))
        print(f"\nmachine: {machine_line()}")


def table(figures: list[Figure]) -> str:
    """The figures as a markdown table, with each target and whether it is met."""
    lines = ["| benchmark | shape | scale | metric | value | target |", "|---|---|---|---|---|---|"]
    for f in figures:
        target = "" if f["target"] is None else f"<= {format_value(f['target'], f['unit'])} " + ("ok" if f["value"] <= f["target"] else "MISSED")
        lines.append(f"| {f['benchmark']} | {f['shape']} | {f['scale']:g} | {f['metric']} | {format_value(f['value'], f['unit'])} | {target} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.bench_evaluate --shape cuny --scale 1.0``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=("cuny", "bc"), default="cuny")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the published size (default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluations", type=int, default=300, help="measured evaluations per transcript size")
    parser.add_argument("--store", choices=("sqlite", "none"), default="sqlite", help="build the engine from a SQLite store or straight from the generated graph")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds after which one evaluation is abandoned (counted)")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of evaluations per transcript size at most")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--prepare", metavar="DB", help=argparse.SUPPRESS)  # the child process's entry point
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(_prepare(args.prepare, args.shape, args.scale, args.seed)))
        return 0
    figures = run(shape=args.shape, scale=args.scale, seed=args.seed, evaluations=args.evaluations, store=args.store,
                  timeout_s=args.timeout, budget_s=args.budget)  # fmt: skip
    report(figures, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
