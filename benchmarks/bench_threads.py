"""Benchmark: CPU per shaped ``POST /evaluate`` answer, one at a time against several interleaved threads.

Why a worker runs one engine computation at a time (``PATHWAYS_ENGINE_THREADS``,
:mod:`pathways.service.work`): in one process, on a synthetic graph (:mod:`benchmarks.synthetic`,
BC shape by default) with the heap settled as the service settles it, the same transcripts are
answered (validation, evaluation, shaping, orjson, as :mod:`benchmarks.bench_shaped`) by a
pool of 1, 2 and 4 threads in turn, pass after pass, with the thread switch interval the
server sets (:data:`pathways.service.server.SWITCH_INTERVAL`). Each pass's CPU time
(``time.process_time``) over its answers; the median of the passes per pool size.
Interleaving the pool sizes pass by pass makes a busy machine move them alike.

``python -m benchmarks.bench_threads --scale 1.0`` prints the CPU per answer for each pool
size, the ratio to one thread, and the machine.

Example:
    >>> rows = run(scale=0.002, holdings=3, count=4, passes=1, pools=(1, 2))
    >>> [r["threads"] for r in rows], rows[1]["ratio"] > 0
    ([1, 2], True)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from pathways.answers import node_summaries, shaped_evaluation_json
from pathways.engine import Engine
from pathways.heap import settle_heap
from pathways.service.server import SWITCH_INTERVAL

from .machine import describe, machine_line
from .synthetic import Shape, add_transcript_arguments, generate, transcripts

__all__ = ["main", "run"]


def run(*, shape_name: Shape = "bc", scale: float = 1.0, seed: int = 0, holdings: int = 10, count: int = 120,
        passes: int = 3, pools: Sequence[int] = (1, 2, 4)) -> list[dict[str, Any]]:
    """CPU ms per answer for each thread-pool size (median of ``passes`` interleaved passes), and its ratio to the first."""
    doc = generate(scale, seed=seed, shape=shape_name)
    engine = Engine(doc)
    summaries = node_summaries(engine)
    bodies = [r.model_dump(mode="json", exclude_none=True) for r in transcripts(doc, holdings, count, seed=seed)]
    del doc
    settle_heap()

    def answer(body: dict[str, Any]) -> bytes:
        return orjson.dumps(shaped_evaluation_json(engine, summaries, body))

    def one_pass(threads: int) -> float:
        t0 = time.process_time()
        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(answer, bodies):
                pass
        return (time.process_time() - t0) * 1e3 / len(bodies)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        one_pass(1)  # warms up
        times: dict[int, list[float]] = {n: [] for n in pools}
        for _ in range(passes):
            for n in pools:
                times[n].append(one_pass(n))
    finally:
        sys.setswitchinterval(interval)
    first = statistics.median(times[pools[0]])
    return [{"threads": n, "shape": shape_name, "scale": scale, "holdings": holdings, "transcripts": count, "passes": passes,
             "cpu_ms_per_answer": statistics.median(times[n]), "ratio": statistics.median(times[n]) / first} for n in pools]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_threads", description=__doc__.split("\n\n")[0])
    add_transcript_arguments(parser)
    parser.add_argument("--transcripts", type=int, default=120, help="transcripts per pass")
    parser.add_argument("--passes", type=int, default=3, help="passes per thread-pool size (the median is kept)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4], help="thread-pool sizes, the first the reference")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    args = parser.parse_args(argv)
    results = run(shape_name=args.shape, scale=args.scale, seed=args.seed, holdings=args.holdings, count=args.transcripts,
                  passes=args.passes, pools=args.threads)
    if args.json:
        print(json.dumps({"machine": describe(), "results": results}, indent=2))
        return 0
    first = results[0]
    print(f"shaped POST /evaluate in one process, CPU per answer by threads at once: {first['shape']} shape scale "
          f"{first['scale']}, {first['holdings']}-holding transcripts, {first['transcripts']} per pass, median of {first['passes']} passes")
    print(f"{'threads':>8} {'CPU ms':>8} {'ratio':>6}")
    for r in results:
        print(f"{r['threads']:>8} {r['cpu_ms_per_answer']:>8.2f} {r['ratio']:>6.2f}")
    print(f"machine: {machine_line(describe())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
