"""Benchmark: a transfer-guide table (CSV, ``bctg`` layout) read and imported into each store.

A synthetic table shaped like the BC Transfer Guide (:func:`table`): sending courses of 25
institutions, each row one agreement with one of 12 receiving institutions, its credit in
the guide's notation (assigned, unassigned ``1XX``/``200 level``/``1st``, ``&`` clusters,
designations, ``Exempt``, ``No credit``) and, for a third of rows, an effective window.

Figures, for the SQLite store (a temporary file) and the Neo4j store (Bolt to an ArcadeDB
server started here, as in the tests):

- *read*: :func:`~pathways.io.csv_import.read_transfer_table` against the empty store's ids,
  the median of ``--repeat`` runs, in rows/s (it does not touch the store, so it is measured
  once, not per store);
- *write*: one ``import_document`` of what the table yields (one transaction);
- *import*: read + write, the figure a registrar sees from ``pathways import-csv``, in rows/s.

``python -m benchmarks.bench_import_csv --rows 50000`` prints the figures and the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence

from pathways.io.csv_import import read_transfer_table
from pathways.model import KnownIds
from pathways.store import Store

from .bench_evaluate import Figure, report
from .bench_import import empty_store

__all__ = ["STORES", "main", "run", "table"]

STORES = ("sqlite", "neo4j")
_SENDING = [f"C{i:02d}" for i in range(25)]
_RECEIVING = ["SFU", "UVIC", "UBCV", "UBCO", "UNBC", "TRU", "KPU", "VIU", "UFV", "RRU", "CAPU", "BCIT"]
_SUBJECTS = ["MATH", "ENGL", "HIST", "PSYC", "BIOL", "CHEM", "PHYS", "GEOG", "ECON", "CMPT", "CRIM", "PHIL", "SOCI", "ANTH",
             "FREN", "LING", "STAT", "BUS", "POLI", "ADMN", "EDUC", "NURS", "ARTH", "WMST"]
_DESIGNATIONS = ["DE", "QUAN", "B-Hum", "B-Sci", "B-Soc", "Q", "W"]


def _credit(rng: random.Random, receiving: str, subject: str, number: str) -> str:
    roll = rng.random()
    credits = rng.choice(["3", "3", "3", "1.5", "4", "6"])
    if roll < 0.03:
        return "No credit"
    if roll < 0.05:
        return f"Exempt {subject} {number}"
    level = number[0]
    if roll < 0.45:
        text = f"{receiving} {subject} {level}XX ({credits})"
    elif roll < 0.55:
        text = f"{receiving} {subject} {level}00 level ({credits})"
    elif roll < 0.6:
        text = f"{receiving} {subject} {['1st', '2nd', '3rd', '4th'][int(level) - 1]} ({credits})"
    elif roll < 0.68:
        text = f"{receiving} {subject} {number} ({credits}) & {subject} {int(number) + 1} ({credits})"
    else:
        text = f"{receiving} {subject} {number} ({credits})"
    if rng.random() < 0.3:
        text += " " + rng.choice(_DESIGNATIONS)
    return text


def table(rows: int, *, seed: int = 0) -> str:
    """A synthetic ``bctg`` table of ``rows`` agreements, each (sending course, receiving institution) once."""
    rng = random.Random(seed)
    lines = ["sending_institution,sending_course,sending_title,sending_credits,receiving_institution,transfer_credit,effective"]
    seen: set[tuple[str, str, str]] = set()
    while len(lines) <= rows:
        inst, subject = rng.choice(_SENDING), rng.choice(_SUBJECTS)
        number = f"{rng.randint(1, 4)}{rng.randint(0, 99):02d}"
        receiving = rng.choice(_RECEIVING)
        key = (inst, f"{subject} {number}", receiving)
        if key in seen:
            continue
        seen.add(key)
        start = rng.randint(1995, 2024)
        effective = f"Sep/{start % 100:02d} - present" if rng.random() < 0.33 else ""
        lines.append(f"{inst},{subject} {number},{subject} {number} title,3,{receiving},{_credit(rng, receiving, subject, number)},{effective}")
    return "\n".join(lines) + "\n"


def _write(store: Store, text: str, rows: int, fig: Figure, read_s: float) -> None:
    doc = read_transfer_table(text, known=store.known_ids()).document
    t0 = time.perf_counter()
    summary = store.import_document(doc, actor="benchmark", action="import-csv")
    write_s = time.perf_counter() - t0
    assert summary.changes, "the store was empty"
    fig("write (one transaction)", write_s, "s")
    fig("import (read + write)", read_s + write_s, "s")
    fig("import rate", rows / (read_s + write_s), "rows/s")


def run(*, rows: int = 50_000, seed: int = 0, repeat: int = 3, stores: Sequence[str] = STORES) -> list[Figure]:
    """Measure reading the table and importing it into each store; return the figures."""
    figures: list[Figure] = []

    def figure(name: str) -> Figure:
        def fig(metric: str, value: float, unit: str) -> None:
            figures.append({"benchmark": f"import-csv {name}", "shape": "bctg", "scale": rows / 50_000, "metric": metric,
                            "value": value, "unit": unit, "target": None})
            print(f"{name}: {metric} {value:,.3f} {unit}", file=sys.stderr, flush=True)

        return fig  # type: ignore[return-value]

    text = table(rows, seed=seed)
    reads = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = read_transfer_table(text, known=KnownIds())
        reads.append(time.perf_counter() - t0)
    read_s = statistics.median(reads)
    common = figure("table")
    common("rows", rows, "")
    common("entities (institutions + nodes + rules)", len(result.document.institutions) + len(result.document.nodes) + len(result.document.rules), "")
    common(f"read, median of {repeat}", read_s, "s")
    common("read rate", rows / read_s, "rows/s")
    for kind in stores:
        with empty_store(kind, heap="2g") as (store, _):
            _write(store, text, rows, figure("sqlite" if kind == "sqlite" else "neo4j (ArcadeDB)"), read_s)  # type: ignore[arg-type]
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.bench_import_csv --rows 50000``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import_csv", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="agreements in the table (default 50,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the read, median reported")
    parser.add_argument("--store", choices=STORES, action="append", help="only this store (repeatable; default both)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report(run(rows=args.rows, seed=args.seed, repeat=args.repeat, stores=args.store or STORES), as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
