"""Benchmark: importing a synthetic graph into each store, and building the engine from it.

For the SQLite store (a temporary file) and the Neo4j store (Bolt to an ArcadeDB server
from the ``arcadedb-embedded`` wheel, started here on loopback ports, as in the tests),
on the same generated graph (:mod:`benchmarks.synthetic`):

- *import*: one ``import_document`` of the whole graph into the empty store (one
  transaction; batched ``UNWIND`` on Neo4j), in seconds and rows (institutions + nodes +
  rules) per second;
- *re-import*: the same document again, which finds every entity unchanged and writes nothing;
- *engine build*: ``store.export()`` then ``Engine(snapshot)``, what each API replica does
  when the graph version moves;
- *version()*: the median latency of the one query replicas poll.

``python -m benchmarks.bench_import --shape bc --scale 1.0`` prints the figures and the
machine. ArcadeDB is not Neo4j: its figures say what the Bolt path costs, not what a Neo4j
server would do (docs/neo4j.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pathways.engine import Engine
from pathways.model import Document
from pathways.store import Store, open_store

from .bench_evaluate import Figure, report
from .synthetic import Shape, generate

__all__ = ["STORES", "empty_store", "main", "run"]

STORES = ("sqlite", "neo4j")

Record = Callable[[str, float, str], None]
"""Records one figure: metric, value, unit."""


def _measure(store: Store, doc: Document, fig: Record) -> None:
    rows = len(doc.institutions) + len(doc.nodes) + len(doc.rules)
    t0 = time.perf_counter()
    summary = store.import_document(doc, actor="benchmark", action="load")
    import_s = time.perf_counter() - t0
    assert len(summary.changes) == rows, "the store was not empty"
    fig("import", import_s, "s")
    fig("import rate", rows / import_s, "rows/s")
    t1 = time.perf_counter()
    again = store.import_document(doc, actor="benchmark", action="load")
    fig("re-import, nothing changed", time.perf_counter() - t1, "s")
    assert again.changes == ()
    t2 = time.perf_counter()
    snapshot = store.export()
    export_s = time.perf_counter() - t2
    t3 = time.perf_counter()
    Engine(snapshot)
    fig("export (snapshot)", export_s, "s")
    fig("engine build (export + index)", export_s + time.perf_counter() - t3, "s")
    latencies = []
    for _ in range(200):
        t = time.perf_counter()
        store.version()
        latencies.append((time.perf_counter() - t) * 1000)
    fig("version() median", statistics.median(latencies), "ms")


@contextmanager
def empty_store(kind: str, *, heap: str = "4g") -> Iterator[tuple[Store, float]]:
    """An empty store of ``kind`` and the seconds its server took to start: a temporary SQLite
    file (0 s), or the Neo4j store on a fresh ArcadeDB server over Bolt with ``heap``.

    The ArcadeDB server is the fixture server of the tests: run from the repository root,
    where ``tests`` is importable.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield store, 0.0
            finally:
                store.close()
        return
    from tests.store.arcadedb import start_arcadedb

    server = start_arcadedb(heap=heap)
    try:
        store = open_store(server.url)
        try:
            yield store, server.started_in
        finally:
            store.close()
    finally:
        server.stop()


def run(*, shape: Shape = "bc", scale: float = 1.0, seed: int = 0, stores: Sequence[str] = STORES) -> list[Figure]:
    """Measure each store on one generated graph; return the figures (see :data:`benchmarks.bench_evaluate.Figure`)."""
    figures: list[Figure] = []
    t0 = time.perf_counter()
    doc = generate(scale, seed=seed, shape=shape)
    generate_s = time.perf_counter() - t0

    def figure(store: str) -> Record:
        def fig(metric: str, value: float, unit: str) -> None:
            figures.append({"benchmark": f"import {store}", "shape": shape, "scale": scale, "metric": metric, "value": value,
                            "unit": unit, "target": None})  # fmt: skip
            print(f"{store}: {metric} {value:,.3f} {unit}", file=sys.stderr, flush=True)  # progress on long runs

        return fig

    common = figure("graph")
    common("rows (institutions + nodes + rules)", len(doc.institutions) + len(doc.nodes) + len(doc.rules), "")
    common("rules", len(doc.rules), "")
    common("generate", generate_s, "s")
    for kind in stores:
        name = "sqlite" if kind == "sqlite" else "neo4j (ArcadeDB)"
        with empty_store(kind, heap="4g") as (store, started_in):
            fig = figure(name)
            if kind != "sqlite":
                fig("server start", started_in, "s")
            _measure(store, doc, fig)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.bench_import --shape bc --scale 1.0``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=("cuny", "bc"), default="bc")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the published size (default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", choices=STORES, action="append", help="only this store (repeatable; default both)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(shape=args.shape, scale=args.scale, seed=args.seed, stores=args.store or STORES)
    report(figures, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
