"""Run every benchmark and print one table: ``python -m benchmarks.run`` (``make bench``).

By default the graphs are small (CUNY shape at scale 0.02, about 30,000 rules; BC shape at
0.05) so the run takes about a minute; ``--full`` runs both at the published size (scale
1.0: 1.5 million and 245,000 rules; several minutes and a few GiB of memory), and
``--scale`` sets one scale for both.

Each benchmark is a module of this package with a function
``run(*, shape, scale, seed) -> list[Figure]`` (see :data:`benchmarks.bench_evaluate.Figure`):
:mod:`benchmarks.bench_evaluate`, and when present ``bench_import`` (the Neo4j store),
``bench_plan`` and ``bench_http``. Each runs in its own process (its peak RSS is its own); a
module that fails, or in a quick run takes over 150 s on a shape, is noted, not fatal.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from .bench_evaluate import Figure, table
from .machine import describe, machine_line

__all__ = ["BENCHMARKS", "QUICK_LIMITS", "QUICK_SCALES", "QUICK_TIME_LIMIT_S", "main", "run_all"]

BENCHMARKS = ("bench_evaluate", "bench_import", "bench_plan", "bench_http", "bench_impact")
QUICK_SCALES = {"cuny": 0.02, "bc": 0.05}
"""Default scales: small enough that the whole run stays under two minutes on two cores."""
QUICK_LIMITS = {"timeout_s": 5.0, "budget_s": 20.0}
"""In a quick run an evaluation is abandoned after 5 s and each transcript size gets 20 s."""
QUICK_TIME_LIMIT_S = 150.0
"""In a quick run a benchmark that takes longer than this on one shape is stopped and noted."""


def _child(name: str, shape: str, scale: float, seed: int, limits: dict[str, float]) -> list[Figure]:
    """Run one benchmark on one shape in this process (the child's side of :func:`run_all`)."""
    bench = importlib.import_module(f"benchmarks.{name}").run
    accepted = inspect.signature(bench).parameters
    extra = {k: v for k, v in limits.items() if k in accepted}
    figures: list[Figure] = bench(shape=shape, scale=scale, seed=seed, **extra)
    return figures


def run_all(
    scales: dict[str, float],
    *,
    seed: int = 0,
    only: Sequence[str] = BENCHMARKS,
    limits: dict[str, float] | None = None,
    time_limit_s: float | None = None,
) -> tuple[list[Figure], list[str]]:
    """Run each available benchmark on each shape; return the figures and notes on what did not run.

    Each (benchmark, shape) runs in its own process, so that one's peak RSS is not another's
    and a benchmark that hangs is stopped after ``time_limit_s``. ``limits`` (such as
    ``timeout_s``, ``budget_s``) go to the benchmarks whose ``run`` accepts them.
    """
    figures: list[Figure] = []
    notes: list[str] = []
    root = Path(__file__).resolve().parent.parent
    for name in only:
        if importlib.util.find_spec(f"benchmarks.{name}") is None:
            continue
        for shape, scale in scales.items():
            started = time.perf_counter()
            cmd = [sys.executable, "-m", "benchmarks.run", "--child", json.dumps([name, shape, scale, seed, limits or {}])]
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=root, timeout=time_limit_s)
            except subprocess.TimeoutExpired:
                notes.append(f"{name} ({shape}, scale {scale:g}) stopped after {time_limit_s:g} s")
                continue
            if out.returncode != 0:
                notes.append(f"{name} ({shape}, scale {scale:g}) failed: {out.stderr.strip()[-600:]}")
                continue
            figures.extend(json.loads(out.stdout.strip().splitlines()[-1]))
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
    parser.add_argument("--time-limit", type=float, help="seconds one benchmark may take on one shape (default: 150 quick, none full)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # run_all's child process: [name, shape, scale, seed, limits]
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*json.loads(args.child))))
        return 0
    shapes = args.shape or list(QUICK_SCALES)
    scales = {s: 1.0 if args.full else args.scale if args.scale is not None else QUICK_SCALES[s] for s in shapes}
    quick = not args.full and args.scale is None
    limits = QUICK_LIMITS if quick else None
    time_limit = args.time_limit if args.time_limit is not None else QUICK_TIME_LIMIT_S if quick else None
    figures, notes = run_all(scales, seed=args.seed, only=args.only or BENCHMARKS, limits=limits, time_limit_s=time_limit)
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
