"""Run every benchmark and print one table: ``python -m benchmarks.run`` (``make bench``).

By default the graphs are small (CUNY shape at scale 0.02, about 30,000 rules; BC shape at
0.05) so the run takes about a minute; ``--full`` runs both at the published size (scale
1.0: 1.5 million and 245,000 rules; several minutes and a few GiB of memory), and
``--scale`` sets one scale for both.

Each benchmark is a module of this package with a function
``run(*, shape, scale, seed) -> list[Figure]`` (see :data:`benchmarks.bench_evaluate.Figure`):
:mod:`benchmarks.bench_evaluate`, and when present ``bench_import`` (the Neo4j store),
``bench_plan`` and ``bench_http``. A module that is missing or fails is reported, not fatal.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

from .bench_evaluate import Figure, table
from .machine import describe, machine_line

__all__ = ["BENCHMARKS", "QUICK_SCALES", "main", "run_all"]

BENCHMARKS = ("bench_evaluate", "bench_import", "bench_plan", "bench_http")
QUICK_SCALES = {"cuny": 0.02, "bc": 0.05}
"""Default scales: small enough that the whole run stays under two minutes on two cores."""


def run_all(scales: dict[str, float], *, seed: int = 0, only: Sequence[str] = BENCHMARKS) -> tuple[list[Figure], list[str]]:
    """Run each available benchmark on each shape; return the figures and notes on what did not run."""
    figures: list[Figure] = []
    notes: list[str] = []
    for name in only:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"benchmarks.{name}":
                notes.append(f"{name}: cannot import ({err})")
            continue
        bench = getattr(module, "run", None)
        if bench is None:
            notes.append(f"{name}: has no run(*, shape, scale, seed) function, skipped")
            continue
        for shape, scale in scales.items():
            started = time.perf_counter()
            try:
                figures.extend(bench(shape=shape, scale=scale, seed=seed))
            except Exception as err:  # one broken benchmark must not hide the others' figures
                notes.append(f"{name} ({shape}, scale {scale:g}) failed: {err!r}\n{traceback.format_exc(limit=3)}")
            else:
                print(f"{name} {shape} {scale:g}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return figures, notes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run, print the table and the machine; ``--json FILE`` also writes the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="scale 1.0 for both shapes: the published sizes")
    size.add_argument("--scale", type=float, help="one scale for both shapes")
    parser.add_argument("--shape", choices=("cuny", "bc"), action="append", help="only this shape (repeatable)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="only this benchmark (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the figures and the machine as JSON")
    args = parser.parse_args(argv)
    shapes = args.shape or list(QUICK_SCALES)
    scales = {s: 1.0 if args.full else args.scale if args.scale is not None else QUICK_SCALES[s] for s in shapes}
    figures, notes = run_all(scales, seed=args.seed, only=args.only or BENCHMARKS)
    print(table(figures))
    print(f"\nmachine: {machine_line()}")
    for note in notes:
        print(f"note: {note}")
    if args.json:
        report: dict[str, Any] = {"machine": describe(), "scales": scales, "figures": figures, "notes": notes}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
    return 1 if any("failed" in n for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
