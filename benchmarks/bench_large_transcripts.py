"""Benchmark: evaluation time against transcript size, from ordinary to CLR-sized transcripts.

On a synthetic BC graph (:mod:`benchmarks.synthetic`) the engine is built once; for each size
in ``--sizes``, ``--transcripts`` transcripts of that many holdings are drawn (the generator's
transcripts of several seeds merged, distinct nodes, until the size is reached: one learner's
own transcript stops at the courses of two institutions) and each is evaluated twice: in
full, and without ``progress``/``skipped`` (``report=False``, the rounds alone), so the
figures show where the time goes as transcripts grow. Times are the process's CPU time (the
wall clock of a shared machine measures its other jobs too), medians over the transcripts.
Every evaluation has a deadline of ``--timeout`` seconds of wall time (:class:`pathways.engine.Deadline`); one that passes it is counted, not
timed.

``python -m benchmarks.bench_large_transcripts --scale 0.2 --sizes 50,100,300,1000`` prints
the figures and the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from benchmarks.machine import machine_line
from benchmarks.synthetic import generate, transcripts
from pathways.engine import Deadline, Engine, evaluate
from pathways.errors import DeadlineExceeded
from pathways.model import Document, EvaluationRequest

__all__ = ["large_transcripts", "main"]


def large_transcripts(doc: Document, size: int, count: int) -> list[EvaluationRequest]:
    """``count`` transcripts of ``size`` distinct holdings (fewer only when the graph runs out)."""
    out = []
    for k in range(count):
        seen: dict[str, object] = {}
        seed = 0
        while len(seen) < size and seed < 200:
            for h in transcripts(doc, min(size, 300), 1, seed=1000 * k + seed)[0].holdings:
                if len(seen) < size:
                    seen.setdefault(h.node, h.model_dump(mode="json", exclude_none=True))
            seed += 1
        out.append(EvaluationRequest.from_json({"holdings": list(seen.values()), "as_of": "2025-06-30"}))
    return out


def _timed(engine: Engine, request: EvaluationRequest, *, report: bool, timeout: float) -> tuple[float | None, int, int]:
    """CPU seconds of one evaluation (``None`` past the deadline), grants and progress entries.

    CPU time rather than wall time: on a shared machine the wall clock measures the neighbours.
    """
    started = time.process_time()
    try:
        result = evaluate(engine, request, report=report, deadline=Deadline.after(timeout))
    except DeadlineExceeded:
        return None, 0, 0
    return time.process_time() - started, len(result.granted), len(result.progress)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_large_transcripts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.2, help="BC graph scale (1.0 = the published size; default 0.2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", default="50,100,300,1000", help="holdings per transcript, comma-separated")
    parser.add_argument("--transcripts", type=int, default=3, help="transcripts per size (default 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="deadline of one evaluation, seconds (default 120)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    doc = generate(args.scale, seed=args.seed, shape="bc")
    engine = Engine(doc)
    print(f"BC {args.scale:g}: {len(doc.rules):,} rules, engine ready in {time.perf_counter() - started:.1f} s")
    print(f"{'holdings':>8} {'granted':>8} {'progress':>8} {'full, CPU':>14} {'rounds, CPU':>12} {'stopped':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        full, rounds, granted, progress, stopped = [], [], [], [], 0
        requests = large_transcripts(doc, size, args.transcripts)
        for request in requests:
            seconds, g, p = _timed(engine, request, report=True, timeout=args.timeout)
            if seconds is None:
                stopped += 1
                continue
            full.append(seconds)
            granted.append(g)
            progress.append(p)
            only, _, _ = _timed(engine, request, report=False, timeout=args.timeout)
            if only is not None:
                rounds.append(only)
        held = statistics.median(len(r.holdings) for r in requests)
        shown = [f"{statistics.median(v):.2f} s" if v else "-" for v in (full, rounds)]
        print(f"{held:>8.0f} {statistics.median(granted) if granted else 0:>8.0f} "
              f"{statistics.median(progress) if progress else 0:>8.0f} {shown[0]:>14} {shown[1]:>12} {stopped:>8}")
        sys.stdout.flush()
    print(machine_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
