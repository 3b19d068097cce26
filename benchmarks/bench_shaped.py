"""Benchmark: CPU per ``POST /evaluate`` answer in one process, the shaped default against the full answer.

What a worker spends on one answer besides HTTP, on a synthetic graph
(:mod:`benchmarks.synthetic`, BC shape by default): validating the body, evaluating, shaping
(:func:`pathways.answers.shaped_evaluation_json`) and encoding it (orjson, as the service
does). Three answers over the same transcripts:

- ``shaped``: the default body (the 20 closest progress entries): the evaluation computes only
  the progress that can make the cut (:mod:`pathways.engine.ranking`);
- ``every-then-cut``: the same answer from an evaluation that computes every progress entry
  and cuts afterwards (what the service did before the top-k selection);
- ``full``: ``"progress_limit": null``, every progress entry.

CPU time (``time.process_time``), so that other processes on a shared machine move the
figures less than wall time. ``python -m benchmarks.bench_shaped --scale 1.0`` prints p50, p99
and mean per answer, the answer's size, and the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from pathways.answers import ShapedEvaluationRequest, node_summaries, shape, shaped_evaluation_json
from pathways.engine import Engine, evaluate
from pathways.heap import settle_heap
from pathways.io.openbadges import badge_claims

from .bench_evaluate import percentile
from .machine import describe, machine_line
from .synthetic import Shape, add_transcript_arguments, generate, transcripts

__all__ = ["ANSWERS", "main", "run"]

ANSWERS = ("shaped", "every-then-cut", "full")
"""The answers measured (see the module)."""


def _every_then_cut(engine: Engine, summaries: dict[str, dict[str, Any]], body: object) -> dict[str, Any]:
    request = ShapedEvaluationRequest.from_json(body)
    return shape(evaluate(engine, request, badges=badge_claims(request.credentials)), engine, summaries, request)


def run(*, shape_name: Shape = "bc", scale: float = 1.0, seed: int = 0, holdings: int = 10, count: int = 60,
        passes: int = 2) -> list[dict[str, Any]]:
    """CPU ms per answer (p50, p99, mean of the best of ``passes`` passes over ``count`` transcripts) and answer size."""
    doc = generate(scale, seed=seed, shape=shape_name)
    engine = Engine(doc)
    summaries = node_summaries(engine)
    bodies = [r.model_dump(mode="json", exclude_none=True) for r in transcripts(doc, holdings, count, seed=seed)]
    del doc
    settle_heap()  # as the service does once its engine is built: later collections skip the graph
    answers: dict[str, tuple[Callable[..., dict[str, Any]], dict[str, Any]]] = {
        "shaped": (shaped_evaluation_json, {}),
        "every-then-cut": (_every_then_cut, {}),
        "full": (shaped_evaluation_json, {"progress_limit": None}),
    }
    results = []
    for name, (answer, extra) in answers.items():
        best: list[float] | None = None
        sizes: list[int] = []
        for _ in range(passes + 1):  # the first pass warms up
            times = []
            sizes = []
            for body in bodies:
                t0 = time.process_time()
                encoded = orjson.dumps(answer(engine, summaries, body | extra))
                times.append((time.process_time() - t0) * 1e3)
                sizes.append(len(encoded))
            if best is None or sorted(times)[len(times) // 2] < sorted(best)[len(best) // 2]:
                best = times
        assert best is not None
        results.append({"answer": name, "shape": shape_name, "scale": scale, "holdings": holdings, "transcripts": count,
                        "p50_ms": percentile(best, 50), "p99_ms": percentile(best, 99), "mean_ms": sum(best) / len(best),
                        "size_kb_p50": percentile(sizes, 50) / 1024})
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_shaped", description=__doc__.split("\n\n")[0])
    add_transcript_arguments(parser)
    parser.add_argument("--transcripts", type=int, default=60, help="transcripts per pass")
    parser.add_argument("--passes", type=int, default=2, help="measured passes (the best by p50 is kept)")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    args = parser.parse_args(argv)
    results = run(shape_name=args.shape, scale=args.scale, seed=args.seed, holdings=args.holdings, count=args.transcripts,
                  passes=args.passes)
    if args.json:
        print(json.dumps({"machine": describe(), "results": results}, indent=2))
        return 0
    first = results[0]
    print(f"POST /evaluate in one process, CPU per answer: {first['shape']} shape scale {first['scale']}, "
          f"{first['holdings']}-holding transcripts, {first['transcripts']} of them")
    print(f"{'answer':>15} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'KB p50':>8}")
    for r in results:
        print(f"{r['answer']:>15} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['mean_ms']:>8.2f} {r['size_kb_p50']:>8.1f}")
    print(f"machine: {machine_line(describe())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
